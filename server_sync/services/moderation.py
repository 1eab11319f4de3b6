"""Moderation: the moderator token, the desk's browser sessions, and approving, hiding or
rejecting submissions, each written to the audit log.

The browser session is a random cookie whose hash is stored; it ends after `MODERATOR_IDLE`
without activity.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Row, delete, desc, func, select
from sqlalchemy.orm import Session, sessionmaker

from game.core.errors import QuartierError
from server_sync.errors import ApiError
from server_sync.models import (
    AuditEntry,
    JuryMember,
    ModeratorSession,
    Participant,
    Setting,
    Submission,
    Workshop,
    now,
    utc,
)
from server_sync.schemas import ModerationIn
from server_sync.security import new_token, same_secret, token_hash
from server_sync.services.workshops import workshop_or_404

MODERATOR_KEY = "moderator_token_hash"
MIN_TOKEN_LENGTH = 16
MODERATOR_IDLE = timedelta(minutes=30)
STATUS_ORDER = ("pending", "approved", "hidden", "rejected")
STATUS_OF = {"approve": "approved", "hide": "hidden", "reject": "rejected"}


def ensure_moderator_token(sessions: sessionmaker[Session], given: str | None) -> str | None:
    """Store `given` as the moderator token, or make one on first start.

    Returns a newly made token (to be shown once); only its hash is stored.
    """
    with sessions() as session:
        stored = session.get(Setting, MODERATOR_KEY)
        if given:
            if len(given) < MIN_TOKEN_LENGTH:  # a short token falls to guessing within a lesson
                raise QuartierError("server.moderator_token_short", minimum=MIN_TOKEN_LENGTH)
            token, made = given, None
        elif stored is None:
            token = made = new_token()
        else:
            return None
        if stored is None:
            session.add(Setting(key=MODERATOR_KEY, value=token_hash(token)))
        elif stored.value != token_hash(token):
            # A new token is how a leaked one is taken back: the desks signed in with it end too.
            stored.value = token_hash(token)
            session.execute(delete(ModeratorSession))
        session.commit()
        return made


def is_moderator_token(session: Session, token: str) -> bool:
    stored = session.get(Setting, MODERATOR_KEY)
    return bool(stored and same_secret(token, stored.value))


def sign_in(session: Session, token: str) -> str:
    """A new desk session for the moderator token: the cookie to set (only its hash is stored)."""
    if not is_moderator_token(session, token):
        raise ApiError(401, "not_moderator")
    cookie = new_token()
    session.add(ModeratorSession(token_hash=token_hash(cookie)))
    session.add(AuditEntry(action="moderator_sign_in"))
    session.commit()
    return cookie


def sign_out(session: Session, cookie: str | None) -> None:
    found = session.get(ModeratorSession, token_hash(cookie)) if cookie else None
    if found is not None:
        session.delete(found)
        session.commit()


def session_active(session: Session, cookie: str | None) -> bool:
    """A desk session that is still active; every visit keeps it alive, an idle one ends."""
    found = session.get(ModeratorSession, token_hash(cookie)) if cookie else None
    if found is None:
        return False
    seen = utc(found.last_seen)
    if now() - seen > MODERATOR_IDLE:
        session.delete(found)
        session.commit()
        return False
    if now() - seen > timedelta(seconds=30):  # not a write on every click
        found.last_seen = now()
        session.commit()
    return True


def moderate(session: Session, uuid: str, body: ModerationIn) -> Submission:
    found = session.get(Submission, uuid)
    if found is None:
        raise ApiError(404, "no_submission")
    found.status = STATUS_OF[body.action]
    found.feedback = body.reason
    session.add(
        AuditEntry(
            action=body.action,
            workshop_id=found.workshop_id,
            submission_uuid=uuid,
            detail=body.reason,
        )
    )
    session.commit()
    return found


def workshops_with_pending(session: Session) -> Sequence[Row[tuple[Workshop, int]]]:
    """Every workshop, newest first, with how many submissions wait for moderation."""
    pending = (
        select(Submission.workshop_id, func.count().label("n"))
        .where(Submission.status == "pending")
        .group_by(Submission.workshop_id)
        .subquery()
    )
    return session.execute(
        select(Workshop, func.coalesce(pending.c.n, 0))
        .outerjoin(pending, pending.c.workshop_id == Workshop.id)
        .order_by(desc(Workshop.created))
    ).all()


@dataclass(frozen=True)
class Overview:
    """What the desk shows of one workshop."""

    workshop: Workshop
    queue: list[Submission]  # waiting for moderation, oldest first
    others: list[Submission]  # by status, then oldest first
    audit: Sequence[AuditEntry]  # newest first, the last 200
    participants: int
    jury: Sequence[str]  # the jury members' labels


def overview(session: Session, workshop_id: int) -> Overview:
    workshop = workshop_or_404(session, workshop_id)
    submissions = session.scalars(
        select(Submission).where(Submission.workshop_id == workshop.id).order_by(Submission.created)
    ).all()
    audit = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.workshop_id == workshop.id)
        .order_by(desc(AuditEntry.id))
        .limit(200)
    ).all()
    participants = session.scalar(
        select(func.count()).where(
            Participant.workshop_id == workshop.id, Participant.removed.is_(None)
        )
    )
    jury = session.scalars(
        select(JuryMember.label)
        .where(JuryMember.workshop_id == workshop.id)
        .order_by(JuryMember.id)
    ).all()
    return Overview(
        workshop=workshop,
        queue=[s for s in submissions if s.status == "pending"],
        others=sorted(
            (s for s in submissions if s.status != "pending"),
            key=lambda s: STATUS_ORDER.index(s.status),
        ),
        audit=audit,
        participants=participants or 0,
        jury=jury,
    )
