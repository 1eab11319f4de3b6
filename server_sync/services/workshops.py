"""Workshops: created by the moderator, found by their join code, moved through their phases."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from game.core.errors import QuartierError
from game.core.level import Level
from game.io.levels import find_level
from server_sync.errors import ApiError
from server_sync.models import AuditEntry, VoteSlot, Workshop
from server_sync.schemas import Phase, WorkshopIn

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
    )
    session.add(workshop)
    session.flush()
    session.add_all(
        VoteSlot(workshop_id=workshop.id, slot=n) for n in range(1, body.votes_per_participant + 1)
    )
    session.add(AuditEntry(action="create_workshop", workshop_id=workshop.id, detail=body.title))
    session.commit()
    return workshop


def change_phase(session: Session, workshop_id: int, phase: Phase) -> Workshop:
    """Forward only: building → voting → closed (a phase may be skipped, never undone)."""
    workshop = workshop_or_404(session, workshop_id)
    if PHASES.index(phase) < PHASES.index(workshop.phase):
        raise ApiError(409, "phase_backwards", phase=workshop.phase)
    session.add(AuditEntry(action=f"phase_{phase}", workshop_id=workshop.id, detail=workshop.phase))
    workshop.phase = phase
    session.commit()
    return workshop
