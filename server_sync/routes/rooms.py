"""Team rooms: making one, seeing it, the teacher's lock, remove and roll back, and the socket
where members build together (the rules: services/rooms.py; the live side: services/room_hub.py;
the protocol: docs/rooms.md)."""

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, WebSocket
from sqlalchemy.orm import Session

from server_sync.deps import (
    ParticipantId,
    ServerState,
    WorkshopId,
    bearer,
    db,
    moderator_desk,
    participant,
    rate_limited,
    server,
    workshop_moderator,
)
from server_sync.errors import ApiError, language
from server_sync.models import Participant
from server_sync.schemas import (
    ErrorOut,
    RoomIn,
    RoomLockIn,
    RoomOut,
    RoomRollbackIn,
    RoomSubmissionIn,
    TeamStoredOut,
)
from server_sync.services import images, room_desk, rooms, team_submissions
from server_sync.services.moderation import Desk
from server_sync.services.participants import participant_with_token
from server_sync.services.workshops import workshop_or_404

router = APIRouter()


@router.post("/workshops/{workshop_id}/rooms", response_model=RoomOut, status_code=201)
def create_room(
    workshop_id: WorkshopId,
    body: RoomIn,
    person: Participant = Depends(participant),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> RoomOut:
    """A pupil makes a room for their team and is its first member; the others join with its code."""
    if person.workshop_id != workshop_id:
        raise ApiError(403, "room_other_workshop")
    room = rooms.create(session, workshop_or_404(session, workshop_id), body.title)
    rooms.join(session, room, person)
    return room_desk.room_out(session, state.hub, room)


@router.get("/rooms/{code}", response_model=RoomOut)
def show_room(
    code: str,
    person: Participant = Depends(participant),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> RoomOut:
    room = rooms.by_code(session, code)
    if room.workshop_id != person.workshop_id:
        raise ApiError(404, "room_not_found")
    rooms.may_join(session, room, person)  # full, or the pupil was taken out: said here
    return room_desk.room_out(session, state.hub, room)


@router.get(
    "/workshops/{workshop_id}/rooms",
    response_model=list[RoomOut],
    dependencies=[Depends(workshop_moderator)],
)
def list_rooms(
    workshop_id: WorkshopId, session: Session = Depends(db), state: ServerState = Depends(server)
) -> list[RoomOut]:
    """The teacher's view: every room of the workshop, who is in it, edits per minute."""
    return [
        room_desk.room_out(session, state.hub, room)
        for room in rooms.of_workshop(session, workshop_id)
    ]


@router.post(
    "/rooms/{code}/submission",
    response_model=TeamStoredOut,
    status_code=201,
    responses={
        200: {"model": TeamStoredOut, "description": "the same design, title and team again"},
        403: {"model": ErrorOut, "description": "not a member, or taken out by the teacher"},
        409: {"model": ErrorOut, "description": "building has ended"},
        # 422 (nothing built yet, or a rule of the level broken) is the app-wide 4XX: FastAPI's
        # own 422 is never announced (tests/security/test_api_fuzz.py)
        429: {"model": ErrorOut, "description": "too many revisions this minute (Retry-After)"},
        503: {"model": ErrorOut, "description": "the worker queue is full (Retry-After)"},
    },
    dependencies=[Depends(rate_limited)],
)
def submit_room(
    code: str,
    body: RoomSubmissionIn,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> TeamStoredOut:
    """Send the room's design (as the server stored it) for the gallery, once for the team:
    201 a new revision, 200 the same again. Not `async`, and the participant is looked up here,
    not by a dependency, for the reason `put_submission` gives (routes/submissions.py)."""
    person = participant_with_token(session, bearer(request))
    stored = team_submissions.submit(
        session, person, code, body.title, language(request), state.workers, state.limits
    )
    if stored.new is None:
        response.status_code = 200
    else:
        revision = stored.answer.revision
        background.add_task(
            images.render_soon,
            state.data_dir,
            stored.answer.uuid,
            revision,
            stored.new,
            state.workers,
        )
    return stored.answer


@router.post("/rooms/{code}/lock", response_model=RoomOut)
async def lock_room(
    code: str,
    body: RoomLockIn,
    desk: Desk = Depends(moderator_desk),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> RoomOut:
    """Lock (nobody can change the design) or unlock a room; its members hear it at once."""
    room = room_desk.teachers_room(session, desk, code)
    await room_desk.lock(session, state.hub, room, body.locked)
    return room_desk.room_out(session, state.hub, room)


@router.delete("/rooms/{code}/members/{participant_id}", status_code=204)
async def remove_member(
    code: str,
    participant_id: ParticipantId,
    desk: Desk = Depends(moderator_desk),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> Response:
    """Take a pupil out of a room: their connection ends and they cannot join it again."""
    room = room_desk.teachers_room(session, desk, code)
    await room_desk.remove(session, state.hub, room, participant_id)
    return Response(status_code=204)


@router.post("/rooms/{code}/rollback", response_model=RoomOut)
async def roll_back(
    code: str,
    body: RoomRollbackIn,
    desk: Desk = Depends(moderator_desk),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> RoomOut:
    """Put the room's design back as it was after step `to`; the members see it at once."""
    room = room_desk.teachers_room(session, desk, code)
    await room_desk.roll_back(session, state.hub, room, body.to)
    return room_desk.room_out(session, state.hub, room)


async def room_socket(websocket: WebSocket) -> None:
    """`/api/v1/rooms/{code}/ws`, added as a plain Starlette route (app.py): the app-wide
    dependencies read an HTTP request, which a socket is not; the hub checks what it is sent."""
    state: ServerState = websocket.app.state.server
    await state.hub.serve(websocket, websocket.path_params["code"])
