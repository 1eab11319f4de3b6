"""A real `quartier-server` process for tests, and the designs the tests submit to it."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from game.core.design import new_design, save_changes
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level

MODERATOR = "test-moderator-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def design_text(title: str = "Park", x: int = 50) -> str:
    level = find_level("demo")
    session = Session(level)
    session.apply(Box(from_=(x, 52, 1), to=(x + 3, 55, 3), block="housing"))
    return save_changes(new_design(level, "test", title=title, pseudonym="Fox"), session, "test").to_json()


class LiveServer:
    """`quartier-server serve` in its own process on 127.0.0.1; killed at the end whatever happens."""

    def __init__(self, data_dir: Path, db_url: str | None, workers: int = 1) -> None:
        self.data_dir, self.db_url, self.workers = data_dir, db_url, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> "LiveServer":
        import sys

        import httpx

        command = [sys.executable, "-m", "server_sync.cli", "serve", "--port", str(self.port),
                   "--data-dir", str(self.data_dir), "--rate-limit", "100000", "--workers", str(self.workers)]
        if self.db_url:
            command += ["--db", self.db_url]
        env = {**os.environ, "QUARTIER_MODERATOR_TOKEN": MODERATOR}
        # Its own process group, so that a kill takes the worker processes down with it.
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode())
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start within 60 s")

    def kill(self) -> None:
        """SIGKILL to the server and all its workers: no chance to finish anything."""
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(10)
