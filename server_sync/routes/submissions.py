"""Submissions: idempotent uploads checked against the level, moderation, and server-made images."""

import json
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from server_sync.deps import (
    ServerState,
    WorkshopId,
    bearer,
    db,
    is_moderator,
    moderates_submission,
    moderator_desk,
    rate_limited,
    server,
)
from server_sync.errors import language
from server_sync.models import Submission
from server_sync.schemas import (
    ErrorOut,
    ModerationIn,
    StoredOut,
    SubmissionOut,
    SubmissionWithDesignOut,
)
from server_sync.services import images, models3d, moderation, submissions
from server_sync.services.moderation import Desk
from server_sync.services.participants import participant_with_token

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


async def raw_body(request: Request) -> bytes:
    return await request.body()


@router.put(
    "/submissions/{uuid}",
    response_model=StoredOut,
    responses={
        201: {"model": StoredOut},
        202: {"model": StoredOut, "description": "kept after building ended (status `late`)"},
        413: {
            "model": ErrorOut,
            "description": "over 2 MB, or past the participant's stored bytes",
        },
        429: {"model": ErrorOut, "description": "too many revisions this minute (Retry-After)"},
        503: {"model": ErrorOut, "description": "the worker queue is full (Retry-After)"},
    },
    openapi_extra=DESIGN_BODY,
)
def put_submission(
    uuid: str,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    body: bytes = Depends(raw_body),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
    _=Depends(rate_limited),
) -> StoredOut:
    """201: a new revision; 200: the same content again; 202: kept after building ended, for
    the moderator to look at (status `late`).

    Not `async`: this thread waits for the worker pool and the database, never the loop.

    The participant is looked up here, not by the `participant` dependency: that runs in a
    thread of its own, and its query would hold SQLite's one connection while this route
    waits for a free thread, which 40 uploads waiting for that connection may all hold (the
    benchmark's 50 uploaders deadlocked so until the pool's 60 s timeout). Here a request that
    holds the connection never waits for anything else (see `submissions.store`).
    """
    person = participant_with_token(session, bearer(request))
    stored = submissions.store(
        session, person, uuid, body, language(request), state.workers, state.limits
    )
    if stored.new is not None:
        revision = stored.answer.revision
        background.add_task(
            images.render_soon, state.data_dir, uuid, revision, stored.new, state.workers
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


@router.get(
    "/submissions/{uuid}",
    dependencies=[Depends(rate_limited)],
    response_model=None,  # the stored design is sent as it is, not validated once more
    responses={200: {"model": SubmissionWithDesignOut}},
)
def get_submission(uuid: str, request: Request, session: Session = Depends(db)) -> dict:
    found = submissions.visible(session, uuid, moderates_submission(request, session, uuid))
    design = submissions.design_text(session, uuid, found.revision)
    return {**SubmissionOut.of(found).model_dump(), "design": json.loads(design)}


def made_file(path: Path, media_type: str, found: Submission) -> Response:
    """A file the server made from a design (picture, 3D model), cached only where public."""
    return Response(
        path.read_bytes(),
        media_type=media_type,
        headers={"cache-control": images.cache_control(found)},
    )


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
    found = submissions.visible(session, uuid, moderates_submission(request, session, uuid))
    path = images.image_file(session, state.workers, state.data_dir, found, shown)
    return made_file(path, "image/png", found)


@router.get(
    "/submissions/{uuid}/model.glb",
    dependencies=[Depends(rate_limited)],
    response_class=Response,
    responses={200: {"content": {"model/gltf-binary": {}}}},
)
def model(
    uuid: str,
    request: Request,
    # Documented as the states there are; any other is refused by `known_state` with its message.
    state: str = Query("after", json_schema_extra={"enum": list(models3d.STATES)}),
    session: Session = Depends(db),
    server_state: ServerState = Depends(server),
) -> Response:
    """The zone and the city around it in 3D (glTF), as designed or as it was ("before")."""
    shown = models3d.known_state(state)
    found = submissions.visible(session, uuid, moderates_submission(request, session, uuid))
    path = models3d.model_file(session, server_state.workers, server_state.data_dir, found, shown)
    return made_file(path, "model/gltf-binary", found)


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
