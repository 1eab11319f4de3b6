"""Participants: joining a workshop with its code and a pseudonym, signing more devices in with
a personal code, who a token belongs to, and what the moderator does to a participant.

One pupil is one participant however many devices they use: each device has its own token
(`participant_tokens`), and votes, designs and the nickname belong to the participant. A second
device signs in with the participant's personal code, never by typing the same nickname again:
that is refused, so no one becomes a second person by mistake or takes over a classmate.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_sync.errors import ApiError
from server_sync.models import (
    AuditEntry,
    JuryMember,
    Participant,
    ParticipantToken,
    Revision,
    Submission,
    Vote,
    Workshop,
    now,
    utc,
)
from server_sync.pseudonyms import problem, skeleton
from server_sync.schemas import JoinIn, ParticipantStatus
from server_sync.security import new_token, token_hash
from server_sync.services import team_submissions
from server_sync.services.workshops import (
    clean_code,
    joining_open,
    new_code,
    workshop_by_code,
    workshop_or_404,
)

Member = TypeVar("Member", Participant, JuryMember)
#: 31^8 ≈ 8.5·10^11 codes: with ten guesses per five minutes per address, out of reach.
PERSONAL_CODE_LENGTH = 8
#: How often a device's `last_seen` is written at most: the desk wants minutes, not every request.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str  # shown once: only its hash is stored
    workshop: Workshop
    personal_code: str | None = None  # shown once at joining, as ABCD-EFGH; None at a sign-in


def shown_code(code: str) -> str:
    """A personal code as pupils read it aloud and type it: ABCD-EFGH."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def join(session: Session, body: JoinIn) -> Joined:
    """A new participant of the workshop with `body.code`, while joining is open, the workshop
    not full and the pseudonym allowed and not (nor a look-alike) anyone's in the workshop yet.

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
    person = Participant(
        workshop_id=workshop.id, pseudonym=pseudonym, pseudonym_key=skeleton(pseudonym)
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
    code = _new_personal_code(session, person)
    token = _new_device(session, person)
    session.commit()
    return Joined(person, token, workshop, code)


def _members(session: Session, workshop: Workshop) -> int:
    count = (
        select(func.count())
        .select_from(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.removed.is_(None))
    )
    return session.scalar(count) or 0


def _new_device(session: Session, person: Participant) -> str:
    token = new_token()
    session.add(ParticipantToken(token_hash=token_hash(token), participant_id=person.id))
    return token


def _new_personal_code(session: Session, person: Participant) -> str:
    """A fresh personal code for `person` (the old one stops working), as shown to them.

    Codes are unique over the whole server, since a sign-in names no workshop: one taken
    already (about one in a billion for a class) is drawn again."""
    while True:
        code = new_code(PERSONAL_CODE_LENGTH)
        taken = select(Participant.id).where(Participant.personal_code_hash == token_hash(code))
        if session.scalar(taken) is None:
            person.personal_code_hash = token_hash(code)
            return shown_code(code)


def sign_in(session: Session, personal_code: str) -> Joined:
    """A new device token for the participant whose personal code this is (typed in any case,
    with or without the dash). Works while joining is closed (a pupil who joined in the
    editor votes on a phone), not once the workshop is closed."""
    person, workshop = signing_in(session, personal_code)
    token = _new_device(session, person)
    session.commit()
    return Joined(person, token, workshop)


def signing_in(session: Session, personal_code: str) -> tuple[Participant, Workshop]:
    """Whose personal code this is and their workshop, while a device may still sign in as
    them (not once the workshop is closed); asked before signing in and again when it is done."""
    person = with_personal_code(session, personal_code)
    workshop = workshop_or_404(session, person.workshop_id)
    if workshop.phase == "closed":
        raise ApiError(409, "workshop_closed")
    return person, workshop


def with_personal_code(session: Session, personal_code: str) -> Participant:
    """The participant whose personal code this is, or a 404 `wrong_personal_code` (the
    callers count it against the client's guesses)."""
    code = clean_code(personal_code)
    found = None
    if code:
        found = session.scalar(
            select(Participant).where(Participant.personal_code_hash == token_hash(code))
        )
    if found is None:
        raise ApiError(404, "wrong_personal_code")
    return found


def new_personal_code(session: Session, person: Participant) -> str:
    """A new personal code for a participant who joined before codes existed or lost theirs;
    the old code stops working, the devices signed in stay signed in."""
    code = _new_personal_code(session, person)
    session.commit()
    return code


def signed_in(session: Session, token: str | None) -> Participant | None:
    """The participant one of whose devices has this (unhashed) token, if any; notes when the
    device was last seen, at most once per `SEEN_EVERY`."""
    if not token:
        return None
    row = session.execute(
        select(Participant, ParticipantToken)
        .join(ParticipantToken, ParticipantToken.participant_id == Participant.id)
        .where(ParticipantToken.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    person, device = row
    if now() - utc(device.last_seen) > SEEN_EVERY:
        device.last_seen = now()
        session.commit()
    return person


def sign_out_device(session: Session, token: str | None) -> None:
    """Ends this device's token (the sign-out button): a copy of the cookie is worth nothing
    afterwards, and the participant's other devices stay signed in."""
    if token:
        session.execute(
            delete(ParticipantToken).where(ParticipantToken.token_hash == token_hash(token))
        )
        session.commit()


def with_token(session: Session, model: type[Member], token: str | None) -> Member | None:
    """The participant or jury member whose (unhashed) token this is, if any."""
    if not token:
        return None
    if model is JuryMember:
        found: Participant | JuryMember | None = session.scalar(
            select(JuryMember).where(JuryMember.token_hash == token_hash(token))
        )
    else:
        found = signed_in(session, token)
    return found if isinstance(found, model) else None


def participant_with_token(session: Session, token: str | None) -> Participant:
    """The participant whose token a request carries, or a 401."""
    found = signed_in(session, token)
    if found is None:
        raise ApiError(401, "not_participant")
    return found


def member_of(
    session: Session, model: type[Member], token: str | None, workshop: Workshop
) -> Member | None:
    """The participant or jury member `token` belongs to, if they joined `workshop`."""
    found = with_token(session, model, token)
    return found if found is not None and found.workshop_id == workshop.id else None


# The moderator's side: the class list on the desk and what the teacher does for a pupil.


@dataclass(frozen=True)
class ParticipantRow:
    """One pupil on the desk's class list, so the teacher sees who is stuck."""

    id: int
    pseudonym: str
    joined: datetime
    last_seen: datetime | None  # the latest of any of their devices; None: signed out everywhere
    designs: int
    status: ParticipantStatus


def participants_overview(session: Session, workshop_id: int) -> list[ParticipantRow]:
    """Every participant of the workshop who was not removed, in the order they joined."""
    workshop = workshop_or_404(session, workshop_id)
    seen = dict(
        session.execute(
            select(ParticipantToken.participant_id, func.max(ParticipantToken.last_seen))
            .join(Participant, Participant.id == ParticipantToken.participant_id)
            .where(Participant.workshop_id == workshop.id)
            .group_by(ParticipantToken.participant_id)
        ).all()
    )
    approved = func.sum(case((Submission.status == "approved", 1), else_=0))
    designs = {
        person: (count, int(good or 0))
        for person, count, good in session.execute(
            select(Submission.participant_id, func.count(), approved)
            .where(Submission.workshop_id == workshop.id)
            .group_by(Submission.participant_id)
        ).all()
    }
    people = session.scalars(
        select(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.removed.is_(None))
        .order_by(Participant.created, Participant.id)
    )
    rows = []
    status: ParticipantStatus
    for person in people:
        count, good = designs.get(person.id, (0, 0))
        last = seen.get(person.id)
        status = "approved" if good else "submitted" if count else "building"
        rows.append(
            ParticipantRow(
                id=person.id,
                pseudonym=person.pseudonym,
                joined=utc(person.created),
                last_seen=utc(last) if last is not None else None,
                designs=count,
                status=status,
            )
        )
    return rows


def participant_or_404(session: Session, participant_id: int) -> Participant:
    found = session.get(Participant, participant_id)
    if found is None or found.removed is not None:
        raise ApiError(404, "no_participant")
    return found


def reset_sign_in(session: Session, participant_id: int) -> str:
    """Signs every device of the participant out and gives them a new personal code (returned
    once, for the teacher to hand over): for a lost or shared code. Their designs and votes
    stay theirs."""
    person = participant_or_404(session, participant_id)
    session.execute(delete(ParticipantToken).where(ParticipantToken.participant_id == person.id))
    code = _new_personal_code(session, person)
    session.add(
        AuditEntry(action="reset_sign_in", workshop_id=person.workshop_id, detail=person.pseudonym)
    )
    session.commit()
    return code


def rename(session: Session, participant_id: int, pseudonym: str) -> Participant:
    """A new nickname, by the same rules as joining (look-alikes of a classmate's refused),
    shown on their submissions and named in their stored designs from now on."""
    person = participant_or_404(session, participant_id)
    pseudonym = pseudonym.strip()
    reason = problem(pseudonym)
    if reason:
        raise ApiError(422, reason)
    before = person.pseudonym
    if pseudonym == before:
        return person
    person.pseudonym, person.pseudonym_key = pseudonym, skeleton(pseudonym)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "name_in_use") from None
    session.execute(
        update(Submission)
        .where(Submission.participant_id == person.id, Submission.room_id.is_(None))
        .values(pseudonym=pseudonym)
    )
    _rename_in_designs(session, person.id, pseudonym)
    team_submissions.rename_author(session, person.workshop_id, before, pseudonym)
    session.add(
        AuditEntry(
            action="rename_participant",
            workshop_id=person.workshop_id,
            detail=f"{before} → {pseudonym}",
        )
    )
    session.commit()
    return person


def _rename_in_designs(session: Session, participant_id: int, pseudonym: str) -> None:
    """Stored designs name their author's pseudonym (see submissions.store): the new one now,
    so an old nickname the teacher took away does not reach the council's export."""
    kept = session.scalars(
        select(Revision)
        .join(Submission, Submission.uuid == Revision.uuid)
        .where(Submission.participant_id == participant_id, Submission.room_id.is_(None))
    )
    for revision in kept:
        try:
            doc = json.loads(revision.design)
        except ValueError:
            continue  # kept as sent (see migration 0005); the export skips it
        if isinstance(doc, dict):
            doc["pseudonyms"] = [pseudonym]
            revision.design = json.dumps(doc, ensure_ascii=False)


def remove(session: Session, participant_id: int) -> None:
    """Takes a participant out of the workshop: every device signed out, their personal code
    void, their votes gone, and they no longer count towards the workshop's limit.

    Nothing a pupil built is lost: their designs stay in the database, only hidden from the
    gallery (status `hidden`, as the moderator sees it), and the participant's row stays with
    them. Their nickname stays taken in the workshop, so no one else appears under it."""
    person = participant_or_404(session, participant_id)
    session.execute(delete(ParticipantToken).where(ParticipantToken.participant_id == person.id))
    session.execute(delete(Vote).where(Vote.participant_id == person.id))
    session.execute(
        update(Submission)
        .where(
            Submission.participant_id == person.id,
            Submission.status != "rejected",  # a rejected one stays rejected, with its reason
            Submission.room_id.is_(None),  # their team's design stays the team's
        )
        .values(status="hidden")
    )
    person.removed, person.personal_code_hash = now(), None
    session.add(
        AuditEntry(
            action="remove_participant", workshop_id=person.workshop_id, detail=person.pseudonym
        )
    )
    session.commit()
