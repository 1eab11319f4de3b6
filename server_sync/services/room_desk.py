"""The teacher's side of team rooms, for the API (routes/rooms.py) and the desk page alike
(pages/moderate.py): each room as the teacher sees it, its recent steps (who did what, when),
and locking, taking a pupil out and rolling back, each told to the members at once.

One function per action, so the desk can never do what the API refuses: both call these.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server_sync.errors import ApiError
from server_sync.models import Participant, Room, RoomMember, RoomStep, utc
from server_sync.schemas import RoomMemberOut, RoomOut
from server_sync.services import rooms
from server_sync.services.moderation import Desk
from server_sync.services.room_hub import Hub
from server_sync.services.workshops import workshop_or_404

RECENT_STEPS = 8
"""Steps the desk offers to roll back to: the last few minutes of a busy room, one screen."""


def room_out(session: Session, hub: Hub, room: Room) -> RoomOut:
    """A room as the teacher and its members see it: who is in it (online on this server
    process), its newest step, whether it is locked, its edits in the last minute."""
    online = set(hub.online(room.id))
    return RoomOut(
        code=room.code,
        title=room.title,
        workshop_id=room.workshop_id,
        level_id=workshop_or_404(session, room.workshop_id).level_id,
        seq=room.seq,
        locked=room.locked,
        members=[
            RoomMemberOut(
                id=m.participant_id,
                name=m.pseudonym,
                colour=m.colour,
                online=m.participant_id in online,
            )
            for m in rooms.members(session, room.id)
        ],
        edits_per_minute=rooms.edits_per_minute(session, room.id),
    )


def teachers_room(session: Session, desk: Desk, code: str, workshop_id: int | None = None) -> Room:
    """The room with this code if the desk may act on it (and it is `workshop_id`'s, if given)."""
    room = rooms.by_code(session, code)
    if workshop_id is not None and room.workshop_id != workshop_id:
        raise ApiError(404, "room_not_found")
    desk.check(room.workshop_id)
    return room


async def lock(session: Session, hub: Hub, room: Room, locked: bool) -> None:
    """Lock (nobody can change the design) or unlock a room; its members hear it at once."""
    rooms.set_locked(session, room, locked)
    await hub.set_locked(room.id, locked)


async def remove(session: Session, hub: Hub, room: Room, participant_id: int) -> None:
    """Take a pupil out of a room: their connection ends and they cannot join it again."""
    rooms.remove_member(session, room, participant_id)
    await hub.remove(room.id, participant_id)


async def roll_back(session: Session, hub: Hub, room: Room, to: int) -> None:
    """Put the room's design back as it was after step `to`; the members see it at once."""
    await hub.rollback(room, to, "teacher")
    session.refresh(room)


@dataclass(frozen=True)
class LoggedStep:
    """One step of a room's log as the desk lists it: who (None: the teacher), what, when."""

    seq: int
    who: str | None
    colour: int | None
    kind: str
    voxels: int
    undoes: int
    when: datetime


def recent_steps(session: Session, room_id: int, limit: int = RECENT_STEPS) -> list[LoggedStep]:
    """The room's newest steps, newest first: the points the teacher can roll back to."""
    rows = session.execute(
        select(
            RoomStep.seq,
            Participant.pseudonym,
            RoomMember.colour,
            RoomStep.kind,
            RoomStep.count,
            RoomStep.undoes,
            RoomStep.created,
        )
        .outerjoin(Participant, Participant.id == RoomStep.participant_id)
        .outerjoin(
            RoomMember,
            (RoomMember.room_id == RoomStep.room_id)
            & (RoomMember.participant_id == RoomStep.participant_id),
        )
        .where(RoomStep.room_id == room_id)
        .order_by(RoomStep.seq.desc())
        .limit(limit)
    ).all()
    return [
        LoggedStep(seq, who, colour, kind, count, undoes, utc(when))
        for seq, who, colour, kind, count, undoes, when in rows
    ]
