"""The collection server as an ASGI app: routes under /api/v1, JSON errors, limits and headers."""

import logging
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from game import __version__
from game.core.i18n import text
from server_sync.db import make_engine, migrate, session_factory, sqlite_url
from server_sync.deps import MODERATOR_KEY, Services
from server_sync.errors import ApiError, error_response, language
from server_sync.models import Setting
from server_sync.pages import export, gallery, jury, moderate
from server_sync.routes import submissions, votes, workshops
from server_sync.security import BodyLimit, RateLimiter, SecurityHeaders, new_token, token_hash
from server_sync.web import HERE, message, page, switch_language

log = logging.getLogger("quartier.server")


def ensure_moderator_token(sessions) -> str | None:
    """Set the moderator token from QUARTIER_MODERATOR_TOKEN, or make one on first start.

    Returns a newly made token (to be shown once); only its hash is stored.
    """
    given = os.environ.get("QUARTIER_MODERATOR_TOKEN")
    with sessions() as session:
        stored = session.get(Setting, MODERATOR_KEY)
        if given:
            token, made = given, None
        elif stored is None:
            token = made = new_token()
        else:
            return None
        if stored is None:
            session.add(Setting(key=MODERATOR_KEY, value=token_hash(token)))
        else:
            stored.value = token_hash(token)
        session.commit()
        return made


def is_page(request: Request) -> bool:
    """A browser page (answered in HTML), not the JSON API."""
    return not request.url.path.startswith(("/api/", "/healthz"))


def create_app(
    data_dir: Path, db_url: str | None = None, rate_limit: int = 600
) -> tuple[FastAPI, str | None]:
    """The app and, on first start, the new moderator token. `rate_limit`: requests per minute per token."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or sqlite_url(data_dir)
    engine = make_engine(db_url)
    migrate(engine)
    sessions = session_factory(engine)
    made = ensure_moderator_token(sessions)

    app = FastAPI(
        title="Quartier collection server",
        version=__version__,
        description="Workshops, submissions, votes and moderation. See docs/api.md.",
    )
    app.state.services = Services(
        engine,
        sessions,
        data_dir,
        RateLimiter(rate_limit),
        RateLimiter(rate_limit * 10),
        loop_engine=make_engine(db_url) if db_url.startswith("sqlite") else None,
    )
    for router in (workshops.router, submissions.router, votes.router):
        app.include_router(router, prefix="/api/v1")
    for router in (gallery.router, jury.router, moderate.router, export.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_api_route("/lang/{lang}", switch_language, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(moderate.SignIn, moderate.redirect_to_sign_in)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"ok": True}

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        if is_page(request):
            return page(request, "error.html", exc.status, error=message(request, exc))
        headers = (
            {"retry-after": str(exc.params["seconds"])} if exc.code == "rate_limited" else None
        )
        return error_response(request, exc.status, exc.code, headers=headers, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": ""}
        field = ".".join(str(p) for p in first["loc"][1:]) or "body"
        return error_response(request, 422, "invalid_request", field=field, problem=first["msg"])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if is_page(request):
            return page(
                request,
                "error.html",
                exc.status_code,
                error=text(language(request), "server.not_found"),
            )
        return error_response(
            request, exc.status_code, "not_found" if exc.status_code == 404 else "http_error"
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error")
        return error_response(request, 500, "internal")

    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app, made
