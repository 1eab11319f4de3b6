"""The collection server under test: on SQLite and on a real, throwaway PostgreSQL.

Loaded for every test folder by tests/conftest.py, so one PostgreSQL serves the whole session.
"""

import os
import shutil
import subprocess
import tempfile
import uuid as uuids
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from live_server import MODERATOR, Api, free_port
from missing_tools import missing

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL 15 started for this test session (initdb as user postgres), stopped at the end."""
    reason = None
    if not (PG_BIN / "initdb").exists():
        reason = f"PostgreSQL 15 not found in {PG_BIN}"
    elif shutil.which("runuser") is None:
        reason = "runuser not found"
    if reason:
        missing("postgres", reason)
    # Not under pytest's tmp folders: those are private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="quartier-pg-"))
    os.chmod(base, 0o777)
    data, port = base / "data", free_port()

    def run(*cmd):
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, cmd)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    run(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    run(
        PG_BIN / "pg_ctl",
        "-D",
        data,
        "-l",
        base / "log.txt",
        "-w",
        "-t",
        "60",
        "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c max_connections=200",
        "start",
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(postgres_url: str) -> str:
    """The URL of a new, empty database on the test session's PostgreSQL."""
    database = f"t{uuids.uuid4().hex[:12]}"
    import psycopg

    dsn = postgres_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    return postgres_url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return None
    return fresh_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def server(tmp_path, db_url):
    """A TestClient on a fresh server, and helpers to act as moderator and participants."""
    from server_sync.app import create_app
    from server_sync.settings import Settings

    settings = Settings(
        data_dir=tmp_path / "server",
        db_url=db_url,
        rate_limit=100_000,
        revisions_per_minute=100_000,
        moderator_token=MODERATOR,
    )
    app, _ = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client)
