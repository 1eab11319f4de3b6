"""Votes: only in the voting phase, one per submission, N per participant, held by the database.

A vote takes the lowest free slot of the participant; if two requests race for the same slot,
the unique key refuses one and it tries the next slot, until none is left.

The busiest calls of a workshop, so they run as close to the database driver as the rules
allow (issue 15: SQLAlchemy's own Python was half the time of a vote). The statements are
SQLAlchemy Core, compiled once per database when the server starts and then run on the
driver's connection with their parameters, without ORM objects or SQLAlchemy's execution
machinery: a vote is three short statements (caller and target in one query, the caller's
votes, the insert or delete) and a commit.

- SQLite: one connection of its own, used on the event loop, where a transaction takes a
  fraction of a millisecond and a thread hop would cost more; a vote never waits for the
  connection a request in the thread pool holds.
- PostgreSQL: psycopg's async pool (PG_CONNECTIONS per server process), so a vote waits on the
  network without holding a thread; psycopg prepares a statement it has run a few times, and
  autocommit spares a round trip for BEGIN and one for COMMIT (`_PostgresBallot`).

`benchmarks/server.py` measures this against a bare ASGI app and plain Starlette running the
same SQL on the same database (benchmarks/ceiling.py).
"""

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from game.core.errors import QuartierError
from server_sync.errors import ApiError
from server_sync.models import Participant, ParticipantToken, Submission, Vote, Workshop, now, utc
from server_sync.services.participants import SEEN_EVERY

#: Connections of the votes' pool per server process on PostgreSQL: enough that 50 clients
#: keep the database busy, few enough that several processes stay far below its limit.
PG_CONNECTIONS = 16

# The caller (by their device's token hash) and the submission (by uuid) with its workshop, in one round trip.
_CALLER_AND_TARGET = (
    select(
        Participant.id,
        Participant.workshop_id,
        Submission.participant_id,
        Submission.status,
        Submission.workshop_id.label("target_workshop"),
        Workshop.phase,
        Workshop.votes_per_participant,
        ParticipantToken.last_seen,
    )
    .select_from(ParticipantToken)
    .join(Participant, Participant.id == ParticipantToken.participant_id)
    .outerjoin(Submission, Submission.uuid == bindparam("uuid"))
    .outerjoin(Workshop, Workshop.id == Submission.workshop_id)
    .where(ParticipantToken.token_hash == bindparam("token"))
)
_MY_VOTES = select(Vote.submission_uuid, Vote.slot).where(
    Vote.participant_id == bindparam("person")
)
_INSERT = insert(Vote).values(
    participant_id=bindparam("person"),
    submission_uuid=bindparam("uuid"),
    workshop_id=bindparam("workshop"),
    slot=bindparam("slot"),
    created=bindparam("created"),
)
_DELETE = delete(Vote).where(
    Vote.participant_id == bindparam("person"), Vote.submission_uuid == bindparam("uuid")
)
_SEEN = (
    update(ParticipantToken)
    .where(ParticipantToken.token_hash == bindparam("token"))
    .values(last_seen=bindparam("seen"))
)


@dataclass(frozen=True)
class Target:
    """The caller and the submission they named (the first query's row)."""

    person: int
    workshop_id: int
    author: int | None
    status: str | None
    target_workshop: int | None
    phase: str | None
    limit: int
    last_seen: Any  # as the driver hands it back: `Statements.from_db` makes it a datetime


class Statements:
    """The vote's statements compiled for one database, and how its driver takes and gives
    dates (SQLite stores them as text: SQLAlchemy's own conversion of the column's type)."""

    def __init__(self, dialect: Dialect) -> None:
        def compiled(statement: ClauseElement) -> str:
            return str(statement.compile(dialect=dialect))

        self.caller_and_target = compiled(_CALLER_AND_TARGET)
        self.my_votes = compiled(_MY_VOTES)
        self.insert = compiled(_INSERT)
        self.delete = compiled(_DELETE)
        self.seen = compiled(_SEEN)
        kind = ParticipantToken.__table__.c.last_seen.type.dialect_impl(dialect)
        self.to_db: Callable[[datetime], Any] = kind.bind_processor(dialect) or (lambda d: d)
        self.from_db: Callable[[Any], Any] = kind.result_processor(dialect, None) or (lambda d: d)


class Ballot(Protocol):
    """One connection's statements for one vote (the driver's errors as SQLAlchemy's)."""

    statements: Statements

    async def one(self, sql: str, params: dict[str, Any]) -> tuple | None: ...
    async def all(self, sql: str, params: dict[str, Any]) -> list[tuple]: ...
    async def run(self, sql: str, params: dict[str, Any]) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


def _as_sqlalchemy(sql: str, params: dict[str, Any], exc: Exception, driver: Any) -> Exception:
    """The driver's error as SQLAlchemy would raise it (IntegrityError for a taken slot, the
    rest for the app's handler that turns a full disk into a 507: server_sync/errors.py)."""
    return DBAPIError.instance(sql, params, exc, driver.Error)


class SqliteBallot:
    """The votes' own SQLite connection (the server's pragmas: WAL, synchronous=FULL), used on
    the event loop: its calls never wait for another process for long (busy_timeout aside)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements = Statements(sqlite.dialect(paramstyle="named"))
        self._held: Any = None
        self._db: Any = None

    async def open(self) -> None:
        self._held = self.engine.raw_connection()  # with db.make_engine's pragmas
        self._db = self._held.driver_connection

    async def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = self._db = None
        self.engine.dispose()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Ballot]:
        """The one connection; a refusal rolls back what the vote began (a `last_seen`)."""
        if self._db is None:
            raise RuntimeError("the app's lifespan has not started: no connection for votes")
        try:
            yield self
        except BaseException:
            self._db.rollback()
            raise

    def _execute(self, sql: str, params: dict[str, Any]) -> Any:
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise _as_sqlalchemy(sql, params, exc, sqlite3) from exc

    async def one(self, sql: str, params: dict[str, Any]) -> tuple | None:
        return self._execute(sql, params).fetchone()

    async def all(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        return self._execute(sql, params).fetchall()

    async def run(self, sql: str, params: dict[str, Any]) -> None:
        self._execute(sql, params)

    async def commit(self) -> None:
        self._execute_plain(self._db.commit)

    async def rollback(self) -> None:
        self._execute_plain(self._db.rollback)

    def _execute_plain(self, call: Callable[[], None]) -> None:
        try:
            call()
        except sqlite3.Error as exc:
            raise _as_sqlalchemy("COMMIT", {}, exc, sqlite3) from exc


class PostgresBallots:
    """psycopg's async pool for the votes, opened and closed with the app's lifespan."""

    def __init__(self, url: str) -> None:
        try:  # the [postgres] extra: imported only for a PostgreSQL server
            import psycopg
            from psycopg_pool import AsyncConnectionPool
        except ModuleNotFoundError as exc:
            raise QuartierError(
                "error.needs_postgres", library=exc.name, command='pip install "quartier[postgres]"'
            ) from None

        conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self.driver = psycopg
        self.statements = Statements(postgresql_psycopg.dialect())
        self.pool = AsyncConnectionPool(
            conninfo,
            min_size=PG_CONNECTIONS,
            max_size=PG_CONNECTIONS,
            kwargs={"autocommit": True},  # see _PostgresBallot
            open=False,
        )

    async def open(self) -> None:
        await self.pool.open()

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Ballot]:
        async with self.pool.connection() as db:
            yield _PostgresBallot(db, self.statements, self.driver)


class _PostgresBallot:
    """One pooled connection for one vote, in autocommit: each statement is its own
    transaction, as on SQLite, where reading begins none. A vote writes with one statement
    (the insert or the delete; the unique keys settle races), so nothing needs more, and
    psycopg would otherwise spend a round trip on BEGIN and one on COMMIT for every vote."""

    def __init__(self, db: Any, statements: Statements, driver: Any) -> None:
        self.db, self.statements, self.driver = db, statements, driver

    async def _execute(self, sql: str, params: dict[str, Any]) -> Any:
        try:
            return await self.db.execute(sql, params)
        except self.driver.Error as exc:
            raise _as_sqlalchemy(sql, params, exc, self.driver) from exc

    async def one(self, sql: str, params: dict[str, Any]) -> tuple | None:
        return await (await self._execute(sql, params)).fetchone()

    async def all(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        return await (await self._execute(sql, params)).fetchall()

    async def run(self, sql: str, params: dict[str, Any]) -> None:
        await self._execute(sql, params)

    async def commit(self) -> None:
        """Nothing to do: each statement committed itself."""

    async def rollback(self) -> None:
        """Nothing to do: a refused statement left nothing behind."""


Ballots = SqliteBallot | PostgresBallots


def ballots(url: str, sqlite_engine: Callable[[str], Engine]) -> Ballots:
    """The votes' connection(s) for the database at `url` (`sqlite_engine` makes an engine
    with the server's pragmas: server_sync.db.make_engine)."""
    if url.startswith("sqlite"):
        return SqliteBallot(sqlite_engine(url))
    return PostgresBallots(url)


#: A vote action: (connection, token hash, submission uuid) → votes left.
Action = Callable[[Ballot, str, str], Awaitable[int]]


async def run_vote(ballots: Ballots, action: Action, token_hash: str | None, uuid: str) -> int:
    """Run `vote` or `withdraw` for the participant whose token has `token_hash`: votes left."""
    if not token_hash:
        raise ApiError(401, "not_participant")
    async with ballots.connection() as ballot:
        return await action(ballot, token_hash, uuid)


async def _target(ballot: Ballot, token: str, uuid: str, *, shown: bool = True) -> Target:
    """The caller and the submission they may vote on (`shown`: only an approved one), or the
    refusal. Withdrawing asks for any submission of the workshop: a vote given before the
    moderator hid a design must not stay stuck on it."""
    sql = ballot.statements
    row = await ballot.one(sql.caller_and_target, {"token": token, "uuid": uuid})
    if row is None:
        raise ApiError(401, "not_participant")
    target = Target(*row)
    if (shown and target.status != "approved") or target.target_workshop != target.workshop_id:
        raise ApiError(404, "no_submission")
    if target.phase != "voting":
        raise ApiError(409, "not_voting")
    return target


async def _seen(ballot: Ballot, token: str, target: Target) -> None:
    """The device's `last_seen`, at most once a minute, written only with an accepted vote or
    withdrawal (a refused one writes nothing; on PostgreSQL each statement commits itself)."""
    sql, moment = ballot.statements, now()
    if moment - utc(sql.from_db(target.last_seen)) > SEEN_EVERY:
        await ballot.run(sql.seen, {"token": token, "seen": sql.to_db(moment)})


async def _my_votes(ballot: Ballot, person: int) -> dict[str, int]:
    """The participant's votes: submission → slot."""
    return dict(await ballot.all(ballot.statements.my_votes, {"person": person}))


async def vote(ballot: Ballot, token: str, uuid: str) -> int:
    target = await _target(ballot, token, uuid)
    person, limit, sql = target.person, target.limit, ballot.statements
    if target.author == person:
        raise ApiError(403, "own_design")
    for _ in range(limit + 5):
        mine = await _my_votes(ballot, person)
        if uuid in mine:
            await _seen(ballot, token, target)
            await ballot.commit()
            return limit - len(mine)
        free = sorted(set(range(1, limit + 1)) - set(mine.values()))
        if not free:
            raise ApiError(409, "no_votes_left", votes=limit)
        params = {"person": person, "uuid": uuid, "workshop": target.workshop_id}
        try:
            await ballot.run(sql.insert, {**params, "slot": free[0], "created": sql.to_db(now())})
            await _seen(ballot, token, target)
            await ballot.commit()
            return limit - len(mine) - 1
        except IntegrityError:
            await ballot.rollback()  # another request of this participant took the slot: again
    raise ApiError(409, "busy")


async def withdraw(ballot: Ballot, token: str, uuid: str) -> int:
    target = await _target(ballot, token, uuid, shown=False)
    await ballot.run(ballot.statements.delete, {"person": target.person, "uuid": uuid})
    await _seen(ballot, token, target)
    left = target.limit - len(await _my_votes(ballot, target.person))  # before the commit: one
    await ballot.commit()  # round trip less on PostgreSQL, where the pool would commit again
    return left


def voted_for(session: Session, person: Participant) -> set[str]:
    """The submissions a participant has voted for (their own votes, shown only to them)."""
    return set(
        session.scalars(select(Vote.submission_uuid).where(Vote.participant_id == person.id))
    )
