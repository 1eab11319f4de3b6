"""Refusals as JSON `{"error": {"code", "message"}}`, the message in the requester's language."""

from fastapi import Request
from fastapi.responses import JSONResponse

from game.core.i18n import Language, text


class ApiError(Exception):
    def __init__(self, status: int, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


def language(request: Request) -> Language:
    accept = request.headers.get("accept-language", "")
    return "de" if accept.lower().lstrip().startswith("de") else "en"


def error_response(request: Request, status: int, code: str, headers: dict | None = None, **params) -> JSONResponse:
    message = text(language(request), f"server.{code}", **params)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
