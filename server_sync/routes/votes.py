"""Votes: cast and withdrawn by a participant (the rules and their speed: services/votes.py)."""

from fastapi import APIRouter, Depends, Request

from server_sync.deps import ServerState, bearer, rate_limited, server
from server_sync.schemas import VotesOut
from server_sync.services import votes

router = APIRouter()


@router.put(
    "/submissions/{uuid}/vote", response_model=VotesOut, dependencies=[Depends(rate_limited)]
)
async def put_vote(uuid: str, request: Request, state: ServerState = Depends(server)) -> VotesOut:
    return await votes.run_vote(state.engine, state.loop_engine, votes.vote, bearer(request), uuid)


@router.delete(
    "/submissions/{uuid}/vote", response_model=VotesOut, dependencies=[Depends(rate_limited)]
)
async def delete_vote(
    uuid: str, request: Request, state: ServerState = Depends(server)
) -> VotesOut:
    return await votes.run_vote(
        state.engine, state.loop_engine, votes.withdraw, bearer(request), uuid
    )
