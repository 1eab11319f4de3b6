"""The students' pages: join with a code, the gallery with votes (and the jury's stars), results.

Every action calls the same service as the API (join, vote, withdraw, ranking), so a page can
never allow what the API refuses; a refusal is shown on the page in the visitor's language.
"""

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from game.core.i18n import Language
from game.core.indicators import by_key
from server_sync.cookies import JURY_COOKIE, PARTICIPANT_COOKIE
from server_sync.deps import (
    ServerState,
    address_limited,
    db,
    rate_limited,
    server,
    signed_in_desk,
)
from server_sync.errors import ApiError, language
from server_sync.models import JuryMember, Participant
from server_sync.schemas import JoinIn
from server_sync.security import token_hash
from server_sync.services import (
    jury,
    participants,
    ranking,
    submissions,
    team_submissions,
    votes,
)
from server_sync.services.workshops import clean_code, workshop_by_code
from server_sync.web import VIEW3D_CSP, back_to, checked_form, message, page, set_cookie

router = APIRouter(include_in_schema=False)
KEY_INDICATORS = ("green_factor", "sealed_share", "dwellings", "walk_park", "cost")
NOTICES = ("voted", "withdrawn", "rated", "joined", "signed_in", "signed_out")


def indicators(metrics_json: str, lang: Language) -> list[tuple[str, str]]:
    values = json.loads(metrics_json or "{}")
    return [
        (by_key(key).name(lang), by_key(key).display(values[key], lang))
        for key in KEY_INDICATORS
        if key in values
    ]


def gallery(
    request: Request,
    session: Session,
    code: str,
    error: str = "",
    status: int = 200,
    personal_code: str = "",
) -> HTMLResponse:
    """The workshop's approved designs; for a participant with their votes (also those for
    designs taken down since, which they can withdraw), for a juror with their stars. Once the
    workshop is closed its participants' and jurors' cookies end (a shared PC forgets them).
    `personal_code`: a participant's new code, shown this once."""
    workshop = workshop_by_code(session, code)
    person = participants.member_of(
        session, Participant, request.cookies.get(PARTICIPANT_COOKIE), workshop
    )
    juror = participants.member_of(session, JuryMember, request.cookies.get(JURY_COOKIE), workshop)
    ended = [
        name
        for name, member in ((PARTICIPANT_COOKIE, person), (JURY_COOKIE, juror))
        if member is not None and workshop.phase == "closed"
    ]
    if ended:
        person = juror = None
    desk = signed_in_desk(request, session)  # the teacher finds the compare view here too
    mine = votes.voted_for(session, person) if person else set()
    stars = jury.stars_of(session, juror) if juror else {}
    lang = language(request)
    shown = submissions.submissions_of(session, workshop.id, as_moderator=False)
    teams = team_submissions.rooms_of(session, person.id) if person else set()
    designs = [
        {
            "s": s,
            "indicators": indicators(s.metrics, lang),
            "voted": s.uuid in mine,
            "own": person is not None and (s.participant_id == person.id or s.room_id in teams),
            "stars": stars.get(s.uuid),
        }
        for s in shown
    ]
    done = request.query_params.get("done")
    response = page(
        request,
        "gallery.html",
        status,
        workshop=workshop,
        designs=designs,
        taken_down=sorted(mine - {s.uuid for s in shown}),
        person=person,
        juror=juror,
        votes_left=workshop.votes_per_participant - len(mine),
        error=error,
        notice=done if done in NOTICES else "",
        personal_code=personal_code if person is not None else "",
        at_desk=desk is not None and desk.may(workshop.id),
    )
    for name in ended:
        response.delete_cookie(name, path="/")
    return response


@router.get("/")
def home(request: Request, code: str = "", done: str = "") -> HTMLResponse:
    notice = done if done in NOTICES else ""
    return page(request, "join.html", code=clean_code(code)[:16], notice=notice)


@router.post("/join", dependencies=[Depends(address_limited)])
def join_page(
    request: Request, form: dict = Depends(checked_form), session: Session = Depends(db)
) -> Response:
    code, pseudonym = form.get("code", "")[:16], form.get("pseudonym", "")[:64]
    try:
        joined = participants.join(session, JoinIn(code=code or "-", pseudonym=pseudonym or "-"))
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
    set_cookie(response, request, PARTICIPANT_COOKIE, joined.token)  # ends with the browser
    return response


@router.get("/w/{code}")
def gallery_page(request: Request, code: str, session: Session = Depends(db)) -> HTMLResponse:
    return gallery(request, session, code)


@router.post("/w/{code}/personal-code", dependencies=[Depends(rate_limited)])
def personal_code_page(
    request: Request, code: str, form: dict = Depends(checked_form), session: Session = Depends(db)
) -> HTMLResponse:
    """A new personal code for the participant of this browser, shown on the gallery this once:
    a pupil who joined on the web (or before codes existed) signs their phone in with it. The
    answer is the page itself, not a redirect, so the code is in no address or history."""
    workshop = workshop_by_code(session, code)
    person = participants.member_of(
        session, Participant, request.cookies.get(PARTICIPANT_COOKIE), workshop
    )
    if person is None or workshop.phase == "closed":
        refusal = ApiError(401, "not_participant")
        return gallery(request, session, code, error=message(request, refusal), status=401)
    return gallery(
        request, session, code, personal_code=participants.new_personal_code(session, person)
    )


@router.get("/w/{code}/d/{uuid}")
def design_page(
    request: Request, code: str, uuid: str, session: Session = Depends(db)
) -> HTMLResponse:
    workshop = workshop_by_code(session, code)
    found = submissions.approved_in(session, workshop, uuid)
    return page(
        request,
        "design.html",
        csp=VIEW3D_CSP,
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
    state: ServerState = Depends(server),
) -> Response:
    withdraw = form.get("action") == "withdraw"
    try:
        token = request.cookies.get(PARTICIPANT_COOKIE)
        await votes.run_vote(
            state.ballots,
            votes.withdraw if withdraw else votes.vote,
            token_hash(token) if token else None,
            uuid,
        )
    except ApiError as exc:
        return await run_in_threadpool(_gallery_with_error, request, state, code, exc)
    done = "withdrawn" if withdraw else "voted"
    return back_to(f"/w/{clean_code(code)}?done={done}#d-{uuid}")


def _gallery_with_error(
    request: Request, state: ServerState, code: str, exc: ApiError
) -> HTMLResponse:
    with state.sessions() as session:
        return gallery(request, session, code, error=message(request, exc), status=exc.status)


@router.get("/w/{code}/results")
def results_page(request: Request, code: str, session: Session = Depends(db)) -> HTMLResponse:
    workshop = workshop_by_code(session, code)
    rows = ranking.ranking(session, workshop.id) if ranking.results_public(workshop) else []
    return page(
        request,
        "results.html",
        workshop=workshop,
        rows=rows,
        most_votes=max([r.votes for r in rows] + [1]),
    )
