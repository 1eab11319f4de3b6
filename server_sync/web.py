"""What every web page needs: templates in the visitor's language, cookies, CSRF and the page CSP.

Pages are server-rendered Jinja2 templates (autoescaped, so every text a user typed is shown
as text). Cookies are HttpOnly and SameSite=Strict. Every form that changes something carries
a CSRF token that must match the visitor's CSRF cookie (the double-submit pattern), so a
foreign site can neither read nor forge it. The CSP allows no inline script or style at all.
"""

import hmac
from functools import partial
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from game.core.i18n import LANGUAGES, text
from server_sync.cookies import CSRF_COOKIE, IDENTITY_COOKIES, LANG_COOKIE
from server_sync.errors import ApiError, language
from server_sync.schemas import has_control_characters
from server_sync.security import new_token

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
VIEW3D_CSP = (
    PAGE_CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:")
    + "; connect-src 'self' blob:"
)
"""The design page's: its 3D view fetches the model (GLTFLoader uses `fetch`), which
`default-src 'none'` forbids, and the model's window textures, which GLTFLoader hands to the
browser as `blob:` URLs of the file's own bytes (fetched as image bitmaps in Chromium, loaded
as images in Safari and Firefox); only the page's own scripts can make a `blob:` URL. Nothing
else is allowed: no worker, no eval; the script is a module from 'self' like every other."""
DESK_CSP = PAGE_CSP + "; connect-src 'self'"
"""The workshop desk's: its script fetches the team rooms again every few seconds
(static/desk_rooms.js), which `default-src 'none'` forbids."""
YEAR = 365 * 24 * 3600


def compile_templates() -> None:
    """Compile every page's template now, before the server takes requests (~120 ms).

    Why: Jinja compiles a template on its first use, so a freshly started server made the
    first visitors of each page wait; when a class opened the gallery at the same moment, that
    first burst was the gallery's slowest 1 % (benchmarks/workshop.py). The app factory does not
    do it, since the tests build hundreds of apps that render few pages.
    """
    for name in TEMPLATES.env.list_templates():
        TEMPLATES.env.get_template(name)


def set_cookie(
    response, request: Request, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def page(
    request: Request, template: str, status: int = 200, csp: str = PAGE_CSP, **context
) -> HTMLResponse:
    lang = language(request)
    csrf = request.cookies.get(CSRF_COOKIE) or new_token()
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": partial(text, lang),
            "lang": lang,
            "other_lang": "en" if lang == "de" else "de",
            "csrf": csrf,
            "here": request.url.path,
            "signed_in": any(name in request.cookies for name in IDENTITY_COOKIES),
            **context,
        },
        status_code=status,
        headers={"content-security-policy": csp},
    )
    if request.cookies.get(CSRF_COOKIE) != csrf:
        set_cookie(response, request, CSRF_COOKIE, csrf)
    return response


def message(request: Request, error: ApiError) -> str:
    return text(language(request), f"server.{error.code}", **error.params)


async def checked_form(request: Request) -> dict[str, str]:
    """The submitted form, if its CSRF token matches the visitor's cookie; else a 403. A field
    with a control character (a NUL breaks PostgreSQL's connection) is refused here, for every form."""
    form = await request.form()
    sent, kept = str(form.get("csrf", "")), request.cookies.get(CSRF_COOKIE, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise ApiError(403, "csrf")
    fields = {key: str(value) for key, value in form.items()}
    for key, value in fields.items():
        if has_control_characters(key + value):
            raise ApiError(422, "control_characters", field=key)
    return fields


def back_to(path: str) -> RedirectResponse:
    """After a form that changed something: see the page again (a reload does not resend the form)."""
    return RedirectResponse(path, status_code=303)


def local_path(path: str) -> str:
    """Only a path on this server: never an open redirect to another site."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def switch_language(request: Request, lang: str, next: str = "/") -> RedirectResponse:
    response = back_to(local_path(next))
    if lang in LANGUAGES:
        set_cookie(response, request, LANG_COOKIE, lang, max_age=YEAR)
    return response
