"""Votes: cast and withdrawn by a participant (the rules and their speed: services/votes.py).

The busiest route, so FastAPI only describes it: a `Lean` route keeps its declaration for the
OpenAPI schema but calls the endpoint with the request and the path's parameters as they are,
without FastAPI's dependency solving and response validation (issue 15). What dependencies
do for the other routes is done by hand: the app-wide check of the URL (`plain_address`) in
`Lean`, the rate limits per address and token in `_answer`.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from server_sync.deps import ServerState, bearer, count_request, plain_address
from server_sync.schemas import VotesOut
from server_sync.security import token_hash
from server_sync.services import votes


class Lean(APIRoute):
    """An API route whose endpoint takes `(request, **path_params)` and returns a Response."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            await plain_address(request)
            response: Response = await endpoint(request, **request.path_params)
            return response

        return handler


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
