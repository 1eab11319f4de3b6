"""Submissions: idempotent uploads checked against the level, moderation, and server-made images."""

import hashlib
import json
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from game.core.design import open_design, parse_design
from game.core.errors import QuartierError
from game.core.indicators import compute_all
from game.core.level import Level
from game.io.levels import find_level
from game.io.storage import write_atomic
from server_sync.deps import (
    Services,
    db,
    is_moderator,
    moderator,
    participant,
    rate_limited,
    services,
)
from server_sync.errors import ApiError, language
from server_sync.models import AuditEntry, Participant, Revision, Submission, Workshop, now
from server_sync.routes.workshops import workshop_or_404
from server_sync.schemas import ModerationIn, StoredOut, SubmissionOut

router = APIRouter()
VIEWS = ("iso", "top")
IMAGE_SIZE = (800, 600)


def content_hash(raw: dict) -> str:
    return hashlib.sha256(
        json.dumps(raw, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def _level(level_id: str) -> Level:
    try:
        return find_level(level_id)
    except QuartierError:
        raise ApiError(422, "unknown_level", level=level_id) from None


def _checked(body: bytes, uuid: str, workshop: Workshop, request: Request):
    """The design parsed and opened on the workshop's level, or a 422 that says why."""
    try:
        doc = parse_design(body, what="design")
        if str(doc.id) != uuid:
            raise ApiError(422, "uuid_mismatch")
        level = _level(workshop.level_id)
        if doc.level.id != workshop.level_id:
            raise ApiError(422, "wrong_level", level=workshop.level_id)
        session = open_design(doc, level, what="design")
    except QuartierError as exc:
        raise ApiError(422, "invalid_design", reason=exc.message(language(request))) from None
    return doc, level, session


@router.put("/submissions/{uuid}", response_model=StoredOut, responses={201: {"model": StoredOut}})
async def put_submission(
    uuid: str,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    person: Participant = Depends(participant),
    session: Session = Depends(db),
    svc: Services = Depends(services),
) -> StoredOut:
    body = await request.body()
    workshop = workshop_or_404(session, person.workshop_id)
    if workshop.phase != "building":
        raise ApiError(409, "not_building")
    doc, level, design = _checked(body, uuid, workshop, request)
    digest = content_hash(json.loads(body))
    existing = session.get(Submission, uuid)
    if existing is not None and existing.participant_id != person.id:
        raise ApiError(403, "not_yours")
    if existing is not None and existing.content_hash == digest:
        return StoredOut(uuid=uuid, revision=existing.revision, status=existing.status)
    metrics = json.dumps({k: r.value for k, r in compute_all(design.grid, level).items()})
    status = "approved" if workshop.moderation == "post" else "pending"
    fields = {
        "content_hash": digest,
        "title": doc.title,
        "description": doc.description,
        "metrics": metrics,
        "pseudonym": person.pseudonym,
        "status": status,
        "updated": now(),
    }
    if existing is None:
        stored = Submission(
            uuid=uuid, workshop_id=workshop.id, participant_id=person.id, revision=1, **fields
        )
        session.add(stored)
    else:
        stored = existing
        for key, value in fields.items():
            setattr(stored, key, value)
        stored.revision += 1
    try:
        session.flush()  # the submission row first: its revision refers to it
        session.add(
            Revision(
                uuid=uuid,
                revision=stored.revision,
                content_hash=digest,
                design=body.decode("utf-8"),
            )
        )
        session.commit()
    except IntegrityError:  # the same upload raced itself: whoever lost finds the winner's row
        session.rollback()
        winner = session.get(Submission, uuid)
        if winner is None:
            raise
        if winner.participant_id != person.id:
            raise ApiError(403, "not_yours") from None
        return StoredOut(uuid=uuid, revision=winner.revision, status=winner.status)
    background.add_task(render_images, svc.data_dir, uuid, stored.revision, design.grid, level)
    response.status_code = 201
    return StoredOut(uuid=uuid, revision=stored.revision, status=stored.status)


def _visible(session: Session, uuid: str, request: Request) -> Submission:
    found = session.get(Submission, uuid)
    if found is None or (found.status != "approved" and not is_moderator(request, session)):
        raise ApiError(404, "no_submission")
    return found


@router.get(
    "/workshops/{workshop_id}/submissions",
    response_model=list[SubmissionOut],
    dependencies=[Depends(rate_limited)],
)
def list_submissions(
    workshop_id: int, request: Request, session: Session = Depends(db)
) -> list[SubmissionOut]:
    workshop_or_404(session, workshop_id)
    query = (
        select(Submission).where(Submission.workshop_id == workshop_id).order_by(Submission.created)
    )
    if not is_moderator(request, session):
        query = query.where(Submission.status == "approved")
    return [SubmissionOut.of(s) for s in session.scalars(query)]


@router.get("/submissions/{uuid}", dependencies=[Depends(rate_limited)])
def get_submission(uuid: str, request: Request, session: Session = Depends(db)) -> dict:
    found = _visible(session, uuid, request)
    design = session.get(Revision, (uuid, found.revision)).design
    return {**SubmissionOut.of(found).model_dump(), "design": json.loads(design)}


def image_path(data_dir: Path, uuid: str, revision: int, view: str) -> Path:
    return Path(data_dir) / "images" / f"{uuid}-r{revision}-{view}.png"


def render_images(data_dir: Path, uuid: str, revision: int, grid, level: Level) -> None:
    """Render both views of a stored design once; the gallery only ever shows these."""
    from game.render.snapshot import render_png

    for view in VIEWS:
        path = image_path(data_dir, uuid, revision, view)
        if not path.exists():
            png = render_png(
                grid, level.catalogue.colors, view, IMAGE_SIZE, highlight=level.zone_columns
            )
            write_atomic(path, png, keep_backup=False)


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
    svc: Services = Depends(services),
) -> Response:
    if view not in VIEWS:
        raise ApiError(422, "bad_view")
    found = _visible(session, uuid, request)
    path = image_path(svc.data_dir, uuid, found.revision, view)
    if not path.exists():  # e.g. the server stopped before the background rendering
        doc = parse_design(session.get(Revision, (uuid, found.revision)).design)
        level = find_level(doc.level.id)
        render_images(svc.data_dir, uuid, found.revision, open_design(doc, level).grid, level)
    return Response(
        path.read_bytes(), media_type="image/png", headers={"cache-control": "public, max-age=3600"}
    )


@router.post(
    "/submissions/{uuid}/moderation",
    response_model=SubmissionOut,
    dependencies=[Depends(moderator)],
)
def moderate(uuid: str, body: ModerationIn, session: Session = Depends(db)) -> SubmissionOut:
    found = session.get(Submission, uuid)
    if found is None:
        raise ApiError(404, "no_submission")
    found.status = {"approve": "approved", "hide": "hidden", "reject": "rejected"}[body.action]
    found.feedback = body.reason
    session.add(
        AuditEntry(
            action=body.action,
            workshop_id=found.workshop_id,
            submission_uuid=uuid,
            detail=body.reason,
        )
    )
    session.commit()
    return SubmissionOut.of(found)
