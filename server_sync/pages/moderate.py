"""The moderator's desk: sign in with the token or a teacher code, create workshops, show the
join code (large and as a QR code), approve, hide or reject submissions (oldest first, or all
waiting at once), admit designs that arrived late, move phases (each after a confirmation, and
back where still fair), issue jury and teacher codes, read the audit log.

The browser session is a cookie (`server_sync.services.moderation`) that remembers its desk:
the admin's (every workshop) or a teacher's (one workshop). Every action calls the same service
as the API, so the desk can never allow what the API refuses.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from game.core.i18n import text
from game.io.levels import available_levels
from server_sync.cookies import MODERATOR_COOKIE
from server_sync.deps import (
    ParticipantId,
    ServerState,
    WorkshopId,
    db,
    guessing,
    server,
    signed_in_desk,
)
from server_sync.errors import ApiError, language
from server_sync.models import Participant, Room, Workshop
from server_sync.network import only_here, shown_address
from server_sync.schemas import (
    ModerationIn,
    RoomIn,
    RoomOut,
    SeenDesign,
    WorkshopChange,
    WorkshopIn,
    form_number,
)
from server_sync.services import (
    jury,
    moderation,
    participants,
    ranking,
    room_desk,
    rooms,
    workshops,
)
from server_sync.services.moderation import Desk
from server_sync.services.submissions import visible
from server_sync.web import DESK_CSP, back_to, checked_form, message, page, set_cookie

router = APIRouter(prefix="/moderate", include_in_schema=False)


class SignIn(Exception):
    """The desk needs a signed-in moderator; the sign-in page is shown instead."""


@dataclass(frozen=True)
class SignedIn:
    session: Session
    desk: Desk


def signed_in(request: Request, session: Session = Depends(db)) -> SignedIn:
    desk = signed_in_desk(request, session)
    if desk is None:
        raise SignIn()
    return SignedIn(session, desk)


def at_desk(workshop_id: WorkshopId, signed: SignedIn = Depends(signed_in)) -> Session:
    """The admin, or a teacher signed in for the workshop in the address (else a 403 page)."""
    signed.desk.check(workshop_id)
    return signed.session


def admin_desk(signed: SignedIn = Depends(signed_in)) -> Session:
    """The admin only: what reaches beyond one workshop."""
    if not signed.desk.admin:
        raise ApiError(403, "admin_only")
    return signed.session


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
def desk(request: Request, signed: SignedIn = Depends(signed_in)) -> Response:
    """Every workshop for the admin; a teacher goes straight to their workshop's desk."""
    if signed.desk.workshop_id is not None:
        return back_to(f"/moderate/w/{signed.desk.workshop_id}")
    return _desk(request, signed.session)


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
    try:
        with guessing(state, request, "moderator", "not_moderator"):
            cookie, opened = moderation.sign_in(session, form.get("token", "").strip())
    except ApiError as exc:
        return sign_in_page(request, message(request, exc), exc.status)
    response = back_to("/moderate" if opened.admin else f"/moderate/w/{opened.workshop_id}")
    set_cookie(response, request, MODERATOR_COOKIE, cookie)
    return response


@router.post("/workshops")
def new_workshop(
    request: Request, form: dict = Depends(checked_form), session: Session = Depends(admin_desk)
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
    request: Request, workshop_id: WorkshopId, session: Session = Depends(at_desk)
) -> HTMLResponse:
    return _workshop_desk(request, session, workshop_id)


def _workshop_desk(
    request: Request,
    session: Session,
    workshop_id: int,
    error: str = "",
    issued: list[tuple[str, str]] | None = None,
    status: int = 200,
    teacher_issued: tuple[str, str] | None = None,
    pupil_code: tuple[str, str] | None = None,
) -> HTMLResponse:
    seen = moderation.overview(session, workshop_id)
    url = join_url(request, seen.workshop)
    desk = signed_in_desk(request, session)
    admin = desk is not None and desk.admin
    return page(
        request,
        "desk.html",
        status,
        csp=DESK_CSP,
        team_rooms=_team_rooms(request, session, workshop_id),
        workshop=seen.workshop,
        queue=seen.queue,
        seen=",".join(f"{s.uuid}:{s.revision}" for s in seen.queue),
        late=seen.late,
        late_revisions=seen.late_revisions,
        cast=workshops.votes_cast(session, workshop_id),
        admin=admin,
        teachers=moderation.teacher_codes(session, workshop_id) if admin else [],
        teacher_issued=teacher_issued,
        others=seen.others,
        audit=seen.audit,
        participants=seen.participants,
        pupils=participants.participants_overview(session, workshop_id),
        pupil_code=pupil_code,
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


def _team_rooms(
    request: Request, session: Session, workshop_id: int
) -> list[tuple[RoomOut, list[room_desk.LoggedStep]]]:
    """Each team room of the workshop with its newest steps (to roll back to)."""
    hub = request.app.state.server.hub
    return [
        (room_desk.room_out(session, hub, room), room_desk.recent_steps(session, room.id))
        for room in rooms.of_workshop(session, workshop_id)
    ]


@router.get("/w/{workshop_id}/rooms")
def team_rooms(
    request: Request, workshop_id: WorkshopId, session: Session = Depends(at_desk)
) -> HTMLResponse:
    """The desk's team rooms alone, fetched again every few seconds by its script."""
    return page(
        request,
        "desk_rooms.html",
        workshop=workshops.workshop_or_404(session, workshop_id),
        team_rooms=_team_rooms(request, session, workshop_id),
    )


@router.post("/w/{workshop_id}/rooms")
def new_room(
    request: Request,
    workshop_id: WorkshopId,
    form: dict = Depends(checked_form),
    session: Session = Depends(at_desk),
) -> Response:
    """The teacher makes a room for a team; its pupils join it with its code in the editor."""

    def act() -> None:
        try:
            body = RoomIn.model_validate({"title": form.get("title", "").strip()})
        except ValidationError:
            raise ApiError(422, "room_title") from None
        rooms.create(session, workshops.workshop_or_404(session, workshop_id), body.title)

    return _acted(request, session, workshop_id, act, "#rooms")


async def _room_acted(
    request: Request,
    signed: SignedIn,
    workshop_id: int,
    code: str,
    action: Callable[[Room], Awaitable[None]],
) -> Response:
    """A teacher's action on one of this workshop's rooms (services/room_desk.py, as the API's);
    back to the desk's rooms, or the desk with the refusal."""
    session = signed.session
    try:
        await action(room_desk.teachers_room(session, signed.desk, code, workshop_id))
    except ApiError as exc:
        return _workshop_desk(
            request, session, workshop_id, message(request, exc), status=exc.status
        )
    return back_to(f"/moderate/w/{workshop_id}#rooms")


@router.post("/w/{workshop_id}/rooms/{code}/lock")
async def lock_room(
    request: Request,
    workshop_id: WorkshopId,
    code: str,
    form: dict = Depends(checked_form),
    signed: SignedIn = Depends(signed_in),
) -> Response:
    hub = request.app.state.server.hub
    locked = form.get("locked") == "yes"
    return await _room_acted(
        request,
        signed,
        workshop_id,
        code,
        lambda room: room_desk.lock(signed.session, hub, room, locked),
    )


@router.post("/w/{workshop_id}/rooms/{code}/members/{participant_id}/remove")
async def remove_from_room(
    request: Request,
    workshop_id: WorkshopId,
    code: str,
    participant_id: ParticipantId,
    _form: dict = Depends(checked_form),
    signed: SignedIn = Depends(signed_in),
) -> Response:
    hub = request.app.state.server.hub
    return await _room_acted(
        request,
        signed,
        workshop_id,
        code,
        lambda room: room_desk.remove(signed.session, hub, room, participant_id),
    )


@router.post("/w/{workshop_id}/rooms/{code}/rollback")
async def roll_back_room(
    request: Request,
    workshop_id: WorkshopId,
    code: str,
    form: dict = Depends(checked_form),
    signed: SignedIn = Depends(signed_in),
) -> Response:
    """Back to the step the teacher picked from the room's recent log."""
    hub = request.app.state.server.hub
    to = form_number(form.get("to", ""))
    if to is None:
        return back_to(f"/moderate/w/{workshop_id}#rooms")
    return await _room_acted(
        request,
        signed,
        workshop_id,
        code,
        lambda room: room_desk.roll_back(signed.session, hub, room, to),
    )


@router.get("/w/{workshop_id}/projector")
def projector(
    request: Request, workshop_id: WorkshopId, session: Session = Depends(at_desk)
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


@router.get("/w/{workshop_id}/phase")
def confirm_phase(
    request: Request, workshop_id: WorkshopId, phase: str = "", session: Session = Depends(at_desk)
) -> Response:
    """The confirmation before a phase change: what it means, and whether it can be undone."""
    workshop = workshops.workshop_or_404(session, workshop_id)
    if phase not in workshops.PHASES or phase == workshop.phase:
        return back_to(f"/moderate/w/{workshop_id}")
    return _confirm_page(request, session, workshop, phase)


def _confirm_page(
    request: Request, session: Session, workshop: Workshop, phase: str
) -> HTMLResponse:
    back = workshops.PHASES.index(phase) < workshops.PHASES.index(workshop.phase)
    return page(
        request,
        "confirm_phase.html",
        workshop=workshop,
        phase=phase,
        step=f"{workshop.phase}_{phase}",
        back=back,
        cast=workshops.votes_cast(session, workshop.id),
    )


@router.post("/w/{workshop_id}/phase")
def change_phase(
    request: Request,
    workshop_id: WorkshopId,
    form: dict = Depends(checked_form),
    session: Session = Depends(at_desk),
) -> Response:
    """A phase change, once confirmed: without `confirmed` the confirmation page is shown
    first (a form sent from an old desk page, or by hand, never changes the phase unasked)."""
    phase = form.get("phase", "")
    workshop = workshops.workshop_or_404(session, workshop_id)
    if phase not in workshops.PHASES or phase == workshop.phase:
        return back_to(f"/moderate/w/{workshop_id}")
    if form.get("confirmed") != "yes":
        return _confirm_page(request, session, workshop, phase)
    return _changed(request, session, workshop_id, {"phase": phase}, "#phase-heading")


@router.post("/w/{workshop_id}/joining")
def change_joining(
    request: Request,
    workshop_id: WorkshopId,
    form: dict = Depends(checked_form),
    session: Session = Depends(at_desk),
) -> Response:
    """The joining form: when joining ends, the most participants."""
    return _changed(request, session, workshop_id, _joining_fields(form), "#joining")


def _changed(
    request: Request, session: Session, workshop_id: int, fields: dict[str, object], anchor: str
) -> Response:
    """A desk form's change of the workshop, checked by the API's own schema and service."""

    def act() -> None:
        body = WorkshopChange.model_validate(fields)
        workshops.change_workshop(session, workshop_id, body)

    return _acted(request, session, workshop_id, act, anchor)


@router.post("/w/{workshop_id}/approve-all")
def approve_all(
    request: Request,
    workshop_id: WorkshopId,
    form: dict = Depends(checked_form),
    session: Session = Depends(at_desk),
) -> Response:
    """ "Approve all waiting": the designs listed on the page the moderator saw (`seen`:
    uuid:revision, comma-separated), none that arrived since."""
    seen = []
    for item in form.get("seen", "").split(","):
        uuid, _, revision = item.strip().partition(":")
        number = form_number(revision)
        if uuid and number:
            seen.append(SeenDesign(uuid=uuid[:36], revision=number))

    def act() -> None:
        moderation.approve_all(session, workshop_id, seen)

    return _acted(request, session, workshop_id, act, "#queue")


@router.post("/s/{uuid}")
def moderate(
    request: Request,
    uuid: str,
    form: dict = Depends(checked_form),
    signed: SignedIn = Depends(signed_in),
) -> Response:
    session = signed.session
    found = visible(session, uuid, as_moderator=True)
    signed.desk.check(found.workshop_id)

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
    session: Session = Depends(at_desk),
) -> HTMLResponse:
    count = form_number(form.get("count", "")) or 0
    try:
        issued = jury.issue_jury_codes(session, workshop_id, count)
    except ApiError as exc:
        return _workshop_desk(
            request, session, workshop_id, message(request, exc), status=exc.status
        )
    return _workshop_desk(request, session, workshop_id, issued=issued)


@router.post("/w/{workshop_id}/teachers")
def teacher_code(
    request: Request,
    workshop_id: WorkshopId,
    _form: dict = Depends(checked_form),
    session: Session = Depends(admin_desk),
) -> HTMLResponse:
    """A new teacher code for this workshop (admin only), shown once on the desk."""
    label = text(language(request), "web.desk.teacher_label")
    issued = moderation.issue_teacher_code(session, workshop_id, label)
    return _workshop_desk(request, session, workshop_id, teacher_issued=issued)


@router.post("/w/{workshop_id}/teachers/{code_id}/revoke")
def revoke_teacher_code(
    request: Request,
    workshop_id: WorkshopId,
    code_id: WorkshopId,
    _form: dict = Depends(checked_form),
    session: Session = Depends(admin_desk),
) -> Response:
    def act() -> None:
        moderation.revoke_teacher_code(session, workshop_id, code_id)

    return _acted(request, session, workshop_id, act, "#teachers-heading")


def _pupil(session: Session, workshop_id: int, participant_id: int) -> Participant:
    """A pupil of this workshop: a desk for one workshop must not reach another's pupils."""
    found = participants.participant_or_404(session, participant_id)
    if found.workshop_id != workshop_id:
        raise ApiError(404, "no_participant")
    return found


@router.post("/w/{workshop_id}/pupils/{participant_id}/reset")
def reset_pupil(
    request: Request,
    workshop_id: WorkshopId,
    participant_id: ParticipantId,
    _form: dict = Depends(checked_form),
    session: Session = Depends(at_desk),
) -> HTMLResponse:
    """Signs the pupil out on every device; their new personal code is shown this once."""
    try:
        pupil = _pupil(session, workshop_id, participant_id)
        code = participants.reset_sign_in(session, pupil.id)
    except ApiError as exc:
        return _workshop_desk(
            request, session, workshop_id, message(request, exc), status=exc.status
        )
    return _workshop_desk(request, session, workshop_id, pupil_code=(pupil.pseudonym, code))


@router.post("/w/{workshop_id}/pupils/{participant_id}/rename")
def rename_pupil(
    request: Request,
    workshop_id: WorkshopId,
    participant_id: ParticipantId,
    form: dict = Depends(checked_form),
    session: Session = Depends(at_desk),
) -> Response:
    def act() -> None:
        pupil = _pupil(session, workshop_id, participant_id)
        participants.rename(session, pupil.id, form.get("pseudonym", "").strip()[:64])

    return _acted(request, session, workshop_id, act, "#pupils")


@router.post("/w/{workshop_id}/pupils/{participant_id}/remove")
def remove_pupil(
    request: Request,
    workshop_id: WorkshopId,
    participant_id: ParticipantId,
    form: dict = Depends(checked_form),
    session: Session = Depends(at_desk),
) -> Response:
    """Only with the box ticked ("their votes are taken back"): a click alone removes nobody."""

    def act() -> None:
        if form.get("confirm") != "yes":
            raise ApiError(422, "confirm_remove")
        participants.remove(session, _pupil(session, workshop_id, participant_id).id)

    return _acted(request, session, workshop_id, act, "#pupils")


def redirect_to_sign_in(request: Request, exc: Exception) -> Response:
    """Any desk page without a (still active) session shows the sign-in form."""
    if request.method != "GET":
        return RedirectResponse("/moderate", status_code=303)
    return sign_in_page(request)
