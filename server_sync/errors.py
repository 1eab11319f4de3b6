"""Refusals as JSON `{"error": {"code", "message"}}`, the message in the requester's language."""

from fastapi import Request
from fastapi.responses import JSONResponse

from game.core.i18n import LANGUAGES, Language, text


class ApiError(Exception):
    def __init__(self, status: int, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


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
