"""What every route and page needs: the server's state, a database session, the caller
(moderator or participant, read from the request), rate limits.

Dependencies that never block are `async`, so FastAPI does not hand them to its thread pool.
"""

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi import Path as InPath
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server_sync.cookies import MODERATOR_COOKIE
from server_sync.errors import ApiError
from server_sync.models import Participant, Submission
from server_sync.schemas import MAX_ID, has_control_characters
from server_sync.security import RateLimiter, token_hash
from server_sync.services.moderation import Desk, desk_of, session_desk
from server_sync.services.participants import participant_with_token, with_token
from server_sync.services.room_hub import Hub
from server_sync.services.submissions import Limits
from server_sync.services.votes import Ballots
from server_sync.services.workers import Workers
from server_sync.settings import Settings

GUESSES_PER_WINDOW = 10  # wrong moderator tokens (or personal codes) from one address …
GUESS_WINDOW = 300.0  # … per five minutes; then that address waits

#: A workshop id in an address: checked against what the database holds before any query.
WorkshopId = Annotated[int, InPath(ge=1, le=MAX_ID)]


@dataclass
class ServerState:
    """What one server process holds while it runs (`app.state.server`)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    token_limit: RateLimiter
    address_limit: RateLimiter
    # The votes' own connections (services/votes.py), opened and closed with the app's
    # lifespan. SQLite: one used on the event loop, never the pool of the other routes
    # (waiting there would block the loop that must free it); PostgreSQL: an async pool.
    ballots: Ballots
    # Wrong secrets per client address and kind (moderator tokens, personal codes; sign-in
    # pages and API alike): a lockout that guessing from one machine cannot get round by
    # changing what it guesses. See `guessing`.
    guess_limit: RateLimiter = field(
        default_factory=lambda: RateLimiter(GUESSES_PER_WINDOW, window=GUESS_WINDOW)
    )
    # The worker pool for CPU work, made and shut down with the app's lifespan (app.py).
    pool: Workers | None = None
    # The team rooms with members connected to this process (services/room_hub.py).
    room_hub: Hub | None = None

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def workers(self) -> Workers:
        if self.pool is None:
            raise RuntimeError("the app's lifespan has not started: no worker pool")
        return self.pool

    @property
    def hub(self) -> Hub:
        if self.room_hub is None:
            raise RuntimeError("the app's lifespan has not started: no rooms")
        return self.room_hub

    @property
    def limits(self) -> Limits:
        settings = self.settings
        return Limits(settings.revisions_per_minute, settings.participant_bytes)


async def server(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


class Lean(APIRoute):
    """A route FastAPI only describes (in the OpenAPI schema, from its declaration): its
    endpoint is called with the request and the path's parameters as they are, and returns a
    Response, without FastAPI's dependency solving and response validation, which cost more
    than the busiest calls' own work (issue 15: votes, /healthz). The app-wide check of the
    URL (`plain_address`) runs here; anything else the endpoint does itself."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            await plain_address(request)
            response: Response = await endpoint(request, **request.path_params)
            return response

        return handler


async def plain_address(request: Request) -> None:
    """No control character in the path or the query, for every route: a NUL sent on to a
    PostgreSQL query broke the connection with a 500."""
    query = request.query_params.multi_items()
    if has_control_characters(request.scope["path"]) or any(
        has_control_characters(key + value) for key, value in query
    ):
        raise ApiError(422, "control_characters", field="URL")


def db(state: ServerState = Depends(server)) -> Iterator[Session]:
    with state.sessions() as session:
        yield session


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def refuse_waiting(wait: float) -> None:
    """The 429 (with Retry-After, see app.py) when a limiter says to wait `wait` seconds."""
    if wait:
        raise ApiError(429, "rate_limited", seconds=int(wait) + 1)


async def address_limited(request: Request, state: ServerState = Depends(server)) -> None:
    """Per client address whatever the request carries: for what nobody is signed in to do
    (joining), where a made-up `Authorization` header must not open a fresh allowance."""
    refuse_waiting(state.address_limit.check(client_address(request)))


async def rate_limited(request: Request, state: ServerState = Depends(server)) -> None:
    """Per client address for every request, and per token as well when there is one (held
    in memory only). The address always counts: a made-up token per request must not open a
    fresh allowance for reading, and one pupil's token cannot spend a class's."""
    token = bearer(request)
    count_request(state, request, token_hash(token) if token else None)


def count_request(state: ServerState, request: Request, hashed_token: str | None) -> None:
    """`rate_limited` for a caller whose token is already hashed (the votes' lean route)."""
    wait = state.address_limit.check(client_address(request))
    if hashed_token and not wait:
        wait = state.token_limit.check(hashed_token)
    refuse_waiting(wait)


def caller_desk(request: Request, session: Session) -> Desk | None:
    """The desk the request opens: the moderator token or a teacher code in the header, or
    (only to read) a signed-in browser."""
    token = bearer(request)
    if token:
        return desk_of(session, token)
    return signed_in_desk(request, session) if request.method in ("GET", "HEAD") else None


def is_moderator(request: Request, session: Session, workshop_id: int) -> bool:
    """Whether the request may see what only the moderators of this workshop see."""
    desk = caller_desk(request, session)
    return desk is not None and desk.may(workshop_id)


@contextmanager
def guessing(
    state: ServerState,
    request: Request,
    kind: str,
    wrong: str,
    counts: Callable[[], bool] = lambda: True,
) -> Iterator[None]:
    """Around checking a secret the client sent: refused at once (429) while its address is
    locked out for `kind`, and a refusal with code `wrong` counts as one wrong guess (unless
    `counts`, asked only then, says it was no guess).

    The moderator token's lockout is keyed by the bare address, other kinds by kind and
    address: a pupil's typos never lock the teacher out on the same computer."""
    key = client_address(request) if kind == "moderator" else f"{kind} {client_address(request)}"
    refuse_waiting(state.guess_limit.waiting(key))
    try:
        yield
    except ApiError as exc:
        if exc.code == wrong and counts():
            state.guess_limit.check(key)
        raise


def moderates_submission(request: Request, session: Session, uuid: str) -> bool:
    found = session.get(Submission, uuid)
    return found is not None and is_moderator(request, session, found.workshop_id)


def signed_in_desk(request: Request, session: Session) -> Desk | None:
    return session_desk(session, request.cookies.get(MODERATOR_COOKIE))


def moderator_desk(
    request: Request,
    session: Session = Depends(db),
    state: ServerState = Depends(server),
    _=Depends(rate_limited),
) -> Desk:
    """The desk of a caller who may change things: the token or a teacher code, else a 401. A
    wrong token counts as a guess against the client's address (a lockout follows), but a
    pupil's own valid token sent to a moderator route is a mistake, not a guess: counting it
    would lock out a whole class behind one school address, the teacher included."""
    token = bearer(request)

    def guessed() -> bool:
        return bool(token) and with_token(session, Participant, token) is None

    with guessing(state, request, "moderator", "not_moderator", guessed):
        desk = desk_of(session, token) if token else None
        if desk is None:
            raise ApiError(401, "not_moderator")
    return desk


def moderator(desk: Desk = Depends(moderator_desk)) -> None:
    """The admin only (the server-wide token): what reaches beyond one workshop."""
    if not desk.admin:
        raise ApiError(403, "admin_only")


def workshop_moderator(workshop_id: WorkshopId, desk: Desk = Depends(moderator_desk)) -> None:
    """The admin, or a teacher of the workshop in the address."""
    desk.check(workshop_id)


#: A participant id in an address: the same range check as a workshop's.
ParticipantId = WorkshopId


def participant_moderator(
    participant_id: ParticipantId,
    desk: Desk = Depends(moderator_desk),
    session: Session = Depends(db),
) -> None:
    """The admin, or a teacher of the workshop the pupil in the address belongs to: a teacher
    code must not reset, rename or remove another class's pupils."""
    found = session.get(Participant, participant_id)
    if found is None:
        raise ApiError(404, "no_participant")
    desk.check(found.workshop_id)


def participant(
    request: Request, session: Session = Depends(db), _=Depends(rate_limited)
) -> Participant:
    """The participant whose token the request carries, or a 401."""
    return participant_with_token(session, bearer(request))
