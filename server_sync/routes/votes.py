"""Votes: only in the voting phase, one per submission, N per participant, held by the database.

A vote takes the lowest free slot of the participant; if two requests race for the same slot,
the unique key refuses one and it tries the next slot, until none is left.

The busiest endpoints of a workshop: they are `async` and do all their database work, the
token check included, in one thread-pool call (each synchronous dependency would cost a
thread hop of its own, three times the work of the vote itself).
"""

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_sync.deps import Services, participant_of, rate_limited, services
from server_sync.errors import ApiError
from server_sync.models import Participant, Submission, Vote, Workshop
from server_sync.schemas import VotesOut

router = APIRouter()


def _target(session: Session, uuid: str, person: Participant) -> tuple[Submission, Workshop]:
    found = session.execute(
        select(Submission, Workshop).join(Workshop, Workshop.id == Submission.workshop_id)
        .where(Submission.uuid == uuid)).first()
    if found is None or found[0].status != "approved" or found[0].workshop_id != person.workshop_id:
        raise ApiError(404, "no_submission")
    if found[1].phase != "voting":
        raise ApiError(409, "not_voting")
    return found[0], found[1]


def _my_votes(session: Session, person: Participant) -> dict[str, int]:
    """The participant's votes: submission → slot."""
    return dict(session.execute(select(Vote.submission_uuid, Vote.slot).where(Vote.participant_id == person.id)).all())


@router.put("/submissions/{uuid}/vote", response_model=VotesOut, dependencies=[Depends(rate_limited)])
async def put_vote(uuid: str, request: Request, svc: Services = Depends(services)) -> VotesOut:
    return await run_in_threadpool(_in_session, svc, request, vote, uuid)


@router.delete("/submissions/{uuid}/vote", response_model=VotesOut, dependencies=[Depends(rate_limited)])
async def delete_vote(uuid: str, request: Request, svc: Services = Depends(services)) -> VotesOut:
    return await run_in_threadpool(_in_session, svc, request, withdraw, uuid)


def _in_session(svc: Services, request: Request, action, uuid: str) -> VotesOut:
    with svc.sessions() as session:
        return action(uuid, participant_of(request, session), session)


def vote(uuid: str, person: Participant, session: Session) -> VotesOut:
    submission, workshop = _target(session, uuid, person)
    if submission.participant_id == person.id:
        raise ApiError(403, "own_design")
    limit = workshop.votes_per_participant
    for _ in range(limit + 5):
        mine = _my_votes(session, person)
        if uuid in mine:
            return VotesOut(votes_left=limit - len(mine))
        free = sorted(set(range(1, limit + 1)) - set(mine.values()))
        if not free:
            raise ApiError(409, "no_votes_left", votes=limit)
        session.add(Vote(participant_id=person.id, submission_uuid=uuid, workshop_id=workshop.id, slot=free[0]))
        try:
            session.commit()
            return VotesOut(votes_left=limit - len(mine) - 1)
        except IntegrityError:
            session.rollback()  # another request of this participant took the slot: look again
    raise ApiError(409, "busy")


def withdraw(uuid: str, person: Participant, session: Session) -> VotesOut:
    _, workshop = _target(session, uuid, person)
    session.execute(delete(Vote).where(Vote.participant_id == person.id, Vote.submission_uuid == uuid))
    session.commit()
    return VotesOut(votes_left=workshop.votes_per_participant - len(_my_votes(session, person)))
