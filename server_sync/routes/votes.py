"""Votes: cast and withdrawn by a participant (the rules and their speed: services/votes.py).

The busiest route, so FastAPI only describes it (`deps.Lean`: no dependency solving, no
response validation; issue 15); the rate limits per address and token, which a dependency
counts for the other routes, are counted in `_answer`.
"""

from fastapi import APIRouter, Request, Response

from server_sync.deps import Lean, ServerState, bearer, count_request
from server_sync.schemas import VotesOut
from server_sync.security import token_hash
from server_sync.services import votes

router = APIRouter(route_class=Lean)


async def _answer(request: Request, action: votes.Action, uuid: str) -> Response:
    state: ServerState = request.app.state.server
    token = bearer(request)
    hashed = token_hash(token) if token else None
    count_request(state, request, hashed)
    left = await votes.run_vote(state.ballots, action, hashed, uuid)
    return Response(b'{"votes_left":%d}' % left, media_type="application/json")


@router.put("/submissions/{uuid}/vote", response_model=VotesOut)
async def put_vote(request: Request, uuid: str) -> Response:
    return await _answer(request, votes.vote, uuid)


@router.delete("/submissions/{uuid}/vote", response_model=VotesOut)
async def delete_vote(request: Request, uuid: str) -> Response:
    return await _answer(request, votes.withdraw, uuid)
