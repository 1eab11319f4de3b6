"""Moderation: the moderator token, teacher codes, the desk's browser sessions, and approving,
hiding or rejecting submissions, each written to the audit log.

Two kinds of moderator: the admin holds the server-wide token and may do everything; a teacher
holds a code issued for one workshop and gets that workshop's desk only (its designs, phases,
jury, export), never another workshop, the server's list of workshops or a new workshop. A
`Desk` says which of the two a request or a browser session is.

The browser session is a random cookie whose hash is stored; it ends after `MODERATOR_IDLE`
without activity, and when the teacher code it was signed in with is revoked.
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
    Revision,
    Setting,
    Submission,
    TeacherCode,
    Workshop,
    now,
    utc,
)
from server_sync.schemas import ModerationIn, SeenDesign
from server_sync.security import new_token, same_secret, token_hash
from server_sync.services.jury import issue_codes, typed_code
from server_sync.services.workshops import workshop_or_404

MODERATOR_KEY = "moderator_token_hash"
MIN_TOKEN_LENGTH = 16
MODERATOR_IDLE = timedelta(minutes=30)
STATUS_ORDER = ("pending", "approved", "hidden", "rejected", "late")
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


@dataclass(frozen=True)
class Desk:
    """Who moderates: the admin (every workshop) or a teacher (one workshop)."""

    workshop_id: int | None = None  # None: the admin
    teacher_code_id: int | None = None

    @property
    def admin(self) -> bool:
        return self.workshop_id is None

    def may(self, workshop_id: int) -> bool:
        return self.workshop_id is None or self.workshop_id == workshop_id

    def check(self, workshop_id: int) -> None:
        """A 403 for a teacher at another workshop's desk."""
        if not self.may(workshop_id):
            raise ApiError(403, "not_your_workshop")


ADMIN = Desk()


def is_moderator_token(session: Session, token: str) -> bool:
    stored = session.get(Setting, MODERATOR_KEY)
    return bool(stored and same_secret(token, stored.value))


def desk_of(session: Session, token: str) -> Desk | None:
    """The desk the server-wide token or a teacher code opens, or None for neither."""
    if is_moderator_token(session, token):
        return ADMIN
    code = typed_code(token)
    found = (
        session.scalar(select(TeacherCode).where(TeacherCode.token_hash == token_hash(code)))
        if code
        else None
    )
    return None if found is None else Desk(found.workshop_id, found.id)


def sign_in(session: Session, token: str) -> tuple[str, Desk]:
    """A new desk session for the moderator token or a teacher code: the cookie to set (only
    its hash is stored) and the desk it opens."""
    desk = desk_of(session, token)
    if desk is None:
        raise ApiError(401, "not_moderator")
    cookie = new_token()
    session.add(
        ModeratorSession(token_hash=token_hash(cookie), teacher_code_id=desk.teacher_code_id)
    )
    session.add(
        AuditEntry(
            action="moderator_sign_in" if desk.admin else "teacher_sign_in",
            workshop_id=desk.workshop_id,
        )
    )
    session.commit()
    return cookie, desk


def sign_out(session: Session, cookie: str | None) -> None:
    found = session.get(ModeratorSession, token_hash(cookie)) if cookie else None
    if found is not None:
        session.delete(found)
        session.commit()


def session_desk(session: Session, cookie: str | None) -> Desk | None:
    """The desk of a browser session that is still active; every visit keeps it alive, an idle
    one ends."""
    found = session.get(ModeratorSession, token_hash(cookie)) if cookie else None
    if found is None:
        return None
    seen = utc(found.last_seen)
    if now() - seen > MODERATOR_IDLE:
        session.delete(found)
        session.commit()
        return None
    if now() - seen > timedelta(seconds=30):  # not a write on every click
        found.last_seen = now()
        session.commit()
    if found.teacher_code_id is None:
        return ADMIN
    code = session.get(TeacherCode, found.teacher_code_id)
    return None if code is None else Desk(code.workshop_id, code.id)


def issue_teacher_code(session: Session, workshop_id: int, label: str) -> tuple[str, str]:
    """A new teacher code for one workshop's desk: (label, code), the code shown once."""
    (issued,) = issue_codes(session, TeacherCode, workshop_id, 1, label)
    session.add(AuditEntry(action="teacher_code", workshop_id=workshop_id, detail=issued[0]))
    session.commit()
    return issued


def teacher_codes(session: Session, workshop_id: int) -> Sequence[TeacherCode]:
    return session.scalars(
        select(TeacherCode).where(TeacherCode.workshop_id == workshop_id).order_by(TeacherCode.id)
    ).all()


def revoke_teacher_code(session: Session, workshop_id: int, code_id: int) -> None:
    """The code stops working at once, and every desk signed in with it ends."""
    found = session.get(TeacherCode, code_id)
    if found is None or found.workshop_id != workshop_id:
        raise ApiError(404, "no_teacher_code")
    session.execute(delete(ModeratorSession).where(ModeratorSession.teacher_code_id == found.id))
    session.delete(found)
    session.add(
        AuditEntry(action="revoke_teacher_code", workshop_id=workshop_id, detail=found.label)
    )
    session.commit()


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


def approve_all(session: Session, workshop_id: int, seen: list[SeenDesign]) -> list[str]:
    """Approve the waiting designs the moderator saw: each named by uuid and revision.

    Only what was on the moderator's screen is approved: a design that arrived since, or a
    new revision of one they saw, keeps waiting (it is not in `seen`, or its revision differs),
    and so does one another moderator decided on meanwhile. Each approval is in the audit log.
    Returns the uuids approved."""
    workshop = workshop_or_404(session, workshop_id)
    wanted = {s.uuid: s.revision for s in seen}
    waiting = session.scalars(
        select(Submission).where(
            Submission.workshop_id == workshop.id,
            Submission.status == "pending",
            Submission.uuid.in_(wanted),
        )
    ).all()
    approved = []
    for found in waiting:
        if found.revision != wanted[found.uuid]:
            continue
        found.status = "approved"
        found.feedback = ""
        session.add(
            AuditEntry(action="approve_all", workshop_id=workshop.id, submission_uuid=found.uuid)
        )
        approved.append(found.uuid)
    session.commit()
    return approved


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
    late: list[Submission]  # arrived after building ended, oldest first
    late_revisions: Sequence[Row[Submission, int]]  # newer versions sent late: (design, newest)
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
        late=[s for s in submissions if s.status == "late"],
        late_revisions=session.execute(
            select(Submission, func.max(Revision.revision))
            .join(Revision, Revision.uuid == Submission.uuid)
            .where(Submission.workshop_id == workshop.id, Revision.revision > Submission.revision)
            .group_by(Submission.uuid)
            .order_by(Submission.created)
        ).all(),
        others=sorted(
            (s for s in submissions if s.status not in ("pending", "late")),
            key=lambda s: STATUS_ORDER.index(s.status),
        ),
        audit=audit,
        participants=participants or 0,
        jury=jury,
    )
