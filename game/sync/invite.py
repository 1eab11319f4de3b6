"""What a pupil types or pastes to join: a code, or a whole link or QR text with the server in it.

The projector shows a link like `http://192.168.1.20:8765/?code=ABC123` (and a QR code of it);
the editor shows a phone link `…/p/PERSONALCODE`. Pasting either into the join dialog must
fill in both the server and the code, because typing an address is where a class loses ten
minutes. A server behind a proxy may sit under a path (`https://school.example/quartier/`),
so the server is everything before the page's own path.
"""

import re
from dataclasses import dataclass
from typing import Literal

import httpx

from game.core.errors import QuartierError

Kind = Literal["join", "personal"]
# A code as pupils type it: letters and digits, maybe with dashes or spaces between groups.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,30}$")


@dataclass(frozen=True)
class Invite:
    """A join code (`kind` "join") or a personal code ("personal"), and the server if the text
    named one ("" when the pupil typed only the code)."""

    code: str
    server: str = ""
    kind: Kind = "join"


def server_address(text: str) -> str:
    """A server as typed ("192.168.1.20:8765" or a full URL), as a URL without a trailing slash."""
    text = text.strip().rstrip("/")
    if text and "://" not in text:
        text = f"http://{text}"
    return text


def parse_invite(text: str) -> Invite:
    """The code and server in what was typed or pasted; a bare code leaves the server empty."""
    text = text.strip()
    if "://" not in text and ("/" in text or "?" in text):
        text = f"http://{text}"  # "192.168.1.20:8765/?code=ABC123", copied without its scheme
    if "://" not in text:
        return Invite(text) if text else Invite("")
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError):
        raise QuartierError("join.bad_link", link=text[:80]) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise QuartierError("join.bad_link", link=text[:80])
    origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
    parts = [p for p in url.path.split("/") if p]
    kind: Kind = "join"
    code = url.params.get("code", "")
    if len(parts) >= 2 and parts[-2] in ("w", "p"):
        kind = "personal" if parts[-2] == "p" else "join"
        code, parts = parts[-1], parts[:-2]
    if not code or not _CODE.match(code):
        raise QuartierError("join.bad_link", link=text[:80])
    prefix = "/".join(parts)
    return Invite(code, f"{origin}/{prefix}" if prefix else origin, kind)
