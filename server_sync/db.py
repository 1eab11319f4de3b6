"""Database engine and schema: an SQLite file (WAL) by default, PostgreSQL by URL, Alembic migrations."""

import contextlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, QueuePool, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker

from game.core.errors import QuartierError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# WAL with synchronous=FULL: SQLite syncs the write-ahead log to disk at every commit, so a
# transaction whose commit returned (and whose answer the client may already have filed as
# sent) survives a power loss or an OS crash, not only a crash of the server process, as long
# as the disk honours fsync. NORMAL syncs only at checkpoints: the last commits before a power
# loss could vanish. benchmarks/server.py measures what FULL costs (and sets NORMAL to compare).
SQLITE_SYNCHRONOUS = "FULL"
REQUEST_THREADS = 40
"""anyio's default limit of worker threads, in which Starlette runs sync routes and dependencies."""
SQLITE_KEPT_CONNECTIONS = 8
"""Connections kept open between bursts; up to REQUEST_THREADS are opened while one lasts."""


def sqlite_path(data_dir: Path) -> Path:
    return Path(data_dir) / "quartier.sqlite3"


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{sqlite_path(data_dir)}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # A connection for every thread that may ask for one (anyio runs a server's sync routes
        # in at most REQUEST_THREADS threads), so no request ever waits for the pool: with WAL,
        # readers (the gallery, sign-ins) go on while a writer holds the lock, and only writers
        # wait for each other, in SQLite's busy handler. With one connection per process, as
        # before, every read queued behind each upload's writes; under a class's load the queue
        # passed the pool's 60 s timeout (six 500s, "QueuePool limit of size 1"). Reads outside
        # a write (pysqlite begins a transaction only at the first INSERT/UPDATE/DELETE) hold no
        # snapshot that a later write would have to upgrade.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=SQLITE_KEPT_CONNECTIONS,
            max_overflow=REQUEST_THREADS - SQLITE_KEPT_CONNECTIONS,
            pool_timeout=60,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: DBAPIConnection, _record: object) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # PostgreSQL's default (synchronous_commit=on) already answers only after a durable commit.
    try:
        # As many connections as request threads (see SQLite above): never a pool timeout.
        return create_engine(
            url, pool_size=10, max_overflow=REQUEST_THREADS - 10, pool_pre_ping=True
        )
    except ModuleNotFoundError as exc:  # the database's driver: psycopg is the [postgres] extra
        raise QuartierError(
            "error.needs_postgres", library=exc.name, command='pip install "quartier[postgres]"'
        ) from None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest version (creates it on first start).

    On SQLite, foreign keys are off while migrating: a migration that changes a table SQLite
    cannot alter in place rebuilds it (copy, drop, rename), and dropping `participants` with
    foreign keys on would delete, by ON DELETE CASCADE, every design, vote and device token
    that refers to it. They are checked before the upgrade commits instead."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # only outside a transaction does SQLite take this pragma
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise QuartierError("error.database_inconsistent")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def open_pool(engine: Engine) -> None:
    """Open the connections the pool keeps now, before the server takes requests.

    Why: a freshly started server opened a database connection for each of the first
    concurrent requests, and on PostgreSQL each costs a new backend process; when a class
    opened the gallery at the same moment, that burst was its slowest 1 %
    (benchmarks/workshop.py). Not in the app factory: the tests build hundreds of apps.
    """
    size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 1
    with contextlib.ExitStack() as opened:
        for _ in range(size):
            opened.enter_context(engine.connect())
