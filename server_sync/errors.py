"""Refusals as JSON `{"error": {"code", "message"}}`, the message in the requester's language."""

import errno
import functools

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from game.core.errors import QuartierError
from game.core.i18n import LANGUAGES, Language, text

# SQLite's result names and PostgreSQL's SQLSTATEs for a full disk and for a store that cannot be written.
SQLITE_FULL = ("SQLITE_FULL",)
SQLITE_NOT_WRITABLE = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")
# A write to a file SQLite already holds open failed; Python does not say why (a file system
# remounted read-only, a file size limit, a failing disk), so the refusal names no cause.
SQLITE_WRITE_FAILED = ("SQLITE_IOERR_WRITE",)
POSTGRES_FULL = ("53100",)  # disk_full
POSTGRES_NOT_WRITABLE = ("25006",)  # read_only_sql_transaction
# EFBIG: the file may not grow (a file size limit of the file system or the process).
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
NOT_WRITABLE_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)


class ApiError(Exception):
    def __init__(self, status: int, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params

    def __reduce__(self) -> tuple:
        """Rebuilt with its status and parameters when a worker process raises it
        (services/workers.py); the default would call `ApiError(code)` alone."""
        return (functools.partial(ApiError, self.status, self.code, **self.params), ())


def language(request: Request) -> Language:
    """The language the visitor chose on a page (a cookie), else the browser's first of de/en."""
    chosen = request.cookies.get("quartier_lang")
    if chosen in LANGUAGES:
        return chosen
    ranked = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            ranked.append((-float(q or 1), tag[:2].lower()))
        except ValueError:
            continue
    return next((tag for _, tag in sorted(ranked) if tag in LANGUAGES), "en")


def error_response(
    request: Request, status: int, code: str, headers: dict | None = None, **params
) -> JSONResponse:
    message = text(language(request), f"server.{code}", **params)
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def store_failure(exc: BaseException) -> "ApiError | None":
    """A write the server's store refused for a reason the moderator can fix, as a clear refusal:
    507 for a full disk, 503 for a data folder or database that cannot be written or whose
    write failed. None for anything else (a bug, shown as the generic 500).

    The database raises these as its own errors (SQLite: "database or disk is full", "attempt to
    write a readonly database"), the picture cache as an OSError or a storage QuartierError.
    """
    full, not_writable = ApiError(507, "disk_full"), ApiError(503, "store_read_only")
    if isinstance(exc, QuartierError):
        return {"error.disk_full": full, "error.read_only": not_writable}.get(exc.key)
    if isinstance(exc, OSError):
        if exc.errno in DISK_FULL_ERRNOS:
            return full
        return not_writable if exc.errno in NOT_WRITABLE_ERRNOS else None
    if isinstance(exc, DBAPIError):
        name = str(getattr(exc.orig, "sqlite_errorname", ""))
        state = str(getattr(exc.orig, "sqlstate", ""))
        if name.startswith(SQLITE_FULL) or state in POSTGRES_FULL:
            return full
        if name.startswith(SQLITE_NOT_WRITABLE) or state in POSTGRES_NOT_WRITABLE:
            return not_writable
        if name.startswith(SQLITE_WRITE_FAILED):
            return ApiError(503, "store_write_failed")
    return None
