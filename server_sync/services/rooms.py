"""Shared rooms in the database: making and joining them, and their numbered steps (docs/rooms.md).

The grid of a room is never stored whole: a room is its level plus its steps, each packed like
an undo step, and `load` replays them. A step is written before anyone hears of it;
`append_all` first takes the room's row (an UPDATE: a row lock on PostgreSQL, the write lock on
SQLite), so that server processes never give two steps one number, then catches up on steps
another process wrote since this one last looked, and only then checks the new edit against
the grid as it really is. Functions here are synchronous: callers run them in a thread.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from game.core.change import Change
from game.core.errors import QuartierError
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


def may_join(session: Session, room: Room, person: Participant) -> RoomMember | None:
    """`person`'s membership of the room (None: not yet, and there is room), or the refusal
    `join` would give: another workshop, removed, the room full. The pupil's look-up of a code
    asks this, so the start screen says why before the pupil starts building, not the socket
    after."""
    if person.workshop_id != room.workshop_id:
        raise ApiError(403, "room_other_workshop")
    row = session.get(RoomMember, (room.id, person.id))
    if row is None:
        if len(_colours_taken(session, room)) >= MAX_MEMBERS:
            raise ApiError(409, "room_full", limit=MAX_MEMBERS)
    elif row.removed is not None:
        raise ApiError(403, "room_removed")
    return row


def join(session: Session, room: Room, person: Participant) -> Member:
    """Make `person` a member (once), or refuse as `may_join` says."""
    row = may_join(session, room, person)
    if row is None:
        taken = _colours_taken(session, room)
        free = [c for c in range(COLOURS) if c not in taken] or [len(taken) % COLOURS]
        row = RoomMember(room_id=room.id, participant_id=person.id, colour=free[0])
        session.add(row)
        session.commit()
    return Member(person.id, person.pseudonym, row.colour)


def _colours_taken(session: Session, room: Room) -> list[int]:
    """The colours the room's members have (one each; the removed left theirs free)."""
    return list(
        session.scalars(
            select(RoomMember.colour).where(
                RoomMember.room_id == room.id, RoomMember.removed.is_(None)
            )
        ).all()
    )


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


Make = Callable[[Shared], RoomEdit]
"""What makes one new step on a room's grid (an edit, an undo, a rollback), or refuses it."""


def append_all(
    session: Session, jobs: Sequence[tuple[int, Shared, Make | None]]
) -> list[RoomEdit | QuartierError | ApiError | None]:
    """Number and store the new steps of several rooms in the caller's transaction, in order.

    First every room's row is taken (a row lock on PostgreSQL, taken in the order of the ids
    so that two processes never wait for each other in a circle; the write lock on SQLite), so
    that processes never give two steps one number; then the steps another process wrote since
    this one last looked are caught up on, and only then is each job's step made on the grid
    as it really is. Each job's answer is its new step; a job without `make` only catches up
    (None; the steps caught up on are in the grid's log, for the caller to pass on). A refused
    job (a `QuartierError` from `make`, or the room gone or locked) writes nothing and is
    returned as its error; if the transaction fails, the caller must reload the rooms, whose
    grids already hold the steps.

    Why a handful of statements for the whole batch, however many rooms and steps: a process
    with 40 busy rooms writes a few hundred steps a second, and on these two cores each
    statement, and each row SQLite hands over, costs the writer thread a wait for the event
    loop's thread to let it run again; one statement per step kept 40 rooms of 5 at p95
    ~0.3-0.8 s (benchmarks/rooms.py).
    """
    held = {room_id: shared.seq for room_id, shared, _ in reversed(jobs)}  # before the batch
    ids = sorted(held)
    taken = select(Room.id).where(Room.id.in_(ids)).order_by(Room.id).with_for_update()
    # On the connection, not the session: plain SQL, without the ORM's work per statement.
    connection = session.connection()
    there = connection.execute(update(Room).where(Room.id.in_(taken)).values(seq=Room.seq))
    # Only the rooms that are not as their grids have them come back: the locked ones, and
    # those another process added steps to.
    differ = or_(Room.locked, Room.seq != case(held, value=Room.id))
    found: dict[int, tuple[bool, int] | None] = {
        int(row.id): (bool(row.locked), int(row.seq))
        for row in connection.execute(
            select(Room.id, Room.locked, Room.seq).where(Room.id.in_(ids), differ)
        )
    }
    if there.rowcount != len(ids):  # a room was deleted (with its workshop)
        present = set(connection.scalars(select(Room.id).where(Room.id.in_(ids))))
        found |= {room_id: None for room_id in ids if room_id not in present}
    results: list[RoomEdit | QuartierError | ApiError | None] = []
    new_rows: list[dict[str, object]] = []
    for room_id, shared, make in jobs:
        row = found.get(room_id, (False, shared.seq))
        if row is None:
            results.append(ApiError(404, "room_not_found"))
            continue
        locked, seq = row
        # Another process's steps (one server process never has any); after the room's first
        # job its grid is ahead of the row.
        if seq > shared.seq:
            catch_up(session, room_id, shared)
        if make is None:
            results.append(None)
            continue
        if locked:
            results.append(ApiError(423, "room_locked"))
            continue
        try:
            step = make(shared)
        except QuartierError as refused:
            results.append(refused)
            continue
        blob, count = step.change.packed()
        new_rows.append(
            {
                "room_id": room_id,
                "seq": step.seq,
                "participant_id": int(step.author) if step.author.isdigit() else None,
                "kind": step.kind,
                "undoes": step.undoes,
                "count": count,
                "voxels": blob,
                "created": now(),
            }
        )
        results.append(step)
    if new_rows:
        # executemany: a statement compiled once and reused (one of many rows is built anew
        # every time, which cost the writer more than checking the edits).
        connection.execute(insert(RoomStep), new_rows)
        newest = {row["room_id"]: row["seq"] for row in new_rows}
        connection.execute(
            update(Room).where(Room.id == bindparam("room")).values(seq=bindparam("newest")),
            [{"room": room_id, "newest": seq} for room_id, seq in newest.items()],
        )
    return results


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
