"""The students' pages: join with a code, the gallery with votes (and the jury's stars), results.

Every action reuses the API's own functions (join, vote, withdraw, ranking), so a page can
never allow what the API refuses; a refusal is shown on the page in the visitor's language.
"""

import json

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from game.core.indicators import by_key
from server_sync.deps import Services, db, rate_limited, services
from server_sync.errors import ApiError, language
from server_sync.models import JuryMember, JuryRating, Participant, Submission, Vote, Workshop
from server_sync.routes import votes
from server_sync.routes.workshops import clean_code, join, ranking, workshop_by_code
from server_sync.schemas import JoinIn
from server_sync.security import token_hash
from server_sync.web import back_to, checked_form, message, page, set_cookie

router = APIRouter(include_in_schema=False)
PARTICIPANT_COOKIE = "quartier_participant"
JURY_COOKIE = "quartier_jury"
KEY_INDICATORS = ("green_factor", "sealed_share", "dwellings", "walk_park", "cost")
NOTICES = ("voted", "withdrawn", "rated", "joined")


def member_of(request: Request, session: Session, model, cookie: str, workshop: Workshop):
    """The participant or jury member this browser joined `workshop` as, if any."""
    token = request.cookies.get(cookie)
    found = (
        session.scalar(select(model).where(model.token_hash == token_hash(token)))
        if token
        else None
    )
    return found if found is not None and found.workshop_id == workshop.id else None


def indicators(metrics_json: str, lang: str) -> list[tuple[str, str]]:
    values = json.loads(metrics_json or "{}")
    return [
        (by_key(key).name(lang), by_key(key).display(values[key], lang))
        for key in KEY_INDICATORS
        if key in values
    ]


def _designs(session: Session, workshop: Workshop) -> list[Submission]:
    """Approved designs only: a hidden or rejected one appears on no public page."""
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.workshop_id == workshop.id, Submission.status == "approved")
            .order_by(Submission.created)
        )
    )


def gallery(request: Request, session: Session, code: str, error: str = "", status: int = 200):
    workshop = workshop_by_code(session, code)
    person = member_of(request, session, Participant, PARTICIPANT_COOKIE, workshop)
    juror = member_of(request, session, JuryMember, JURY_COOKIE, workshop)
    mine = (
        set(session.scalars(select(Vote.submission_uuid).where(Vote.participant_id == person.id)))
        if person
        else set()
    )
    stars = (
        dict(
            session.execute(
                select(JuryRating.submission_uuid, JuryRating.stars).where(
                    JuryRating.jury_member_id == juror.id
                )
            ).all()
        )
        if juror
        else {}
    )
    lang = language(request)
    designs = [
        {
            "s": s,
            "indicators": indicators(s.metrics, lang),
            "voted": s.uuid in mine,
            "own": person is not None and s.participant_id == person.id,
            "stars": stars.get(s.uuid),
        }
        for s in _designs(session, workshop)
    ]
    done = request.query_params.get("done")
    return page(
        request,
        "gallery.html",
        status,
        workshop=workshop,
        designs=designs,
        person=person,
        juror=juror,
        votes_left=workshop.votes_per_participant - len(mine),
        error=error,
        notice=done if done in NOTICES else "",
    )


@router.get("/")
def home(request: Request, code: str = ""):
    return page(request, "join.html", code=clean_code(code)[:16])


@router.post("/join", dependencies=[Depends(rate_limited)])
def join_page(request: Request, form: dict = Depends(checked_form), session: Session = Depends(db)):
    code, pseudonym = form.get("code", "")[:16], form.get("pseudonym", "")[:64]
    try:
        joined = join(JoinIn(code=code or "-", pseudonym=pseudonym or "-"), session)
    except ApiError as exc:
        return page(
            request,
            "join.html",
            exc.status,
            code=code,
            pseudonym=pseudonym,
            error=message(request, exc),
        )
    response = back_to(f"/w/{joined.workshop.code}?done=joined")
    set_cookie(response, request, PARTICIPANT_COOKIE, joined.token, max_age=90 * 24 * 3600)
    return response


@router.get("/w/{code}")
def gallery_page(request: Request, code: str, session: Session = Depends(db)):
    return gallery(request, session, code)


@router.get("/w/{code}/d/{uuid}")
def design_page(request: Request, code: str, uuid: str, session: Session = Depends(db)):
    workshop = workshop_by_code(session, code)
    found = session.get(Submission, uuid)
    if found is None or found.workshop_id != workshop.id or found.status != "approved":
        raise ApiError(404, "no_submission")
    return page(
        request,
        "design.html",
        workshop=workshop,
        s=found,
        indicators=indicators(found.metrics, language(request)),
    )


@router.post("/w/{code}/d/{uuid}/vote", dependencies=[Depends(rate_limited)])
async def vote_page(
    request: Request,
    code: str,
    uuid: str,
    form: dict = Depends(checked_form),
    svc: Services = Depends(services),
):
    action = votes.withdraw if form.get("action") == "withdraw" else votes.vote
    try:
        await votes.run_vote(svc, action, request.cookies.get(PARTICIPANT_COOKIE), uuid)
    except ApiError as exc:
        return await run_in_threadpool(_gallery_with_error, request, svc, code, exc)
    done = "withdrawn" if action is votes.withdraw else "voted"
    return back_to(f"/w/{clean_code(code)}?done={done}#d-{uuid}")


def _gallery_with_error(request: Request, svc: Services, code: str, exc: ApiError):
    with svc.sessions() as session:
        return gallery(request, session, code, error=message(request, exc), status=exc.status)


@router.get("/w/{code}/results")
def results_page(request: Request, code: str, session: Session = Depends(db)):
    workshop = workshop_by_code(session, code)
    rows = ranking(session, workshop.id) if workshop.phase == "closed" else []
    return page(
        request,
        "results.html",
        workshop=workshop,
        rows=rows,
        most_votes=max([r.votes for r in rows] + [1]),
    )
