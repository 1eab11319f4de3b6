"""The collection server as an ASGI app: routes under /api/v1, JSON errors, limits and headers."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.routing import Match, WebSocketRoute

from game import __version__
from game.core.errors import QuartierError
from game.core.i18n import text
from server_sync.db import make_engine, migrate, open_pool, session_factory
from server_sync.deps import Lean, ServerState, plain_address
from server_sync.errors import ApiError, error_response, language, store_failure
from server_sync.pages import compare, export, gallery, jury, moderate, sign_in, sign_out
from server_sync.routes import participants, rooms, submissions, votes, workshops
from server_sync.schemas import ERROR_RESPONSES, ControlCharacters
from server_sync.security import BodyLimit, RateLimiter, SecurityHeaders
from server_sync.services.moderation import ensure_moderator_token
from server_sync.services.room_hub import Hub
from server_sync.services.votes import ballots
from server_sync.services.workers import Workers
from server_sync.settings import Settings
from server_sync.web import HERE, compile_templates, message, page, switch_language

log = logging.getLogger("quartier.server")


def is_page(request: Request) -> bool:
    """A browser page (answered in HTML), not the JSON API."""
    return not request.url.path.startswith(("/api/", "/healthz"))


#: The methods a route of this server can have (what a 405's `Allow` header may list).
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """The `Allow` header of a 405 (RFC 9110): every method the path has a route for, asked
    of the router itself. Starlette named only the first route whose path matched, and FastAPI
    makes one route per method (GET and PATCH /api/v1/workshops/{id} are two)."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


def create_app(settings: Settings) -> tuple[FastAPI, str | None]:
    """The app and, on first start, the new moderator token (to be shown once)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db_url = settings.database_url
    engine = make_engine(db_url)
    migrate(engine)
    sessions = session_factory(engine)
    token = settings.moderator_token
    made = ensure_moderator_token(sessions, token.get_secret_value() if token else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """The worker pool lives as long as the server runs; at the end its jobs finish."""
        state: ServerState = app.state.server
        state.pool = Workers(settings.cpu_workers, settings.cpu_queue, settings.cpu_pool)
        state.room_hub = Hub(sessions)
        await state.ballots.open()
        try:
            yield
        finally:
            await state.hub.close()
            state.room_hub = None
            await state.ballots.close()
            state.pool.shutdown()
            state.pool = None

    app = FastAPI(
        lifespan=lifespan,
        title="Quartier collection server",
        version=__version__,
        description="Workshops, submissions, votes and moderation. See docs/api.md.",
        # Swagger UI and ReDoc load their scripts from a CDN, which the Content-Security-Policy
        # blocks (and a workshop may be offline): they would be blank pages. The schema stays.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(plain_address)],
    )
    app.state.server = ServerState(
        settings,
        engine,
        sessions,
        RateLimiter(settings.rate_limit),
        RateLimiter(settings.rate_limit * 10),
        ballots(db_url, make_engine),
    )

    # First of all routes, so that a health check costs no route matching (issue 15: 31 % of
    # its time went to the routes before it); then the votes, the busiest calls of a workshop.
    async def healthz(request: Request) -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    app.router.add_api_route(
        "/healthz", healthz, response_model=dict[str, bool], route_class_override=Lean
    )

    for router in (
        votes.router,
        workshops.router,
        participants.router,
        submissions.router,
        rooms.router,
    ):
        app.include_router(router, prefix="/api/v1", responses=ERROR_RESPONSES)
    app.router.routes.append(WebSocketRoute("/api/v1/rooms/{code}/ws", rooms.room_socket))
    for router in (
        gallery.router,
        sign_in.router,
        jury.router,
        moderate.router,
        compare.router,
        export.router,
        sign_out.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_api_route("/lang/{lang}", switch_language, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(moderate.SignIn, moderate.redirect_to_sign_in)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if is_page(request):
            return page(request, "error.html", exc.status, error=message(request, exc))
        # Every refusal that says how long to wait (429, the busy 503) says it in Retry-After too.
        wait = exc.params.get("seconds")
        headers = {"retry-after": str(wait)} if wait is not None else None
        return error_response(request, exc.status, exc.code, headers=headers, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": ""}
        field = ".".join(str(p) for p in first["loc"][1:]) or "body"
        ctx = first.get("ctx")
        if isinstance(ctx, dict) and isinstance(ctx.get("error"), ControlCharacters):
            refused = ApiError(422, "control_characters", field=field)
        else:
            refused = ApiError(422, "invalid_request", field=field, problem=first["msg"])
        return await api_error(request, refused)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        # Starlette's own `Allow` names one route of the path: replaced by all of them.
        if exc.status_code == 405:
            headers = {"allow": allowed_methods(request)}
        else:
            headers = dict(exc.headers or {})
        if is_page(request):
            response = page(
                request,
                "error.html",
                exc.status_code,
                error=text(language(request), "server.not_found"),
            )
            response.headers.update(headers)
            return response
        code = "not_found" if exc.status_code == 404 else "http_error"
        return error_response(request, exc.status_code, code, headers=headers)

    async def store_error(request: Request, exc: Exception) -> Response:
        """A full disk or a store that cannot be written: the moderator can fix it, so the
        visitor gets a clear 507/503 and the log names the cause (no traceback)."""
        refused = store_failure(exc)
        if refused is None:
            return await unexpected(request, exc)
        log.error("the data store refused a write (%s): %s", refused.code, exc)
        return await api_error(request, refused)

    # Handled here, not by the catch-all below, which Starlette re-raises after answering.
    for kind in (DBAPIError, OSError, QuartierError):
        app.add_exception_handler(kind, store_error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(request, 500, "internal")

    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app, made


def ready_to_serve(app: FastAPI) -> None:
    """What a server process does once before its first request, so that the first burst of
    a class (everyone opening the gallery at once) finds nothing left to set up: every page's
    template compiled and the database pool's connections open.

    Then everything made so far (modules, the app, the templates: ~180,000 objects that live
    as long as the process) is frozen out of the garbage collector's sight: each of its full
    collections walked them all, 120–160 ms on the shared cores, during which no request was
    answered; that pause was the votes' slowest 1 % (issue 15: p99 239 → 83 ms)."""
    compile_templates()
    open_pool(app.state.server.engine)
    gc.collect()  # what startup left as garbage is freed, not frozen
    gc.freeze()
