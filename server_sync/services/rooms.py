"""Shared rooms in the database: making and joining them, and their numbered steps (docs/rooms.md).

The grid of a room is never stored whole: a room is its level plus its steps, each packed like
an undo step, and `load` replays them. A step is written before anyone hears of it; `append`
first takes the room's row (an UPDATE: a row lock on PostgreSQL, the write lock on SQLite), so
that server processes never give two steps one number, then catches up on steps another
process wrote since this one last looked, and only then checks the new edit against the grid
as it really is. Functions here are synchronous: callers run them in a thread.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from game.core.change import Change
from game.core.level import Level
from game.core.room import Kind, RoomEdit
from game.core.room import Room as Shared
from server_sync.errors import ApiError
from server_sync.models import Participant, Room, RoomMember, RoomStep, Workshop, now
from server_sync.services.workshops import CODE_LETTERS, clean_code, new_code

ROOM_CODE_LENGTH = 5
MAX_MEMBERS = 30
"""Members of one room: a whole class can build one design together (issue 18)."""
MAX_ROOMS_PER_WORKSHOP = 40
COLOURS = 12
"""Member colours are indices into the clients' palette of this many (docs/rooms.md)."""


def create(session: Session, workshop: Workshop, title: str) -> Room:
    """A new room in a workshop that is still building, with a short code no other room has."""
    if workshop.phase != "building":
        raise ApiError(409, "room_not_building")
    count = session.scalar(select(func.count()).where(Room.workshop_id == workshop.id))
    if (count or 0) >= MAX_ROOMS_PER_WORKSHOP:
        raise ApiError(409, "too_many_rooms", limit=MAX_ROOMS_PER_WORKSHOP)
    for _ in range(20):
        code = new_code(ROOM_CODE_LENGTH)
        if not session.scalar(select(Room.id).where(Room.code == code)):
            break
    room = Room(workshop_id=workshop.id, code=code, title=title, seq=0, locked=False)
    session.add(room)
    session.commit()
    return room


def by_code(session: Session, code: str) -> Room:
    cleaned = clean_code(code)
    found = None
    if len(cleaned) == ROOM_CODE_LENGTH and set(cleaned) <= set(CODE_LETTERS):
        found = session.scalar(select(Room).where(Room.code == cleaned))
    if found is None:
        raise ApiError(404, "room_not_found")
    return found


@dataclass(frozen=True)
class Member:
    """A member as the room shows them: who, in which colour."""

    participant_id: int
    pseudonym: str
    colour: int


def join(session: Session, room: Room, person: Participant) -> Member:
    """Make `person` a member (once), or refuse: another workshop, removed, the room full."""
    if person.workshop_id != room.workshop_id:
        raise ApiError(403, "room_other_workshop")
    row = session.get(RoomMember, (room.id, person.id))
    if row is None:
        taken = session.scalars(
            select(RoomMember.colour).where(
                RoomMember.room_id == room.id, RoomMember.removed.is_(None)
            )
        ).all()
        if len(taken) >= MAX_MEMBERS:
            raise ApiError(409, "room_full", limit=MAX_MEMBERS)
        free = [c for c in range(COLOURS) if c not in taken] or [len(taken) % COLOURS]
        row = RoomMember(room_id=room.id, participant_id=person.id, colour=free[0])
        session.add(row)
        session.commit()
    elif row.removed is not None:
        raise ApiError(403, "room_removed")
    return Member(person.id, person.pseudonym, row.colour)


def members(session: Session, room_id: int) -> list[Member]:
    """Everyone who belongs to the room (not the removed), in the order they joined."""
    rows = session.execute(
        select(RoomMember.participant_id, Participant.pseudonym, RoomMember.colour)
        .join(Participant, Participant.id == RoomMember.participant_id)
        .where(RoomMember.room_id == room_id, RoomMember.removed.is_(None))
        .order_by(RoomMember.joined, RoomMember.participant_id)
    ).all()
    return [Member(*row) for row in rows]


def _step(row: RoomStep, level: Level) -> RoomEdit:
    change = Change.from_packed(level.shape, row.voxels, row.count)
    kind: Kind = "undo" if row.kind == "undo" else "rollback" if row.kind == "rollback" else "edit"
    return RoomEdit(row.seq, str(row.participant_id or ""), kind, change, row.undoes)


def load(session: Session, room: Room, level: Level) -> Shared:
    """The room's design rebuilt from the level and every stored step."""
    shared = Shared(level)
    catch_up(session, room.id, shared)
    return shared


def catch_up(session: Session, room_id: int, shared: Shared) -> list[RoomEdit]:
    """Apply the steps stored after `shared.seq` (written by another server process)."""
    rows = session.scalars(
        select(RoomStep)
        .where(RoomStep.room_id == room_id, RoomStep.seq > shared.seq)
        .order_by(RoomStep.seq)
    ).all()
    steps = [_step(row, shared.level) for row in rows]
    for step in steps:
        shared.replay(step)
    return steps


def append(
    session: Session, room_id: int, shared: Shared, make: Callable[[Shared], RoomEdit]
) -> tuple[list[RoomEdit], RoomEdit]:
    """Number and store one new step made by `make` on the room as it really is, inside the
    caller's transaction (`append_all` commits several rooms' steps at once).

    Returns the steps caught up on first (other processes' steps to pass on) and the new one.
    If `make` refuses (a `QuartierError`), nothing of it is written; if the transaction fails,
    the caller must reload the room, whose grid already holds the step.
    """
    row = session.execute(
        update(Room).where(Room.id == room_id).values(seq=Room.seq).returning(Room.locked, Room.seq)
    ).first()
    if row is None:
        raise ApiError(404, "room_not_found")
    if row.locked:
        raise ApiError(423, "room_locked")
    # Another process's steps only if it stored some (one server process never does).
    caught = catch_up(session, room_id, shared) if row.seq > shared.seq else []
    step = make(shared)
    blob, count = step.change.packed()
    session.execute(
        insert(RoomStep).values(
            room_id=room_id,
            seq=step.seq,
            participant_id=int(step.author) if step.author.isdigit() else None,
            kind=step.kind,
            undoes=step.undoes,
            count=count,
            voxels=blob,
            created=now(),
        )
    )
    session.execute(update(Room).where(Room.id == room_id).values(seq=step.seq))
    return caught, step


def set_locked(session: Session, room: Room, locked: bool) -> None:
    room.locked = locked
    session.commit()


def remove_member(session: Session, room: Room, participant_id: int) -> None:
    """The teacher takes someone out of a room; their steps stay (others built on them)."""
    row = session.get(RoomMember, (room.id, participant_id))
    if row is None:
        raise ApiError(404, "room_member_not_found")
    row.removed = now()
    session.commit()


def edits_per_minute(session: Session, room_id: int) -> int:
    """Steps stored in the last minute, by every server process: how busy a room is (the desk)."""
    since = now() - timedelta(minutes=1)
    found = session.scalar(
        select(func.count()).where(RoomStep.room_id == room_id, RoomStep.created >= since)
    )
    return int(found or 0)


def of_workshop(session: Session, workshop_id: int) -> list[Room]:
    return list(
        session.scalars(select(Room).where(Room.workshop_id == workshop_id).order_by(Room.id))
    )
