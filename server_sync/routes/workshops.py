"""Workshops: created by the moderator, joined by participants with a code, moved through phases."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from server_sync.deps import (
    WorkshopId,
    address_limited,
    bearer,
    db,
    is_moderator,
    moderator,
    rate_limited,
    workshop_moderator,
)
from server_sync.models import Participant
from server_sync.schemas import (
    ApproveAllIn,
    ApprovedOut,
    JoinIn,
    JoinOut,
    ResultOut,
    WorkshopChange,
    WorkshopIn,
    WorkshopOut,
)
from server_sync.services import moderation, participants, ranking, workshops

router = APIRouter()


@router.post(
    "/workshops", status_code=201, response_model=WorkshopOut, dependencies=[Depends(moderator)]
)
def create_workshop(body: WorkshopIn, session: Session = Depends(db)) -> WorkshopOut:
    return WorkshopOut.of(workshops.create_workshop(session, body))


@router.get(
    "/workshops/{workshop_id}", response_model=WorkshopOut, dependencies=[Depends(rate_limited)]
)
def get_workshop(
    workshop_id: WorkshopId, request: Request, session: Session = Depends(db)
) -> WorkshopOut:
    """The join code only for the workshop's own participants and the moderator: walking the
    ids must not hand out codes to join someone else's class."""
    workshop = workshops.workshop_or_404(session, workshop_id)
    shown = WorkshopOut.of(workshop)
    if is_moderator(request, session, workshop_id):
        return shown
    member = participants.member_of(session, Participant, bearer(request), workshop)
    return shown if member is not None else shown.model_copy(update={"code": ""})


@router.patch(
    "/workshops/{workshop_id}",
    response_model=WorkshopOut,
    dependencies=[Depends(workshop_moderator)],
)
def change_workshop(
    workshop_id: WorkshopId, body: WorkshopChange, session: Session = Depends(db)
) -> WorkshopOut:
    """The phase (back only where still fair, see `workshops.change_workshop`), when joining
    ends, and the most participants."""
    return WorkshopOut.of(workshops.change_workshop(session, workshop_id, body))


@router.post(
    "/workshops/{workshop_id}/approve-all",
    response_model=ApprovedOut,
    dependencies=[Depends(workshop_moderator)],
)
def approve_all(
    workshop_id: WorkshopId, body: ApproveAllIn, session: Session = Depends(db)
) -> ApprovedOut:
    """Approve the waiting designs the moderator saw (uuid and revision each)."""
    return ApprovedOut(approved=moderation.approve_all(session, workshop_id, body.designs))


@router.post(
    "/join", status_code=201, response_model=JoinOut, dependencies=[Depends(address_limited)]
)
def join(body: JoinIn, session: Session = Depends(db)) -> JoinOut:
    """A new participant, with this device's token and their personal code (both shown once)."""
    joined = participants.join(session, body)
    return JoinOut.of(joined.participant, joined.token, joined.workshop, joined.personal_code)


@router.get(
    "/workshops/{workshop_id}/results",
    response_model=list[ResultOut],
    dependencies=[Depends(rate_limited)],
)
def results(
    workshop_id: WorkshopId, request: Request, session: Session = Depends(db)
) -> list[ResultOut]:
    """Votes and jury stars per approved submission; who voted for what is never part of any answer."""
    return ranking.results(session, workshop_id, is_moderator(request, session, workshop_id))
