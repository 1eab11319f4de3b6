"""A real `quartier-server` process for tests, and the designs the tests submit to it."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from game.core.design import new_design, save_changes
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level

MODERATOR = "test-moderator-token-0123456789abcdef"
BERLIN = "berlin-potsdamer-platz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def design_text(title: str = "Park", x: int = 50) -> str:
    level = find_level("demo")
    session = Session(level)
    session.apply(Box(from_=(x, 52, 1), to=(x + 3, 55, 3), block="housing"))
    return save_changes(
        new_design(level, "test", title=title, pseudonym="Fox"), session, "test"
    ).to_json()


def berlin_designs(count: int) -> list[str]:
    """`count` designs of a hundred buildings across the Berlin level's zone, within its rules:
    each upload takes the server a few tenths of a second of CPU (parse, rules, indicators)."""
    level = find_level(BERLIN)
    session = Session(level)
    for x in range(72, 132, 6):
        for y in range(56, 116, 6):
            session.apply(Box(from_=(x, y, 0), to=(x + 3, y + 3, 3 + (x * y) % 9), block="housing"))
    return [
        save_changes(new_design(level, "test", title=f"Block {n}"), session, "test").to_json()
        for n in range(count)
    ]


def csrf(client) -> str:
    """The CSRF token a visitor's forms carry (any HTTP client: a page sets the cookie)."""
    client.get("/")
    return client.cookies["quartier_csrf"]


def sign_in(client) -> None:
    """Sign the client in at the moderator's desk."""
    response = client.post(
        "/moderate/login",
        data={"csrf": csrf(client), "token": MODERATOR},
        follow_redirects=False,
    )
    assert response.status_code == 303


class LiveServer:
    """`quartier-server serve` in its own process on 127.0.0.1; killed at the end whatever happens."""

    def __init__(
        self,
        data_dir: Path,
        db_url: str | None,
        workers: int = 1,
        rate_limit: int = 100_000,
        revisions_per_minute: int = 100_000,
        options: Sequence[str] = (),
        open_files: int | None = None,
        token: str = MODERATOR,
    ) -> None:
        """High limits by default, so that the limiters decide only the tests about them;
        `options` are more `serve` options; `open_files` its soft and hard limit of open files;
        `token` the moderator token it starts with."""
        self.data_dir, self.db_url, self.workers = data_dir, db_url, workers
        self.rate_limit, self.options, self.open_files = rate_limit, options, open_files
        self.revisions_per_minute, self.token = revisions_per_minute, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "LiveServer":
        import sys

        import httpx

        command = [
            sys.executable,
            "-m",
            "server_sync.cli",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--rate-limit",
            str(self.rate_limit),
            "--workers",
            str(self.workers),
            "--revisions-per-minute",
            str(self.revisions_per_minute),
        ]
        if self.db_url:
            command += ["--db", self.db_url]
        command += self.options
        env = {**os.environ, "QUARTIER_MODERATOR_TOKEN": MODERATOR}
        env = {**os.environ, "QUARTIER_MODERATOR_TOKEN": self.token}
        # Its own process group, so that a kill takes the worker processes down with it.
        self.process = process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=self._limit_open_files if self.open_files else None,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start within 60 s")

    def _limit_open_files(self) -> None:
        import resource

        if self.open_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def kill(self) -> None:
        """SIGKILL to the server and all its workers: no chance to finish anything."""
        if self.process:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


class Api:
    """The API calls a test makes to set the scene, as moderator and participants (on any HTTP client)."""

    def __init__(self, client) -> None:
        self.client = client
        self.mod = {"Authorization": f"Bearer {MODERATOR}"}

    def sign_in(self) -> None:
        """Sign in at the moderator's desk (its cookie then goes with every request of the client)."""
        self.client.get("/moderate")
        response = self.client.post(
            "/moderate/login",
            data={"csrf": self.client.cookies.get("quartier_csrf"), "token": MODERATOR},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    def workshop(self, **fields) -> dict:
        body = {"title": "Unser Platz", "level_id": "demo", **fields}
        response = self.client.post("/api/v1/workshops", json=body, headers=self.mod)
        assert response.status_code == 201, response.text
        return response.json()

    def join(self, workshop: dict, pseudonym: str) -> dict:
        response = self.client.post(
            "/api/v1/join", json={"code": workshop["code"], "pseudonym": pseudonym}
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def phase(self, workshop: dict, phase: str) -> None:
        response = self.client.patch(
            f"/api/v1/workshops/{workshop['id']}", json={"phase": phase}, headers=self.mod
        )
        assert response.status_code == 200, response.text

    def submit(self, who: dict, title: str = "Park", x: int = 50) -> tuple[str, str]:
        text = design_text(title, x)
        uuid = json.loads(text)["id"]
        response = self.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=who)
        assert response.status_code == 201, response.text
        return uuid, text

    def approve(self, uuid: str) -> None:
        self.moderate(uuid, "approve")

    def moderate(self, uuid: str, action: str, reason: str = "") -> None:
        response = self.client.post(
            f"/api/v1/submissions/{uuid}/moderation",
            headers=self.mod,
            json={"action": action, "reason": reason},
        )
        assert response.status_code == 200, response.text

    def vote(self, who: dict, uuid: str) -> None:
        response = self.client.put(f"/api/v1/submissions/{uuid}/vote", headers=who)
        assert response.status_code == 200, response.text
