"""Workshops: created by the moderator, found by their join code, moved through their phases."""

import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from game.core.errors import QuartierError
from game.core.level import Level
from game.io.levels import find_level
from server_sync.errors import ApiError
from server_sync.models import (
    AuditEntry,
    JuryMember,
    JuryRating,
    Submission,
    Vote,
    VoteSlot,
    Workshop,
)
from server_sync.schemas import Phase, WorkshopChange, WorkshopIn

# Easy to read out in class: no 0/O, 1/I/L.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PHASES: tuple[Phase, ...] = ("building", "voting", "closed")


def clean_code(code: str) -> str:
    """A code as typed in class ("ab-cd 12") as it is stored ("ABCD12"); jury codes too."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(length))


def workshop_with_code(session: Session, code: str) -> Workshop | None:
    return session.scalar(select(Workshop).where(Workshop.code == clean_code(code)))


def workshop_by_code(session: Session, code: str) -> Workshop:
    found = workshop_with_code(session, code)
    if found is None:
        raise ApiError(404, "wrong_code")
    return found


def workshop_or_404(session: Session, workshop_id: int) -> Workshop:
    found = session.get(Workshop, workshop_id)
    if found is None:
        raise ApiError(404, "no_workshop")
    return found


def known_level(level_id: str) -> Level:
    try:
        return find_level(level_id)
    except QuartierError:
        raise ApiError(422, "unknown_level", level=level_id) from None


def create_workshop(session: Session, body: WorkshopIn) -> Workshop:
    """A new workshop on a bundled level, with a join code no other workshop has."""
    known_level(body.level_id)
    for _ in range(20):
        code = new_code(6)
        if not session.scalar(select(Workshop.id).where(Workshop.code == code)):
            break
    workshop = Workshop(
        code=code,
        title=body.title,
        level_id=body.level_id,
        votes_per_participant=body.votes_per_participant,
        moderation=body.moderation,
        joining=body.joining,
        max_participants=body.max_participants,
    )
    session.add(workshop)
    session.flush()
    session.add_all(
        VoteSlot(workshop_id=workshop.id, slot=n) for n in range(1, body.votes_per_participant + 1)
    )
    session.add(AuditEntry(action="create_workshop", workshop_id=workshop.id, detail=body.title))
    session.commit()
    return workshop


def joining_open(workshop: Workshop) -> bool:
    """Whether someone may still join: never once closed, and by default not once voting
    started, so that no one joins a class just to vote."""
    last = "building" if workshop.joining == "until_voting" else "voting"
    return PHASES.index(workshop.phase) <= PHASES.index(last)


def votes_cast(session: Session, workshop_id: int) -> int:
    """Votes and jury ratings given in a workshop: once there is one, building is over for good."""
    votes = session.scalar(select(func.count()).where(Vote.workshop_id == workshop_id)) or 0
    ratings = (
        session.scalar(
            select(func.count())
            .select_from(JuryRating)
            .join(JuryMember, JuryMember.id == JuryRating.jury_member_id)
            .where(JuryMember.workshop_id == workshop_id)
        )
        or 0
    )
    return votes + ratings


def _move_back(session: Session, workshop: Workshop, phase: Phase) -> None:
    """Undo a phase change a teacher made by mistake, where that is still fair.

    Back to building only while no vote and no jury rating exists: a vote is a pupil's choice
    among the designs shown, which reopened building would change under it. The designs that
    arrived meanwhile (status `late`) then count as sent in time and wait for moderation as
    usual (or are approved at once under moderation afterwards).

    Back from closed to voting is always allowed: a teacher who closed by mistake during the
    lesson must be able to let the class finish voting. Every vote cast stays; the results were
    public for a moment, which the audit log records (pupils who saw them may change their
    votes, as they could before closing).
    """
    if phase == "building":
        cast = votes_cast(session, workshop.id)
        if cast:
            raise ApiError(409, "phase_votes_cast", n=cast)
        session.execute(
            update(Submission)
            .where(Submission.workshop_id == workshop.id, Submission.status == "late")
            .values(status="approved" if workshop.moderation == "post" else "pending")
        )


def change_workshop(session: Session, workshop_id: int, body: WorkshopChange) -> Workshop:
    """The moderator's changes, each in the audit log. Phases move building → voting → closed
    (a phase may be skipped); moving back is allowed where `_move_back` says it is fair."""
    workshop = workshop_or_404(session, workshop_id)
    if body.phase is not None and body.phase != workshop.phase:
        if PHASES.index(body.phase) < PHASES.index(workshop.phase):
            _move_back(session, workshop, body.phase)
        session.add(
            AuditEntry(action=f"phase_{body.phase}", workshop_id=workshop.id, detail=workshop.phase)
        )
        workshop.phase = body.phase
    if body.joining is not None and body.joining != workshop.joining:
        session.add(AuditEntry(action="joining", workshop_id=workshop.id, detail=body.joining))
        workshop.joining = body.joining
    if "max_participants" in body.model_fields_set and (
        body.max_participants != workshop.max_participants
    ):
        limit = body.max_participants
        session.add(
            AuditEntry(action="max_participants", workshop_id=workshop.id, detail=str(limit or "-"))
        )
        workshop.max_participants = limit
    session.commit()
    return workshop
