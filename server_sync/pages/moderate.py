"""The moderator's desk: sign in with the token, create workshops, show the join code (large and
as a QR code), approve, hide or reject submissions (oldest first), move phases, issue jury codes,
read the audit log.

The browser session is a random cookie whose hash is stored; it ends after 30 minutes without
activity (`server_sync.deps.MODERATOR_IDLE`). The actions call the API's own functions.
"""

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import desc, func, select
from sqlalchemy.orm import Session

from game.io.levels import available_levels
from server_sync.deps import (
    MODERATOR_COOKIE,
    Services,
    db,
    is_moderator_token,
    services,
    signed_in_moderator,
)
from server_sync.errors import ApiError
from server_sync.models import (
    AuditEntry,
    JuryMember,
    ModeratorSession,
    Participant,
    Submission,
    Workshop,
)
from server_sync.pages.jury import issue_jury_codes
from server_sync.routes.submissions import moderate
from server_sync.routes.workshops import change_phase, create_workshop, ranking, workshop_or_404
from server_sync.schemas import ModerationIn, PhaseIn, WorkshopIn
from server_sync.security import new_token, token_hash
from server_sync.web import back_to, checked_form, message, page, set_cookie

router = APIRouter(prefix="/moderate", include_in_schema=False)
STATUS_ORDER = ("pending", "approved", "hidden", "rejected")


class SignIn(Exception):
    """The desk needs a signed-in moderator; the sign-in page is shown instead."""


def signed_in(request: Request, session: Session = Depends(db)) -> Session:
    if not signed_in_moderator(request, session):
        raise SignIn()
    return session


def sign_in_page(request: Request, error: str = "", status: int = 200):
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
def desk(request: Request, session: Session = Depends(signed_in)):
    return _desk(request, session)


def _desk(request: Request, session: Session, error: str = "", status: int = 200):
    pending = (
        select(Submission.workshop_id, func.count().label("n"))
        .where(Submission.status == "pending")
        .group_by(Submission.workshop_id)
        .subquery()
    )
    workshops = session.execute(
        select(Workshop, func.coalesce(pending.c.n, 0))
        .outerjoin(pending, pending.c.workshop_id == Workshop.id)
        .order_by(desc(Workshop.created))
    ).all()
    levels = [e.doc for e in available_levels()[0]]
    return page(request, "moderate.html", status, workshops=workshops, levels=levels, error=error)


@router.post("/login")
def login(
    request: Request,
    form: dict = Depends(checked_form),
    session: Session = Depends(db),
    svc: Services = Depends(services),
):
    wait = svc.address_limit.check(request.client.host if request.client else "?")
    if wait:
        return sign_in_page(
            request, message(request, ApiError(429, "rate_limited", seconds=int(wait) + 1)), 429
        )
    if not is_moderator_token(form.get("token", "").strip(), session):
        return sign_in_page(request, message(request, ApiError(401, "not_moderator")), 401)
    cookie = new_token()
    session.add(ModeratorSession(token_hash=token_hash(cookie)))
    session.add(AuditEntry(action="moderator_sign_in"))
    session.commit()
    response = back_to("/moderate")
    set_cookie(response, request, MODERATOR_COOKIE, cookie)
    return response


@router.post("/logout")
def logout(request: Request, form: dict = Depends(checked_form), session: Session = Depends(db)):
    cookie = request.cookies.get(MODERATOR_COOKIE)
    if cookie:
        found = session.get(ModeratorSession, token_hash(cookie))
        if found is not None:
            session.delete(found)
            session.commit()
    response = back_to("/moderate")
    response.delete_cookie(MODERATOR_COOKIE, path="/")
    return response


@router.post("/workshops")
def new_workshop(
    request: Request, form: dict = Depends(checked_form), session: Session = Depends(signed_in)
):
    try:
        body = WorkshopIn(
            title=form.get("title", "").strip(),
            level_id=form.get("level_id", ""),
            votes_per_participant=int(form.get("votes", "3") or 3),
            moderation="post" if form.get("moderation") == "post" else "pre",
        )
    except (ValidationError, ValueError):
        exc = ApiError(422, "workshop_form")
    else:
        try:
            return back_to(f"/moderate/w/{create_workshop(body, session).id}")
        except ApiError as refused:
            exc = refused
    return _desk(request, session, message(request, exc), exc.status)


def join_url(request: Request, workshop: Workshop) -> str:
    return f"{str(request.base_url).rstrip('/')}/?code={workshop.code}"


def qr_svg(url: str) -> Markup:
    """The join link as an inline SVG QR code (made from our own URL, so safe to embed)."""
    return Markup(
        segno.make(url, error="m").svg_inline(
            scale=8, border=2, dark="#000", light="#fff", omitsize=True
        )
    )


@router.get("/w/{workshop_id}")
def workshop_desk(request: Request, workshop_id: int, session: Session = Depends(signed_in)):
    return _workshop_desk(request, session, workshop_id)


def _workshop_desk(
    request: Request,
    session: Session,
    workshop_id: int,
    error: str = "",
    issued: list | None = None,
    status: int = 200,
):
    workshop = workshop_or_404(session, workshop_id)
    submissions = session.scalars(
        select(Submission).where(Submission.workshop_id == workshop.id).order_by(Submission.created)
    ).all()
    queue = [s for s in submissions if s.status == "pending"]
    others = sorted(
        (s for s in submissions if s.status != "pending"),
        key=lambda s: STATUS_ORDER.index(s.status),
    )
    audit = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.workshop_id == workshop.id)
        .order_by(desc(AuditEntry.id))
        .limit(200)
    ).all()
    participants = session.scalar(
        select(func.count()).where(Participant.workshop_id == workshop.id)
    )
    jury = session.scalars(
        select(JuryMember.label)
        .where(JuryMember.workshop_id == workshop.id)
        .order_by(JuryMember.id)
    ).all()
    url = join_url(request, workshop)
    return page(
        request,
        "desk.html",
        status,
        workshop=workshop,
        queue=queue,
        others=others,
        audit=audit,
        participants=participants,
        jury=jury,
        issued=issued or [],
        rows=ranking(session, workshop.id),
        join_url=url,
        qr=qr_svg(url),
        error=error,
    )


def _acted(request: Request, session: Session, workshop_id: int, action, anchor: str = ""):
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
def projector(request: Request, workshop_id: int, session: Session = Depends(signed_in)):
    workshop = workshop_or_404(session, workshop_id)
    url = join_url(request, workshop)
    return page(request, "projector.html", workshop=workshop, join_url=url, qr=qr_svg(url))


@router.post("/w/{workshop_id}/phase")
def phase(
    request: Request,
    workshop_id: int,
    form: dict = Depends(checked_form),
    session: Session = Depends(signed_in),
):
    body = lambda: PhaseIn(phase=form.get("phase", ""))  # noqa: E731
    return _acted(request, session, workshop_id, lambda: change_phase(workshop_id, body(), session))


@router.post("/s/{uuid}")
def moderation(
    request: Request,
    uuid: str,
    form: dict = Depends(checked_form),
    session: Session = Depends(signed_in),
):
    found = session.get(Submission, uuid)
    if found is None:
        raise ApiError(404, "no_submission")

    def body():
        return ModerationIn(
            action=form.get("action", ""), reason=form.get("reason", "").strip()[:500]
        )

    return _acted(
        request, session, found.workshop_id, lambda: moderate(uuid, body(), session), "#queue"
    )


@router.post("/w/{workshop_id}/jury")
def jury_codes(
    request: Request,
    workshop_id: int,
    form: dict = Depends(checked_form),
    session: Session = Depends(signed_in),
):
    workshop = workshop_or_404(session, workshop_id)
    count = form.get("count", "")
    if not count.isdigit() or not 1 <= int(count) <= 30:
        return _workshop_desk(
            request, session, workshop_id, message(request, ApiError(422, "jury_count")), status=422
        )
    return _workshop_desk(
        request, session, workshop_id, issued=issue_jury_codes(session, workshop, int(count))
    )


def redirect_to_sign_in(request: Request, exc: SignIn):
    """Any desk page without a (still active) session shows the sign-in form."""
    if request.method != "GET":
        return RedirectResponse("/moderate", status_code=303)
    return sign_in_page(request)
