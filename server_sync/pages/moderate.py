"""The moderator's desk: sign in with the token, create workshops, show the join code (large and
as a QR code), approve, hide or reject submissions (oldest first), move phases, issue jury codes,
read the audit log.

The browser session is a cookie (`server_sync.services.moderation`). Every action calls the
same service as the API, so the desk can never allow what the API refuses.
"""

from collections.abc import Callable

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from game.io.levels import available_levels
from server_sync.cookies import MODERATOR_COOKIE
from server_sync.deps import (
    ServerState,
    WorkshopId,
    client_address,
    db,
    refuse_waiting,
    server,
    signed_in_moderator,
)
from server_sync.errors import ApiError
from server_sync.models import Workshop
from server_sync.network import only_here, shown_address
from server_sync.schemas import ModerationIn, WorkshopChange, WorkshopIn, form_number
from server_sync.services import jury, moderation, ranking, workshops
from server_sync.services.submissions import visible
from server_sync.web import back_to, checked_form, message, page, set_cookie

router = APIRouter(prefix="/moderate", include_in_schema=False)


class SignIn(Exception):
    """The desk needs a signed-in moderator; the sign-in page is shown instead."""


def signed_in(request: Request, session: Session = Depends(db)) -> Session:
    if not signed_in_moderator(request, session):
        raise SignIn()
    return session


def sign_in_page(request: Request, error: str = "", status: int = 200) -> HTMLResponse:
    expired = MODERATOR_COOKIE in request.cookies and not error
    response = page(
        request, "login.html", status if not expired else 401, error=error, expired=expired
    )
    if expired:
        response.delete_cookie(
            MODERATOR_COOKIE, path="/"
        )  # said once; the next visit is a plain sign-in
    return response


@router.get("")
def desk(request: Request, session: Session = Depends(signed_in)) -> HTMLResponse:
    return _desk(request, session)


def _desk(request: Request, session: Session, error: str = "", status: int = 200) -> HTMLResponse:
    levels = [e.doc for e in available_levels()[0]]
    return page(
        request,
        "moderate.html",
        status,
        workshops=moderation.workshops_with_pending(session),
        levels=levels,
        error=error,
    )


@router.post("/login")
def login(
    request: Request,
    form: dict = Depends(checked_form),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> Response:
    address = client_address(request)
    try:
        refuse_waiting(state.guess_limit.waiting(address))
        cookie = moderation.sign_in(session, form.get("token", "").strip())
    except ApiError as exc:
        if exc.code == "not_moderator":
            state.guess_limit.check(address)  # a wrong guess counts against this address
        return sign_in_page(request, message(request, exc), exc.status)
    response = back_to("/moderate")
    set_cookie(response, request, MODERATOR_COOKIE, cookie)
    return response


@router.post("/workshops")
def new_workshop(
    request: Request, form: dict = Depends(checked_form), session: Session = Depends(signed_in)
) -> Response:
    try:
        body = WorkshopIn.model_validate(
            {
                "title": form.get("title", "").strip(),
                "level_id": form.get("level_id", ""),
                "votes_per_participant": int(form.get("votes", "3") or 3),
                "moderation": "post" if form.get("moderation") == "post" else "pre",
                **_joining_fields(form),
            }
        )
    except (ValidationError, ValueError):
        exc = ApiError(422, "workshop_form")
    else:
        try:
            return back_to(f"/moderate/w/{workshops.create_workshop(session, body).id}")
        except ApiError as refused:
            exc = refused
    return _desk(request, session, message(request, exc), exc.status)


def _joining_fields(form: dict[str, str]) -> dict[str, object]:
    """When joining ends and the most participants, as the desk's forms send them: an empty
    number is no limit; what is not a plain number goes to the schema as typed, to be refused."""
    typed = form.get("max_participants", "").strip()
    return {
        "joining": "until_closed" if form.get("joining") == "until_closed" else "until_voting",
        "max_participants": (form_number(typed) or typed) if typed else None,
    }


def public_base(request: Request) -> str:
    """Where pupils reach this server: the public URL it was started with (`--public-url`, or
    the LAN address `--classroom` found), never the address the teacher's browser happened to
    use (127.0.0.1 would make every phone open itself); a plain local server keeps the latter."""
    state: ServerState = request.app.state.server
    return state.settings.public_url or str(request.base_url).rstrip("/")


def join_url(request: Request, workshop: Workshop) -> str:
    return f"{public_base(request)}/?code={workshop.code}"


def qr_svg(url: str) -> Markup:
    """The join link as an inline SVG QR code (made from our own URL, so safe to embed)."""
    return Markup(
        segno.make(url, error="m").svg_inline(
            scale=8, border=2, dark="#000", light="#fff", omitsize=True
        )
    )


@router.get("/w/{workshop_id}")
def workshop_desk(
    request: Request, workshop_id: WorkshopId, session: Session = Depends(signed_in)
) -> HTMLResponse:
    return _workshop_desk(request, session, workshop_id)


def _workshop_desk(
    request: Request,
    session: Session,
    workshop_id: int,
    error: str = "",
    issued: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    seen = moderation.overview(session, workshop_id)
    url = join_url(request, seen.workshop)
    return page(
        request,
        "desk.html",
        status,
        workshop=seen.workshop,
        queue=seen.queue,
        others=seen.others,
        audit=seen.audit,
        participants=seen.participants,
        joining_open=workshops.joining_open(seen.workshop),
        jury=seen.jury,
        issued=issued or [],
        rows=ranking.ranking(session, workshop_id),
        join_url=url,
        only_here=only_here(url),
        qr=qr_svg(url),
        error=error,
    )


def _acted(
    request: Request,
    session: Session,
    workshop_id: int,
    action: Callable[[], object],
    anchor: str = "",
) -> Response:
    """Run a desk action; back to the desk, or the desk with the refusal in the visitor's language."""
    try:
        action()
    except ValidationError:
        exc = ApiError(422, "workshop_form")
    except ApiError as refused:
        exc = refused
    else:
        return back_to(f"/moderate/w/{workshop_id}{anchor}")
    return _workshop_desk(
        request, session, workshop_id, error=message(request, exc), status=exc.status
    )


@router.get("/w/{workshop_id}/projector")
def projector(
    request: Request, workshop_id: WorkshopId, session: Session = Depends(signed_in)
) -> HTMLResponse:
    workshop = workshops.workshop_or_404(session, workshop_id)
    url = join_url(request, workshop)
    return page(
        request,
        "projector.html",
        workshop=workshop,
        join_url=url,
        only_here=only_here(url),
        address=shown_address(public_base(request)),
        qr=qr_svg(url),
    )


@router.post("/w/{workshop_id}/phase")
@router.post("/w/{workshop_id}/joining")
def change_workshop(
    request: Request,
    workshop_id: WorkshopId,
    form: dict = Depends(checked_form),
    session: Session = Depends(signed_in),
) -> Response:
    """The phase form's button, or the joining form (when joining ends, the most participants)."""
    fields = {"phase": form["phase"]} if "phase" in form else _joining_fields(form)

    def act() -> None:
        workshops.change_workshop(session, workshop_id, WorkshopChange.model_validate(fields))

    return _acted(request, session, workshop_id, act, "" if "phase" in form else "#joining")


@router.post("/s/{uuid}")
def moderate(
    request: Request,
    uuid: str,
    form: dict = Depends(checked_form),
    session: Session = Depends(signed_in),
) -> Response:
    found = visible(session, uuid, as_moderator=True)

    def act() -> None:
        body = ModerationIn.model_validate(
            {"action": form.get("action", ""), "reason": form.get("reason", "").strip()[:500]}
        )
        moderation.moderate(session, uuid, body)

    return _acted(request, session, found.workshop_id, act, "#queue")


@router.post("/w/{workshop_id}/jury")
def jury_codes(
    request: Request,
    workshop_id: WorkshopId,
    form: dict = Depends(checked_form),
    session: Session = Depends(signed_in),
) -> HTMLResponse:
    count = form_number(form.get("count", "")) or 0
    try:
        issued = jury.issue_jury_codes(session, workshop_id, count)
    except ApiError as exc:
        return _workshop_desk(
            request, session, workshop_id, message(request, exc), status=exc.status
        )
    return _workshop_desk(request, session, workshop_id, issued=issued)


def redirect_to_sign_in(request: Request, exc: Exception) -> Response:
    """Any desk page without a (still active) session shows the sign-in form."""
    if request.method != "GET":
        return RedirectResponse("/moderate", status_code=303)
    return sign_in_page(request)
