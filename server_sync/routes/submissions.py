"""Submissions: idempotent uploads checked against the level, moderation, and server-made images."""

import json

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from sqlalchemy.orm import Session

from server_sync.deps import (
    ServerState,
    WorkshopId,
    db,
    is_moderator,
    moderates_submission,
    moderator_desk,
    participant,
    rate_limited,
    server,
)
from server_sync.errors import language
from server_sync.models import Participant
from server_sync.schemas import ModerationIn, StoredOut, SubmissionOut
from server_sync.services import images, moderation, submissions
from server_sync.services.moderation import Desk

router = APIRouter()


@router.put(
    "/submissions/{uuid}",
    response_model=StoredOut,
    responses={201: {"model": StoredOut}, 202: {"model": StoredOut}},
)
async def put_submission(
    uuid: str,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    person: Participant = Depends(participant),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> StoredOut:
    body = await request.body()
    """201: a new revision; 200: the same content again; 202: kept after building ended, for
    the moderator to look at (status `late`)."""
    stored = submissions.store(session, person, uuid, body, language(request))
    if stored.new is not None:
        revision = stored.answer.revision
        background.add_task(
            images.render_images, state.data_dir, uuid, revision, stored.new.grid, stored.new.level
        )
        response.status_code = 201
    if stored.answer.status == "late":
        response.status_code = 202
    return stored.answer


@router.get(
    "/workshops/{workshop_id}/submissions",
    response_model=list[SubmissionOut],
    dependencies=[Depends(rate_limited)],
)
def list_submissions(
    workshop_id: WorkshopId, request: Request, session: Session = Depends(db)
) -> list[SubmissionOut]:
    shown = is_moderator(request, session, workshop_id)
    found = submissions.submissions_of(session, workshop_id, shown)
    return [SubmissionOut.of(s) for s in found]


@router.get("/submissions/{uuid}", dependencies=[Depends(rate_limited)])
def get_submission(uuid: str, request: Request, session: Session = Depends(db)) -> dict:
    found = submissions.visible(session, uuid, moderates_submission(request, session, uuid))
    design = submissions.design_text(session, uuid, found.revision)
    return {**SubmissionOut.of(found).model_dump(), "design": json.loads(design)}


@router.get(
    "/submissions/{uuid}/image.png",
    dependencies=[Depends(rate_limited)],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def image(
    uuid: str,
    request: Request,
    view: str = "iso",
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> Response:
    shown = images.known_view(view)
    found = submissions.visible(session, uuid, moderates_submission(request, session, uuid))
    path = images.image_file(session, state.data_dir, found, shown)
    return Response(
        path.read_bytes(),
        media_type="image/png",
        headers={"cache-control": images.cache_control(found)},
    )


@router.post("/submissions/{uuid}/moderation", response_model=SubmissionOut)
def moderate(
    uuid: str,
    body: ModerationIn,
    session: Session = Depends(db),
    desk: Desk = Depends(moderator_desk),
) -> SubmissionOut:
    """Approve (also: admit a late design), hide or reject one design."""
    desk.check(submissions.visible(session, uuid, as_moderator=True).workshop_id)
    return SubmissionOut.of(moderation.moderate(session, uuid, body))
