"""The collection server under test: on SQLite and on a real, throwaway PostgreSQL.

Loaded for every test folder by tests/conftest.py, so one PostgreSQL serves the whole session.
The in-process `server` of some 400 tests starts on a copy of a schema migrated once per
session (a file on SQLite, a template database on PostgreSQL): running the migrations for each
cost about a second a test. Real servers and the migration tests still start from an empty
database and migrate it themselves.
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
        # Without syncs to disk: the cluster lives only as long as the session and is never
        # crashed, and with them creating and stopping hundreds of databases cost a minute of
        # disk writes (the shutdown checkpoint alone took 10 s at the end of each run).
        f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c max_connections=200"
        " -c fsync=off -c full_page_writes=off -c synchronous_commit=off",
        "start",
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _admin(postgres_url: str, statement: str) -> None:
    """One statement on the cluster's `postgres` database, outside a transaction."""
    import psycopg

    dsn = postgres_url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn + "/postgres", autocommit=True) as conn:
        conn.execute(statement)


def fresh_database(postgres_url: str, template: str = "template1") -> str:
    """The URL of a new database on the test session's PostgreSQL: empty, or a copy of
    `template` (a database nobody is connected to)."""
    database = f"t{uuids.uuid4().hex[:12]}"
    _admin(postgres_url, f"CREATE DATABASE {database} TEMPLATE {template}")
    return postgres_url.rsplit("/", 1)[0] + "/" + database


def drop_database(url: str) -> None:
    """Drop the database at `url`, ending the connections still open to it (a killed server's):
    the hundreds a run makes, left behind, made stopping the cluster and removing it slow."""
    _admin(url, f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")


def migrated(url: str) -> None:
    """The newest schema in the (empty) database at `url`, as a server's first start makes it."""
    from server_sync.db import make_engine, migrate

    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory) -> Path:
    """An SQLite database with the newest schema and nothing in it, for the servers to copy."""
    from server_sync.db import sqlite_path, sqlite_url

    folder = tmp_path_factory.mktemp("sqlite-schema")
    migrated(sqlite_url(folder))
    return sqlite_path(folder)


@pytest.fixture(scope="session")
def postgres_schema(postgres_url) -> str:
    """A database with the newest schema and nothing in it, the template of the servers' ones."""
    url = fresh_database(postgres_url)
    migrated(url)
    return url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """None (SQLite in the server's data folder) or a new PostgreSQL database: for a test with
    the in-process `server` already migrated (a copy of `postgres_schema`), else empty."""
    if request.param == "sqlite":
        yield None
        return
    postgres_url = request.getfixturevalue("postgres_url")
    if "server" in request.fixturenames:
        url = fresh_database(postgres_url, request.getfixturevalue("postgres_schema"))
    else:
        url = fresh_database(postgres_url)
    yield url
    drop_database(url)


@pytest.fixture
def server(request, tmp_path, db_url):
    """A TestClient on a fresh server, and helpers to act as moderator and participants."""
    from server_sync.app import create_app
    from server_sync.db import sqlite_path
    from server_sync.settings import Settings

    data_dir = tmp_path / "server"
    if db_url is None:
        data_dir.mkdir()
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), sqlite_path(data_dir))
    settings = Settings(
        data_dir=data_dir,
        db_url=db_url,
        rate_limit=100_000,
        revisions_per_minute=100_000,
        moderator_token=MODERATOR,
    )
    app, _ = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client)
    app.state.server.engine.dispose()
