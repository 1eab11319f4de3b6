"""Signing a phone or another computer in as a participant who joined elsewhere (usually in the
editor), with their personal code: `/p/{code}` is what the editor's QR code opens.

Opening the link only asks ("Sign in as Max in Our Square?"); signing in takes the button, a
form with the CSRF token, so a link preview or a prefetch never signs a device in. Wrong codes
count against the client's address like wrong moderator tokens (`deps.guessing`).
"""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from server_sync.cookies import PARTICIPANT_COOKIE
from server_sync.deps import ServerState, address_limited, db, guessing, server
from server_sync.errors import ApiError
from server_sync.services import participants
from server_sync.services.workshops import clean_code
from server_sync.web import back_to, checked_form, message, page, set_cookie

router = APIRouter(include_in_schema=False)
MAX_CODE = 32  # what a form or an address may carry of a code: a code is 8 letters and a dash


@router.get("/p/{personal_code}", dependencies=[Depends(address_limited)])
def ask(
    request: Request,
    personal_code: str,
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> Response:
    """Whose code this is, to be confirmed; reading it is a guess too, or the page would tell
    a guesser which codes are real."""
    code = personal_code[:MAX_CODE]
    try:
        with guessing(state, request, "personal_code", "wrong_personal_code"):
            person, workshop = participants.signing_in(session, code)
    except ApiError as exc:
        return page(
            request, "sign_in.html", exc.status, personal_code=code, error=message(request, exc)
        )
    return page(
        request,
        "sign_in.html",
        person=person,
        workshop=workshop,
        personal_code=participants.shown_code(clean_code(code)),
    )


@router.post("/p/{personal_code}", dependencies=[Depends(address_limited)])
def confirm(
    request: Request,
    personal_code: str,
    form: dict = Depends(checked_form),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> Response:
    return _sign_in(request, personal_code[:MAX_CODE], session, state)


@router.post("/sign-in", dependencies=[Depends(address_limited)])
def typed(
    request: Request,
    form: dict = Depends(checked_form),
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> Response:
    """The join page's second form: a pupil who typed their own code needs no question."""
    return _sign_in(request, form.get("personal_code", "")[:MAX_CODE], session, state)


def _sign_in(request: Request, code: str, session: Session, state: ServerState) -> Response:
    try:
        with guessing(state, request, "personal_code", "wrong_personal_code"):
            joined = participants.sign_in(session, code)
    except ApiError as exc:
        return page(
            request, "sign_in.html", exc.status, personal_code=code, error=message(request, exc)
        )
    response = back_to(f"/w/{joined.workshop.code}?done=signed_in")
    set_cookie(response, request, PARTICIPANT_COOKIE, joined.token)  # ends with the browser
    return response
