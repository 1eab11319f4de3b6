"""The collection server under test: on SQLite and on a real, throwaway PostgreSQL."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid as uuids
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from game.core.design import new_design, save_changes
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level

PG_BIN = Path("/usr/lib/postgresql/15/bin")
MODERATOR = "test-moderator-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL 15 started for this test session (initdb as user postgres), stopped at the end."""
    reason = None
    if not (PG_BIN / "initdb").exists():
        reason = "PostgreSQL 15 not installed: apt-get install postgresql-15"
    elif shutil.which("runuser") is None:
        reason = "runuser not found"
    if reason:
        if os.environ.get("QUARTIER_CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Not under pytest's tmp folders: those are private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="quartier-pg-"))
    os.chmod(base, 0o777)
    data, port = base / "data", _free_port()
    run = lambda *cmd: subprocess.run(["runuser", "-u", "postgres", "--", *map(str, cmd)],  # noqa: E731
                                      check=True, capture_output=True, timeout=120)
    run(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    run(PG_BIN / "pg_ctl", "-D", data, "-l", base / "log.txt", "-w", "-t", "60",
        "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c max_connections=200", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return None
    url = request.getfixturevalue("postgres_url")
    database = f"t{uuids.uuid4().hex[:12]}"
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    return url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture
def server(tmp_path, db_url, monkeypatch):
    """A TestClient on a fresh server, and helpers to act as moderator and participants."""
    monkeypatch.setenv("QUARTIER_MODERATOR_TOKEN", MODERATOR)
    from server_sync.app import create_app

    app, _ = create_app(tmp_path / "server", db_url, rate_limit=100_000)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Server(client)


class Server:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.mod = {"Authorization": f"Bearer {MODERATOR}"}

    def workshop(self, **fields) -> dict:
        body = {"title": "Unser Platz", "level_id": "demo", **fields}
        response = self.client.post("/api/v1/workshops", json=body, headers=self.mod)
        assert response.status_code == 201, response.text
        return response.json()

    def join(self, workshop: dict, pseudonym: str) -> dict:
        response = self.client.post("/api/v1/join", json={"code": workshop["code"], "pseudonym": pseudonym})
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def phase(self, workshop: dict, phase: str) -> None:
        response = self.client.patch(f"/api/v1/workshops/{workshop['id']}", json={"phase": phase}, headers=self.mod)
        assert response.status_code == 200, response.text

    def submit(self, who: dict, title: str = "Park", x: int = 50) -> tuple[str, str]:
        text = design_text(title, x)
        uuid = __import__("json").loads(text)["id"]
        response = self.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=who)
        assert response.status_code == 201, response.text
        return uuid, text

    def approve(self, uuid: str) -> None:
        response = self.client.post(f"/api/v1/submissions/{uuid}/moderation", json={"action": "approve"},
                                    headers=self.mod)
        assert response.status_code == 200, response.text


def design_text(title: str = "Park", x: int = 50) -> str:
    level = find_level("demo")
    session = Session(level)
    session.apply(Box(from_=(x, 52, 1), to=(x + 3, 55, 3), block="housing"))
    return save_changes(new_design(level, "test", title=title, pseudonym="Fox"), session, "test").to_json()


@pytest.fixture
def make_design():
    return design_text


class LiveServer:
    """`quartier-server serve` in its own process on 127.0.0.1; killed at the end whatever happens."""

    def __init__(self, data_dir: Path, db_url: str | None, workers: int = 1) -> None:
        self.data_dir, self.db_url, self.workers = data_dir, db_url, workers
        self.port = _free_port()
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



@pytest.fixture(params=[1, 2], ids=["1 process", "2 processes"])
def live_server(tmp_path, db_url, request):
    server = LiveServer(tmp_path / "live", db_url, workers=request.param)
    try:
        yield server
    finally:
        server.kill()
