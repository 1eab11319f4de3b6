"""Participants: joining a workshop with its code and a pseudonym, and who a token belongs to."""

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_sync.errors import ApiError
from server_sync.models import JuryMember, Participant, Workshop
from server_sync.pseudonyms import problem, skeleton
from server_sync.schemas import JoinIn
from server_sync.security import new_token, token_hash
from server_sync.services.workshops import joining_open, workshop_by_code

Member = TypeVar("Member", Participant, JuryMember)


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str  # shown once: only its hash is stored
    workshop: Workshop


def join(session: Session, body: JoinIn) -> Joined:
    """A new participant of the workshop with `body.code`, while joining is open, the workshop
    not full and the pseudonym allowed.

    The limit holds under concurrent joins too: the new participant is counted after its own
    insert, within the transaction that holds the workshop's row (PostgreSQL, FOR UPDATE) or
    the database's only write lock (SQLite), and taken back if it was one too many."""
    found = workshop_by_code(session, body.code)
    workshop = session.get(Workshop, found.id, with_for_update=True, populate_existing=True)
    assert workshop is not None  # just found, and workshops are never deleted
    if workshop.phase == "closed":
        raise ApiError(409, "workshop_closed")
    if not joining_open(workshop):
        raise ApiError(409, "joining_closed")
    pseudonym = body.pseudonym.strip()
    reason = problem(pseudonym)
    if reason:
        raise ApiError(422, reason)
    token = new_token()
    person = Participant(
        workshop_id=workshop.id,
        pseudonym=pseudonym,
        pseudonym_key=skeleton(pseudonym),
        token_hash=token_hash(token),
    )
    session.add(person)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "pseudonym_taken") from None
    if (
        workshop.max_participants is not None
        and _members(session, workshop) > workshop.max_participants
    ):
        session.rollback()
        raise ApiError(409, "workshop_full", limit=workshop.max_participants)
    session.commit()
    return Joined(person, token, workshop)


def _members(session: Session, workshop: Workshop) -> int:
    count = (
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop.id)
    )
    return session.scalar(count) or 0


def with_token(session: Session, model: type[Member], token: str | None) -> Member | None:
    """The participant or jury member whose (unhashed) token this is, if any."""
    if not token:
        return None
    return session.scalar(select(model).where(model.token_hash == token_hash(token)))


def participant_with_token(session: Session, token: str | None) -> Participant:
    """The participant whose token a request carries, or a 401."""
    found = with_token(session, Participant, token)
    if found is None:
        raise ApiError(401, "not_participant")
    return found


def member_of(
    session: Session, model: type[Member], token: str | None, workshop: Workshop
) -> Member | None:
    """The participant or jury member `token` belongs to, if they joined `workshop`."""
    found = with_token(session, model, token)
    return found if found is not None and found.workshop_id == workshop.id else None
