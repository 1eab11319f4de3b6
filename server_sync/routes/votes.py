"""Votes: only in the voting phase, one per submission, N per participant, held by the database.

A vote takes the lowest free slot of the participant; if two requests race for the same slot,
the unique key refuses one and it tries the next slot, until none is left.
"""

from fastapi import APIRouter, Depends
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_sync.deps import db, participant
from server_sync.errors import ApiError
from server_sync.models import Participant, Submission, Vote, Workshop
from server_sync.schemas import VotesOut

router = APIRouter()


def _votes_left(session: Session, person: Participant, workshop: Workshop) -> int:
    used = session.scalar(select(func.count()).select_from(Vote).where(Vote.participant_id == person.id))
    return workshop.votes_per_participant - used


def _target(session: Session, uuid: str, person: Participant) -> tuple[Submission, Workshop]:
    submission = session.get(Submission, uuid)
    if submission is None or submission.status != "approved" or submission.workshop_id != person.workshop_id:
        raise ApiError(404, "no_submission")
    workshop = session.get(Workshop, person.workshop_id)
    if workshop.phase != "voting":
        raise ApiError(409, "not_voting")
    return submission, workshop


@router.put("/submissions/{uuid}/vote", response_model=VotesOut)
def vote(uuid: str, person: Participant = Depends(participant), session: Session = Depends(db)) -> VotesOut:
    submission, workshop = _target(session, uuid, person)
    if submission.participant_id == person.id:
        raise ApiError(403, "own_design")
    for _ in range(workshop.votes_per_participant + 5):
        if session.get(Vote, (person.id, uuid)):
            return VotesOut(votes_left=_votes_left(session, person, workshop))
        taken = set(session.scalars(select(Vote.slot).where(Vote.participant_id == person.id)))
        free = [n for n in range(1, workshop.votes_per_participant + 1) if n not in taken]
        if not free:
            raise ApiError(409, "no_votes_left", votes=workshop.votes_per_participant)
        session.add(Vote(participant_id=person.id, submission_uuid=uuid, workshop_id=workshop.id, slot=free[0]))
        try:
            session.commit()
            return VotesOut(votes_left=_votes_left(session, person, workshop))
        except IntegrityError:
            session.rollback()  # another request of this participant took the slot: look again
    raise ApiError(409, "busy")


@router.delete("/submissions/{uuid}/vote", response_model=VotesOut)
def withdraw(uuid: str, person: Participant = Depends(participant), session: Session = Depends(db)) -> VotesOut:
    _, workshop = _target(session, uuid, person)
    session.execute(delete(Vote).where(Vote.participant_id == person.id, Vote.submission_uuid == uuid))
    session.commit()
    return VotesOut(votes_left=_votes_left(session, person, workshop))
