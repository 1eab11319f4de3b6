"""A team room's design sent to the gallery once, for the whole team (issue 18, docs/rooms.md).

The server never takes a design from a member here: it rebuilds the room's design from what it
stored (the level and every numbered step, `rooms.load`) and sends that through the same check
as every upload (`submissions.checked`, in the worker pool: zone, locked voxels, blocks,
height, budget). A room has one submission (`Submission.room_id` is unique): the first send
makes it, every later one adds a revision, whoever of the team sends it. Its authors are the
room's members at that moment; every member, and anyone who ever was one, is kept from voting
for it (services/votes.py), as a pupil is from voting for their own design.
"""

import json
import uuid as uuids
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from game import __version__
from game.core.design import new_design, save_changes, with_texts
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.level import Level
from game.core.session import Session as Grid
from server_sync.errors import ApiError
from server_sync.models import Participant, Revision, Room, RoomMember, Submission, now, utc
from server_sync.schemas import TeamStoredOut
from server_sync.services import rooms
from server_sync.services.submissions import (
    Limits,
    checked,
    content_hash,
    latest_revision,
    new_status,
    save_revision,
    within_limits,
)
from server_sync.services.workers import Workers
from server_sync.services.workshops import known_level, workshop_or_404

BYLINE = ", "
"""Between a team's names where pages and the export show one author (`Submission.pseudonym`)."""


@dataclass(frozen=True)
class TeamStored:
    """The answer, and the stored design's text if a new revision was stored (for its pictures)."""

    answer: TeamStoredOut
    new: str | None = None


def member_room(session: Session, person: Participant, code: str) -> Room:
    """The room with this code, if `person` belongs to it (not taken out by the teacher)."""
    room = rooms.by_code(session, code)
    if room.workshop_id != person.workshop_id:
        raise ApiError(404, "room_not_found")  # another workshop's rooms are not there for them
    row = session.get(RoomMember, (room.id, person.id))
    if row is None:
        raise ApiError(403, "room_not_member")
    if row.removed is not None:
        raise ApiError(403, "room_removed")
    return room


def submit(
    session: Session,
    person: Participant,
    code: str,
    title: str,
    lang: Language,
    workers: Workers,
    limits: Limits,
) -> TeamStored:
    """Send the room's stored design as the team's submission (new, or its next revision).

    Only while the workshop is building: a team design sent later would change what the class
    votes on. The same design, title and team again stores nothing (answered with the stored
    revision). Counted against the sender's limits, like their own uploads.
    """
    room = member_room(session, person, code)
    workshop = workshop_or_404(session, room.workshop_id)
    if workshop.phase != "building":
        raise ApiError(409, "room_submit_closed")
    level = known_level(workshop.level_id)
    grid = rooms.load(session, room, level).session
    if not grid.differences()[0].size:
        raise ApiError(422, "room_empty")
    authors = [m.pseudonym for m in rooms.members(session, room.id)]
    existing = session.scalar(select(Submission).where(Submission.room_id == room.id))
    try:
        text, digest = _document(level, grid, title, authors, existing)
    except QuartierError as exc:  # a title that hides characters, refused as in a design file
        raise ApiError(422, "invalid_design", reason=exc.message(lang)) from None
    uuid = existing.uuid if existing is not None else str(json.loads(text)["id"])
    latest = latest_revision(session, uuid) if existing is not None else None
    if existing is not None and latest is not None and latest[1] == digest:  # sent again
        return TeamStored(_answer(existing, existing.revision))
    within_limits(session, person, len(text), limits)
    session.commit()  # the connection goes back to the pool while the check runs
    found = workers.run(checked, text, uuid, workshop.level_id, lang)
    published = found.doc.model_copy(update={"metrics": found.values})
    number = 1 if latest is None else latest[0] + 1
    fields = {
        "content_hash": digest,
        "title": published.title,
        "description": "",
        "metrics": json.dumps(found.values),
        "pseudonym": BYLINE.join(authors),
        "authors": json.dumps(authors, ensure_ascii=False),
        "status": new_status(workshop, existing),
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
            room_id=room.id,
        )
    except IntegrityError:  # a teammate sent it at the same moment: theirs is the team's
        session.rollback()
        winner = session.scalar(select(Submission).where(Submission.room_id == room.id))
        if winner is None:
            raise
        return TeamStored(_answer(winner, winner.revision))
    return TeamStored(_answer(stored, number), published.to_json())


def _document(
    level: Level, grid: Grid, title: str, authors: list[str], existing: Submission | None
) -> tuple[str, str]:
    """The room's design as a design file, and the hash of what makes it this design (its
    changes, title and team; not the moment it was written)."""
    doc = with_texts(new_design(level, __version__), title=title, pseudonyms=authors)
    if existing is not None:
        doc = doc.model_copy(
            update={"id": uuids.UUID(existing.uuid), "created": utc(existing.created)}
        )
    doc = save_changes(doc, grid, __version__)
    digest = content_hash(doc.model_dump(mode="json", include={"title", "pseudonyms", "changes"}))
    return doc.to_json(), digest


def _answer(stored: Submission, revision: int) -> TeamStoredOut:
    return TeamStoredOut(
        uuid=stored.uuid, revision=revision, status=stored.status, authors=stored.names
    )


def rooms_of(session: Session, participant_id: int) -> set[int]:
    """The rooms someone is or was in: their team's designs are their own (no vote for them)."""
    return set(
        session.scalars(
            select(RoomMember.room_id).where(RoomMember.participant_id == participant_id)
        )
    )


def rename_author(session: Session, workshop_id: int, before: str, after: str) -> None:
    """A renamed pupil's new name on their teams' designs and in their stored documents, as on
    their own (participants.rename); the caller commits."""
    teams = session.scalars(
        select(Submission).where(
            Submission.workshop_id == workshop_id, Submission.room_id.is_not(None)
        )
    )
    for team in teams:
        names = json.loads(team.authors)
        if before not in names:
            continue
        names = [after if name == before else name for name in names]
        team.authors = json.dumps(names, ensure_ascii=False)
        team.pseudonym = BYLINE.join(names)
        for kept in session.scalars(select(Revision).where(Revision.uuid == team.uuid)):
            doc = json.loads(kept.design)
            doc["pseudonyms"] = [after if name == before else name for name in doc["pseudonyms"]]
            kept.design = json.dumps(doc, ensure_ascii=False)
