"""Submissions: idempotent uploads checked against the workshop's level and its rules, and who
may see what."""

import codecs
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from game.core.design import DesignDocument, open_design, parse_design
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.indicators import compute_all
from game.core.rules import check_design
from server_sync.errors import ApiError
from server_sync.models import Participant, Revision, Submission, Workshop, now, utc
from server_sync.schemas import StoredOut
from server_sync.services.workers import Workers
from server_sync.services.workshops import known_level, workshop_or_404

STAYS = ("hidden", "rejected")
"""Decisions a new revision does not undo under moderation afterwards."""


@dataclass(frozen=True)
class Limits:
    """What one participant may store: new revisions per minute, bytes of all their revisions."""

    revisions_per_minute: int
    total_bytes: int


@dataclass(frozen=True)
class Stored:
    """The answer to an upload, and the stored design's text if a new revision was stored (for
    its pictures: services/images.py)."""

    answer: StoredOut
    new: str | None = None


def content_hash(raw: dict) -> str:
    return hashlib.sha256(
        json.dumps(raw, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def text_hash(text: str) -> str:
    """The content hash of an upload's text, or "" for one that is not JSON: that matches no
    stored hash, and `checked` refuses it with the reason in words."""
    try:
        return content_hash(json.loads(text))
    except (ValueError, RecursionError):
        return ""


def upload_text(body: bytes) -> str:
    """An upload's bytes as the one text everything after the door sees: parsed, hashed, stored,
    answered and exported alike.

    Designs are UTF-8 JSON. A leading UTF-8 byte-order mark (Windows Notepad writes one) is
    dropped here, once: `json.loads` accepts it in bytes but not in the stored text, so a kept
    BOM made the design unreadable after it was accepted. Any other encoding (UTF-16, Latin-1)
    is refused with a message, not decoded by guesswork.
    """
    try:
        return body.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "not_utf8") from None


@dataclass(frozen=True)
class Checked:
    """What the CPU work on an upload found: the design and its indicators. Sent back from a
    worker process, so it holds no grid (the pictures open the design again, in the pool)."""

    doc: DesignDocument
    values: dict[str, float]


def checked(text: str, uuid: str, level_id: str, lang: Language) -> Checked:
    """The design parsed, opened on the workshop's level and within its rules (zone, locked
    voxels, blocks, height, budget), with its indicators computed, or a 422 that says why (in
    `lang`). The CPU work of an upload: run in the worker pool (services/workers.py), whose
    processes each keep the level decoded (`find_level`)."""
    try:
        doc = parse_design(text, what="design")
        if str(doc.id) != uuid:
            raise ApiError(422, "uuid_mismatch")
        level = known_level(level_id)
        if doc.level.id != level_id:
            raise ApiError(422, "wrong_level", level=level_id)
        opened = open_design(doc, level, what="design")
        check_design(opened)
    except QuartierError as exc:
        raise ApiError(422, "invalid_design", reason=exc.message(lang)) from None
    values = {k: r.value for k, r in compute_all(opened.grid, opened.level).items()}
    return Checked(doc, values)


def within_limits(session: Session, person: Participant, size: int, limits: Limits) -> None:
    """Refuse an upload of `size` bytes before any work on it: a 429 (with the seconds to wait)
    when the participant stored `limits.revisions_per_minute` revisions in the last minute, a
    413 naming the cap when their stored revisions and this one would pass `limits.total_bytes`.

    Counted in the database, so every server process (`--workers N`) sees the same numbers
    (stored size as the documents' length in characters: they are ASCII but for their texts).
    Nothing stored is touched: a refused upload leaves the previous revision as it was.
    """
    mine = select(Submission.uuid).where(Submission.participant_id == person.id)
    since = now() - timedelta(seconds=60)
    recent = list(
        session.scalars(
            select(Revision.created)
            .where(Revision.uuid.in_(mine), Revision.created > since)
            .order_by(Revision.created)
        )
    )
    if len(recent) >= limits.revisions_per_minute:
        oldest = utc(recent[-limits.revisions_per_minute])
        wait = (oldest + timedelta(seconds=60) - now()).total_seconds()
        raise ApiError(
            429, "too_many_revisions", per_minute=limits.revisions_per_minute, seconds=int(wait) + 1
        )
    stored = session.scalar(
        select(func.coalesce(func.sum(func.length(Revision.design)), 0)).where(
            Revision.uuid.in_(mine)
        )
    )
    if int(stored or 0) + size > limits.total_bytes:
        raise ApiError(413, "participant_full", limit_mb=f"{limits.total_bytes / 1e6:g}")


def store(
    session: Session,
    person: Participant,
    uuid: str,
    body: bytes,
    lang: Language,
    workers: Workers,
    limits: Limits,
) -> Stored:
    """Store an upload as the submission's next revision; the same content again changes nothing.

    Only the author's own submission, within the participant's limits (`within_limits`); its
    status starts over (approved at once in a workshop with moderation afterwards), except that
    a design the moderator hid or rejected stays so under moderation afterwards until they
    decide again. The stored document names the participant's pseudonym and carries the
    indicators the server computed: nothing the file says about its author or its values is
    published. The CPU work runs in `workers`; this function runs in a request's thread and
    only waits for it.

    After building ended (voting or closed) nothing a pupil sent is refused and lost, but
    nothing changes what the class votes on either: a new design is kept with status `late`,
    shown to the moderator only, never in the gallery or the votes until they admit it (the
    moderator decides what is fair: a design admitted during voting starts with no votes); a
    new version of a design already sent is kept as a revision beyond the one shown, so the
    votes stay with the version the voters saw. Both are answered with status `late`.
    """
    workshop = workshop_or_404(session, person.workshop_id)
    text = upload_text(body)
    digest = text_hash(text)
    existing = session.get(Submission, uuid)
    if existing is not None and existing.participant_id != person.id:
        raise ApiError(403, "not_yours")
    if existing is not None and existing.room_id is not None:
        raise ApiError(409, "team_design")  # a room's design comes from the room alone
    building = workshop.phase == "building"
    latest = latest_revision(session, uuid) if existing is not None else None
    if existing is not None and latest is not None and latest[1] == digest:  # sent again
        status = "late" if latest[0] > existing.revision else existing.status
        return Stored(StoredOut(uuid=uuid, revision=latest[0], status=status))
    within_limits(session, person, len(body), limits)
    # End the read before the CPU work: the connection goes back to the pool for others while
    # this upload waits for its check (objects stay loaded: expire_on_commit=False).
    session.commit()
    found = workers.run(checked, text, uuid, workshop.level_id, lang)
    doc, values = found.doc, found.values
    published = doc.model_copy(update={"pseudonyms": [person.pseudonym], "metrics": values})
    number = 1 if latest is None else latest[0] + 1
    if existing is not None and not building:
        return _kept_late(session, person, uuid, number, digest, published)
    status = new_status(workshop, existing) if building else "late"
    fields = {
        "content_hash": digest,
        "title": doc.title,
        "description": doc.description,
        "metrics": json.dumps(values),
        "pseudonym": person.pseudonym,
        "status": status,
        "updated": now(),
        "revision": number,
    }
    try:
        stored = save_revision(
            session,
            existing,
            fields,
            published.to_json(),
            uuid=uuid,
            workshop_id=workshop.id,
            participant_id=person.id,
        )
    except IntegrityError as exc:  # the same upload raced itself: the loser finds the winner's row
        return _raced(session, person, uuid, exc)
    return Stored(StoredOut(uuid=uuid, revision=stored.revision, status=stored.status), text)


def save_revision(
    session: Session,
    existing: Submission | None,
    fields: dict[str, object],
    design: str,
    **new: object,
) -> Submission:
    """Write a submission's row (`existing` with `fields`, or a new one of `new` and `fields`)
    and its revision `fields["revision"]` holding `design`, and commit. An IntegrityError means
    a request at the same moment wrote them first: the caller rolls back and answers with its."""
    if existing is None:
        stored = Submission(**new, **fields)
        session.add(stored)
    else:
        stored = existing
        for key, value in fields.items():
            setattr(stored, key, value)
    session.flush()  # the submission row first: its revision refers to it
    session.add(
        Revision(
            uuid=stored.uuid,
            revision=stored.revision,
            content_hash=stored.content_hash,
            design=design,
        )
    )
    session.commit()
    return stored


def new_status(workshop: Workshop, existing: Submission | None) -> str:
    """A new revision's status while building: approved at once under moderation afterwards,
    except that a design the moderator hid or rejected stays so; else waiting for them."""
    if workshop.moderation != "post":
        return "pending"
    return existing.status if existing is not None and existing.status in STAYS else "approved"


def latest_revision(session: Session, uuid: str) -> tuple[int, str] | None:
    """The newest stored revision of a design and its content hash (late ones included)."""
    row = session.execute(
        select(Revision.revision, Revision.content_hash)
        .where(Revision.uuid == uuid)
        .order_by(Revision.revision.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def _kept_late(
    session: Session,
    person: Participant,
    uuid: str,
    number: int,
    digest: str,
    published: DesignDocument,
) -> Stored:
    """A new version sent after building ended: kept as a revision beyond the one shown."""
    session.add(
        Revision(uuid=uuid, revision=number, content_hash=digest, design=published.to_json())
    )
    try:
        session.commit()
    except IntegrityError as exc:
        return _raced(session, person, uuid, exc)
    return Stored(StoredOut(uuid=uuid, revision=number, status="late"))


def _raced(session: Session, person: Participant, uuid: str, exc: IntegrityError) -> Stored:
    """The answer for an upload that lost a race with the same upload: the winner's."""
    session.rollback()
    winner = session.get(Submission, uuid)
    if winner is None:
        raise exc
    if winner.participant_id != person.id:
        raise ApiError(403, "not_yours") from None
    latest = latest_revision(session, uuid)
    number = latest[0] if latest else winner.revision
    status = "late" if number > winner.revision else winner.status
    return Stored(StoredOut(uuid=uuid, revision=number, status=status))


def design_text(session: Session, uuid: str, revision: int) -> str:
    """A stored revision's design document, as published (see `store`)."""
    return session.scalars(
        select(Revision.design).where(Revision.uuid == uuid, Revision.revision == revision)
    ).one()


def visible(session: Session, uuid: str, as_moderator: bool) -> Submission:
    """A submission anyone may see (approved), or any one for the moderator; else a 404."""
    found = session.get(Submission, uuid)
    if found is None or (found.status != "approved" and not as_moderator):
        raise ApiError(404, "no_submission")
    return found


def approved_in(session: Session, workshop: Workshop, uuid: str) -> Submission:
    """An approved submission of `workshop`, or a 404: a hidden one appears on no public page."""
    found = session.get(Submission, uuid)
    if found is None or found.workshop_id != workshop.id or found.status != "approved":
        raise ApiError(404, "no_submission")
    return found


def submissions_of(session: Session, workshop_id: int, as_moderator: bool) -> list[Submission]:
    """A workshop's submissions, oldest first: approved ones only, unless for the moderator."""
    workshop_or_404(session, workshop_id)
    query = (
        select(Submission).where(Submission.workshop_id == workshop_id).order_by(Submission.created)
    )
    if not as_moderator:
        query = query.where(Submission.status == "approved")
    return list(session.scalars(query))
