"""Sign-out, from every page: on a shared classroom PC the next pupil must not vote, rate or
moderate as the one before. It forgets every identity cookie and ends a desk session and the
participant's token of this browser (their other devices stay signed in)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from server_sync.cookies import IDENTITY_COOKIES, MODERATOR_COOKIE, PARTICIPANT_COOKIE
from server_sync.deps import db
from server_sync.services import moderation, participants
from server_sync.web import back_to, checked_form

router = APIRouter(include_in_schema=False)


@router.post("/sign-out", dependencies=[Depends(checked_form)])
def sign_out(request: Request, session: Session = Depends(db)) -> Response:
    moderation.sign_out(session, request.cookies.get(MODERATOR_COOKIE))
    participants.sign_out_device(session, request.cookies.get(PARTICIPANT_COOKIE))
    response = back_to("/?done=signed_out")
    for name in IDENTITY_COOKIES:
        response.delete_cookie(name, path="/")
    return response
