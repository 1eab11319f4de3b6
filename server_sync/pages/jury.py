"""The youth jury's pages: join with a code from the moderator, then give each design 0–5 stars
in the gallery (the rules: services/jury.py)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from server_sync.cookies import JURY_COOKIE
from server_sync.deps import db, rate_limited
from server_sync.errors import ApiError
from server_sync.models import JuryMember
from server_sync.pages.gallery import gallery
from server_sync.schemas import form_number
from server_sync.services import jury, participants
from server_sync.services.workshops import workshop_by_code
from server_sync.web import back_to, checked_form, message, page, set_cookie

router = APIRouter(include_in_schema=False)


@router.get("/jury")
def jury_home(request: Request) -> HTMLResponse:
    return page(request, "jury.html")


@router.post("/jury", dependencies=[Depends(rate_limited)])
def jury_join(
    request: Request, form: dict = Depends(checked_form), session: Session = Depends(db)
) -> Response:
    code = jury.typed_code(form.get("code", ""))
    try:
        _, workshop = jury.member_with_code(session, code)
    except ApiError as exc:
        return page(request, "jury.html", exc.status, error=message(request, exc))
    response = back_to(f"/w/{workshop.code}")
    set_cookie(response, request, JURY_COOKIE, code)  # ends with the browser, or at sign-out
    return response


@router.post("/w/{code}/d/{uuid}/stars", dependencies=[Depends(rate_limited)])
def rate(
    request: Request,
    code: str,
    uuid: str,
    form: dict = Depends(checked_form),
    session: Session = Depends(db),
) -> Response:
    workshop = workshop_by_code(session, code)
    member = participants.member_of(session, JuryMember, request.cookies.get(JURY_COOKIE), workshop)
    stars = form_number(form.get("stars", ""))
    try:
        jury.rate(session, workshop, member, uuid, -1 if stars is None else stars)
    except ApiError as exc:
        return gallery(request, session, code, error=message(request, exc), status=exc.status)
    return back_to(f"/w/{workshop.code}?done=rated#d-{uuid}")
