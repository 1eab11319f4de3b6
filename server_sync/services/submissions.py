"""Submissions: idempotent uploads checked against the workshop's level and its rules, and who
may see what."""

import codecs
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from game.core.design import DesignDocument, open_design, parse_design
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.indicators import compute_all
from game.core.rules import check_design
from game.core.session import Session as DesignSession
from server_sync.errors import ApiError
from server_sync.models import Participant, Revision, Submission, Workshop, now
from server_sync.schemas import StoredOut
from server_sync.services.workshops import known_level, workshop_or_404

STAYS = ("hidden", "rejected")
"""Decisions a new revision does not undo under moderation afterwards."""


@dataclass(frozen=True)
class Stored:
    """The answer to an upload, and the design opened on its level if a new revision was stored."""

    answer: StoredOut
    new: DesignSession | None = None


def content_hash(raw: dict) -> str:
    return hashlib.sha256(
        json.dumps(raw, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


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


def checked(
    text: str, uuid: str, workshop: Workshop, lang: Language
) -> tuple[DesignDocument, DesignSession]:
    """The design parsed, opened on the workshop's level and within its rules (zone, locked
    voxels, blocks, height, budget), or a 422 that says why (in `lang`)."""
    try:
        doc = parse_design(text, what="design")
        if str(doc.id) != uuid:
            raise ApiError(422, "uuid_mismatch")
        level = known_level(workshop.level_id)
        if doc.level.id != workshop.level_id:
            raise ApiError(422, "wrong_level", level=workshop.level_id)
        opened = open_design(doc, level, what="design")
        check_design(opened)
    except QuartierError as exc:
        raise ApiError(422, "invalid_design", reason=exc.message(lang)) from None
    return doc, opened


def store(session: Session, person: Participant, uuid: str, body: bytes, lang: Language) -> Stored:
    """Store an upload as the submission's next revision; the same content again changes nothing.

    Only the author's own submission; its status starts over (approved at once in a workshop
    with moderation afterwards), except that a design the moderator hid or rejected stays so
    under moderation afterwards until they decide again. The stored document names the
    participant's pseudonym and carries the indicators the server computed: nothing the file
    says about its author or its values is published.

    After building ended (voting or closed) nothing a pupil sent is refused and lost, but
    nothing changes what the class votes on either: a new design is kept with status `late`,
    shown to the moderator only, never in the gallery or the votes until they admit it (the
    moderator decides what is fair: a design admitted during voting starts with no votes); a
    new version of a design already sent is kept as a revision beyond the one shown, so the
    votes stay with the version the voters saw. Both are answered with status `late`.
    """
    workshop = workshop_or_404(session, person.workshop_id)
    text = upload_text(body)
    doc, opened = checked(text, uuid, workshop, lang)
    digest = content_hash(json.loads(text))
    existing = session.get(Submission, uuid)
    if existing is not None and existing.participant_id != person.id:
        raise ApiError(403, "not_yours")
    building = workshop.phase == "building"
    latest = _latest_revision(session, uuid) if existing is not None else None
    if existing is not None and latest is not None and latest[1] == digest:  # sent again
        status = "late" if latest[0] > existing.revision else existing.status
        return Stored(StoredOut(uuid=uuid, revision=latest[0], status=status))
    values = {k: r.value for k, r in compute_all(opened.grid, opened.level).items()}
    published = doc.model_copy(update={"pseudonyms": [person.pseudonym], "metrics": values})
    number = 1 if latest is None else latest[0] + 1
    if existing is not None and not building:
        return _kept_late(session, person, uuid, number, digest, published)
    status = "approved" if workshop.moderation == "post" else "pending"
    if not building:
        status = "late"
    elif status == "approved" and existing is not None and existing.status in STAYS:
        status = existing.status
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
    if existing is None:
        stored = Submission(uuid=uuid, workshop_id=workshop.id, participant_id=person.id, **fields)
        session.add(stored)
    else:
        stored = existing
        for key, value in fields.items():
            setattr(stored, key, value)
    try:
        session.flush()  # the submission row first: its revision refers to it
        session.add(
            Revision(uuid=uuid, revision=number, content_hash=digest, design=published.to_json())
        )
        session.commit()
    except IntegrityError as exc:  # the same upload raced itself: the loser finds the winner's row
        return _raced(session, person, uuid, exc)
    return Stored(StoredOut(uuid=uuid, revision=stored.revision, status=stored.status), opened)


def _latest_revision(session: Session, uuid: str) -> tuple[int, str] | None:
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
    latest = _latest_revision(session, uuid)
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
