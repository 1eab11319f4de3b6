"""Participants: who am I, a personal code to sign more devices in, signing a device in, and
the moderator's class list with reset, rename and remove (the rules: services/participants.py)."""

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from server_sync.deps import (
    ParticipantId,
    ServerState,
    WorkshopId,
    address_limited,
    db,
    guessing,
    participant,
    participant_moderator,
    server,
    workshop_moderator,
)
from server_sync.models import Participant
from server_sync.schemas import (
    JoinOut,
    MeOut,
    ParticipantOut,
    PersonalCodeOut,
    PseudonymIn,
    SignInIn,
    WorkshopOut,
)
from server_sync.services import participants
from server_sync.services.participants import ParticipantRow
from server_sync.services.workshops import workshop_or_404

router = APIRouter()


@router.get("/me", response_model=MeOut)
def me(person: Participant = Depends(participant), session: Session = Depends(db)) -> MeOut:
    return MeOut(
        participant_id=person.id,
        pseudonym=person.pseudonym,
        workshop=WorkshopOut.of(workshop_or_404(session, person.workshop_id)),
    )


@router.post("/me/personal-code", response_model=PersonalCodeOut)
def new_personal_code(
    person: Participant = Depends(participant), session: Session = Depends(db)
) -> PersonalCodeOut:
    """A new personal code (the old one stops working), for a pupil who joined before codes
    existed or lost theirs."""
    return PersonalCodeOut(personal_code=participants.new_personal_code(session, person))


@router.post("/sign-in", response_model=JoinOut, dependencies=[Depends(address_limited)])
def sign_in(
    body: SignInIn,
    request: Request,
    session: Session = Depends(db),
    state: ServerState = Depends(server),
) -> JoinOut:
    """A new device token for the participant with this personal code; wrong codes count
    against the client's address like wrong moderator tokens."""
    with guessing(state, request, "personal_code", "wrong_personal_code"):
        joined = participants.sign_in(session, body.personal_code)
    return JoinOut.of(joined.participant, joined.token, joined.workshop, None)


def _out(row: ParticipantRow) -> ParticipantOut:
    return ParticipantOut(
        id=row.id,
        pseudonym=row.pseudonym,
        joined=row.joined,
        last_seen=row.last_seen,
        designs=row.designs,
        status=row.status,
    )


@router.get(
    "/workshops/{workshop_id}/participants",
    response_model=list[ParticipantOut],
    dependencies=[Depends(workshop_moderator)],
)
def class_list(workshop_id: WorkshopId, session: Session = Depends(db)) -> list[ParticipantOut]:
    return [_out(row) for row in participants.participants_overview(session, workshop_id)]


@router.post(
    "/participants/{participant_id}/reset",
    response_model=PersonalCodeOut,
    dependencies=[Depends(participant_moderator)],
)
def reset(participant_id: ParticipantId, session: Session = Depends(db)) -> PersonalCodeOut:
    """Signs all the pupil's devices out; the new personal code is shown this once."""
    return PersonalCodeOut(personal_code=participants.reset_sign_in(session, participant_id))


@router.patch(
    "/participants/{participant_id}",
    response_model=ParticipantOut,
    dependencies=[Depends(participant_moderator)],
)
def rename(
    participant_id: ParticipantId, body: PseudonymIn, session: Session = Depends(db)
) -> ParticipantOut:
    person = participants.rename(session, participant_id, body.pseudonym)
    rows = participants.participants_overview(session, person.workshop_id)
    return next(_out(row) for row in rows if row.id == person.id)


@router.delete(
    "/participants/{participant_id}", status_code=204, dependencies=[Depends(participant_moderator)]
)
def remove(participant_id: ParticipantId, session: Session = Depends(db)) -> Response:
    """Their votes go; their designs stay, hidden from the gallery."""
    participants.remove(session, participant_id)
    return Response(status_code=204)
