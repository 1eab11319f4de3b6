"""Submissions: idempotent uploads checked against the level, moderation, and server-made images."""

import json

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from server_sync.deps import (
    ServerState,
    WorkshopId,
    db,
    is_moderator,
    moderator,
    participant,
    rate_limited,
    server,
)
from server_sync.errors import language
from server_sync.models import Participant
from server_sync.schemas import ModerationIn, StoredOut, SubmissionOut, SubmissionWithDesignOut
from server_sync.services import images, moderation, submissions

router = APIRouter()

#: The upload's body in the schema: a design file. The route reads the bytes itself (a UTF-8 BOM
#: is dropped once, see services/submissions.upload_text), so FastAPI does not document it; the
#: model is in the schema's components through GET /submissions/{uuid}, which answers with it.
DESIGN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/DesignDocument"}}
        },
    }
}


@router.put(
    "/submissions/{uuid}",
    response_model=StoredOut,
    responses={201: {"model": StoredOut}},
    openapi_extra=DESIGN_BODY,
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
    stored = submissions.store(session, person, uuid, body, language(request))
    if stored.new is not None:
        revision = stored.answer.revision
        background.add_task(
            images.render_images, state.data_dir, uuid, revision, stored.new.grid, stored.new.level
        )
        response.status_code = 201
    return stored.answer


@router.get(
    "/workshops/{workshop_id}/submissions",
    response_model=list[SubmissionOut],
    dependencies=[Depends(rate_limited)],
)
def list_submissions(
    workshop_id: WorkshopId, request: Request, session: Session = Depends(db)
) -> list[SubmissionOut]:
    found = submissions.submissions_of(session, workshop_id, is_moderator(request, session))
    return [SubmissionOut.of(s) for s in found]


@router.get(
    "/submissions/{uuid}",
    dependencies=[Depends(rate_limited)],
    response_model=None,  # the stored design is sent as it is, not validated once more
    responses={200: {"model": SubmissionWithDesignOut}},
)
def get_submission(uuid: str, request: Request, session: Session = Depends(db)) -> dict:
    found = submissions.visible(session, uuid, is_moderator(request, session))
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
    # Documented as the views there are; any other is refused by `known_view` with its message.
    view: str = Query("iso", json_schema_extra={"enum": list(images.VIEWS)}),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> Response:
    shown = images.known_view(view)
    found = submissions.visible(session, uuid, is_moderator(request, session))
    path = images.image_file(session, state.data_dir, found, shown)
    return Response(
        path.read_bytes(),
        media_type="image/png",
        headers={"cache-control": images.cache_control(found)},
    )


@router.post(
    "/submissions/{uuid}/moderation",
    response_model=SubmissionOut,
    dependencies=[Depends(moderator)],
)
def moderate(uuid: str, body: ModerationIn, session: Session = Depends(db)) -> SubmissionOut:
    return SubmissionOut.of(moderation.moderate(session, uuid, body))
