"""A collection server on this computer, for `make run` and one-computer workshops.

Started as its own process (`python -m server_sync.cli serve`), so the editor never imports the
server; it stops when the editor closes. On first use it creates a demo workshop with a
moderator token kept in QUARTIER_HOME (mode 0600) and joins it under a guest name, so that
"submit" works without any set-up.
"""

import os
import secrets
import subprocess
import sys
import time

import httpx

from game.core.errors import QuartierError
from game.io.paths import home
from game.io.storage import read_document, write_atomic
from game.sync import join, load_participant

PORT = 8765
URL = f"http://127.0.0.1:{PORT}"


def _moderator_token() -> str:
    path = home() / "local-moderator-token"
    try:
        return read_document(path).decode().strip()
    except QuartierError:  # missing or unreadable: make a new one
        token = secrets.token_urlsafe(32)
        write_atomic(path, token.encode(), keep_backup=False, mode=0o600)
        return token


def start(guest: str) -> subprocess.Popen | None:
    """Start the server (unless one already answers) and join its demo workshop once; None on failure."""
    token = _moderator_token()
    process = None
    if not _answers():
        env = {**os.environ, "QUARTIER_MODERATOR_TOKEN": token}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server_sync.cli",
                "serve",
                "--port",
                str(PORT),
                "--data-dir",
                str(home() / "server"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not _answers() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _answers():
            process.kill()
            return None
    participant = load_participant()
    if participant is None or participant.server != URL:
        workshop = httpx.post(
            URL + "/api/v1/workshops",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            json={"title": "Demo", "level_id": "demo", "moderation": "post"},
        ).json()
        join(URL, workshop["code"], f"{guest}{secrets.randbelow(900) + 100}")
    return process


def _answers() -> bool:
    try:
        return httpx.get(URL + "/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False
