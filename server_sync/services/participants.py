"""Participants: joining a workshop with its code and a pseudonym, and who a token belongs to."""

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_sync.errors import ApiError
from server_sync.models import JuryMember, Participant, Workshop
from server_sync.pseudonyms import problem, skeleton
from server_sync.schemas import JoinIn
from server_sync.security import new_token, token_hash
from server_sync.services.workshops import workshop_by_code

Member = TypeVar("Member", Participant, JuryMember)


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str  # shown once: only its hash is stored
    workshop: Workshop


def join(session: Session, body: JoinIn) -> Joined:
    """A new participant of the workshop with `body.code`, unless it is closed or the pseudonym is refused."""
    workshop = workshop_by_code(session, body.code)
    if workshop.phase == "closed":
        raise ApiError(409, "workshop_closed")
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
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "pseudonym_taken") from None
    return Joined(person, token, workshop)


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
