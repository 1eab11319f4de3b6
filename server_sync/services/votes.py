"""Votes: only in the voting phase, one per submission, N per participant, held by the database.

A vote takes the lowest free slot of the participant; if two requests race for the same slot,
the unique key refuses one and it tries the next slot, until none is left.

The busiest calls of a workshop, so they run as close to the database driver as the rules
allow (issue 15: SQLAlchemy's own Python was half the time of a vote), without ORM objects or
SQLAlchemy's execution machinery:

- SQLite: three short statements (caller and target in one query, the caller's votes, the
  insert or delete) and a commit, SQLAlchemy Core compiled once when the server starts, on one
  connection of its own used on the event loop, where a transaction takes a fraction of a
  millisecond and a thread hop would cost more; a vote never waits for the connection a
  request in the thread pool holds.
- PostgreSQL: one statement per vote (`CAST` and `WITHDRAW`: the same checks, slot and writes
  in data-modifying CTEs), on psycopg's async pool in autocommit (PG_CONNECTIONS per server
  process), so a vote holds a pooled connection for one round trip and one commit instead of
  three or four round trips (issue 15: p99 at 50 connections was 154 ms, with votes queueing
  for the pool's connections while each waited on the network between its statements).

`benchmarks/server.py` measures this against a bare ASGI app and plain Starlette running the
same SQL on the same database (benchmarks/ceiling.py).
"""

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, case, delete, insert, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from game.core.errors import QuartierError
from server_sync.errors import ApiError
from server_sync.models import (
    Participant,
    ParticipantToken,
    RoomMember,
    Submission,
    Vote,
    Workshop,
    now,
    utc,
)
from server_sync.services.participants import SEEN_EVERY

#: Connections of the votes' pool per server process on PostgreSQL: enough that 50 clients
#: keep the database busy, few enough that several processes stay far below its limit.
PG_CONNECTIONS = 16

# A team room's design counts as the caller's own if they are (or were) in the room: its
# author is then the caller, so every "own design" check below refuses their vote.
_TEAMMATE = (
    select(RoomMember.participant_id)
    .where(RoomMember.room_id == Submission.room_id, RoomMember.participant_id == Participant.id)
    .exists()
)
# The caller (by their device's token hash) and the submission (by uuid) with its workshop, in one round trip.
_CALLER_AND_TARGET = (
    select(
        Participant.id,
        Participant.workshop_id,
        case((_TEAMMATE, Participant.id), else_=Submission.participant_id).label("participant_id"),
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


# PostgreSQL: a vote in one statement. `caller` is _CALLER_AND_TARGET (compiled for psycopg:
# %(token)s, %(uuid)s); `rules` keeps its row only where the vote may pass, so a refused vote
# writes nothing and Python names the refusal from the caller's columns. A slot another request
# of the same participant took meanwhile is skipped by ON CONFLICT DO NOTHING (no error, no
# aborted statement): `added` is then empty while a slot was free, and the vote tries again.
_PG_MINE = "mine AS (SELECT votes.submission_uuid, votes.slot FROM votes JOIN caller ON votes.participant_id = caller.id)"
_PG_SEEN = """seen AS (
  UPDATE participant_tokens SET last_seen = %(now)s
  WHERE token_hash = %(token)s AND last_seen < %(stale)s AND ({accepted})
)"""
_PG_CAST = (
    """WITH caller AS ({caller}),
{mine},
rules AS (
  SELECT * FROM caller WHERE status = 'approved' AND target_workshop = workshop_id
    AND phase = 'voting' AND participant_id <> id
),
already AS (SELECT FROM rules JOIN mine ON mine.submission_uuid = %(uuid)s),
free AS (
  SELECT min(n) AS slot FROM rules, generate_series(1, rules.votes_per_participant) AS n
  WHERE n NOT IN (SELECT slot FROM mine)
),
added AS (
  INSERT INTO votes (participant_id, submission_uuid, workshop_id, slot, created)
  SELECT rules.id, %(uuid)s, rules.workshop_id, free.slot, %(now)s FROM rules, free
  WHERE free.slot IS NOT NULL AND NOT EXISTS (SELECT FROM already)
  ON CONFLICT DO NOTHING
  RETURNING slot
),
"""
    + _PG_SEEN.format(accepted="EXISTS (SELECT FROM added) OR EXISTS (SELECT FROM already)")
    + """
SELECT caller.*, (SELECT count(*) FROM mine), EXISTS (SELECT FROM already),
       (SELECT slot FROM free), EXISTS (SELECT FROM added)
FROM caller"""
)
_PG_WITHDRAW = (
    """WITH caller AS ({caller}),
rules AS (SELECT * FROM caller WHERE target_workshop = workshop_id AND phase = 'voting'),
gone AS (
  DELETE FROM votes USING rules
  WHERE votes.participant_id = rules.id AND votes.submission_uuid = %(uuid)s
  RETURNING votes.slot
),
"""
    + _PG_SEEN.format(accepted="EXISTS (SELECT FROM rules)")
    + """
SELECT caller.*,
       (SELECT count(*) FROM votes WHERE votes.participant_id = caller.id)
       - (SELECT count(*) FROM gone)
FROM caller"""
)


def postgres_statements() -> tuple[str, str]:
    """The vote's and the withdrawal's one statement on PostgreSQL (psycopg's %(name)s
    parameters: token, uuid, now, stale); the first eight columns are `Target`'s."""
    caller = Statements(postgresql_psycopg.dialect()).caller_and_target
    return _PG_CAST.format(caller=caller, mine=_PG_MINE), _PG_WITHDRAW.format(caller=caller)


def _as_sqlalchemy(sql: str, params: dict[str, Any], exc: Exception, driver: Any) -> Exception:
    """The driver's error as SQLAlchemy would raise it (IntegrityError for a taken slot, the
    rest for the app's handler that turns a full disk into a 507: server_sync/errors.py)."""
    return DBAPIError.instance(sql, params, exc, driver.Error)


def _checked(row: tuple | None, *, shown: bool = True) -> Target:
    """The caller and the submission they may vote on (`shown`: only an approved one), or the
    refusal. Withdrawing asks for any submission of the workshop: a vote given before the
    moderator hid a design must not stay stuck on it."""
    if row is None:
        raise ApiError(401, "not_participant")
    target = Target(*row[:8])
    if (shown and target.status != "approved") or target.target_workshop != target.workshop_id:
        raise ApiError(404, "no_submission")
    if target.phase != "voting":
        raise ApiError(409, "not_voting")
    if shown and target.author == target.person:
        raise ApiError(403, "own_design")
    return target


class SqliteBallot:
    """The votes' own SQLite connection (the server's pragmas: WAL, synchronous=FULL), used on
    the event loop: its calls never wait for another process for long (busy_timeout aside).
    A vote is a few statements and a commit (`cast`, `withdraw`)."""

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

    def _execute(self, sql: str, params: dict[str, Any]) -> Any:
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise _as_sqlalchemy(sql, params, exc, sqlite3) from exc

    def _commit(self) -> None:
        try:
            self._db.commit()
        except sqlite3.Error as exc:
            raise _as_sqlalchemy("COMMIT", {}, exc, sqlite3) from exc

    def _connected(self) -> None:
        if self._db is None:
            raise RuntimeError("the app's lifespan has not started: no connection for votes")

    async def cast(self, token: str, uuid: str) -> int:
        self._connected()
        try:
            return self._cast(token, uuid)
        except BaseException:
            self._db.rollback()  # what the vote began (a `last_seen`)
            raise

    async def withdraw(self, token: str, uuid: str) -> int:
        self._connected()
        try:
            return self._withdraw(token, uuid)
        except BaseException:
            self._db.rollback()
            raise

    def _target(self, token: str, uuid: str, *, shown: bool = True) -> Target:
        sql = self.statements
        return _checked(
            self._execute(sql.caller_and_target, {"token": token, "uuid": uuid}).fetchone(),
            shown=shown,
        )

    def _seen(self, token: str, target: Target) -> None:
        """The device's `last_seen`, at most once a minute, written only with an accepted vote
        or withdrawal (a refused one writes nothing)."""
        sql, moment = self.statements, now()
        if moment - utc(sql.from_db(target.last_seen)) > SEEN_EVERY:
            self._execute(sql.seen, {"token": token, "seen": sql.to_db(moment)})

    def _my_votes(self, person: int) -> dict[str, int]:
        """The participant's votes: submission → slot."""
        return dict(self._execute(self.statements.my_votes, {"person": person}).fetchall())

    def _cast(self, token: str, uuid: str) -> int:
        target = self._target(token, uuid)
        person, limit, sql = target.person, target.limit, self.statements
        for _ in range(limit + 5):
            mine = self._my_votes(person)
            if uuid in mine:
                self._seen(token, target)
                self._commit()
                return limit - len(mine)
            free = sorted(set(range(1, limit + 1)) - set(mine.values()))
            if not free:
                raise ApiError(409, "no_votes_left", votes=limit)
            params = {"person": person, "uuid": uuid, "workshop": target.workshop_id}
            try:
                self._execute(sql.insert, {**params, "slot": free[0], "created": sql.to_db(now())})
                self._seen(token, target)
                self._commit()
                return limit - len(mine) - 1
            except IntegrityError:
                self._db.rollback()  # another process took the slot for this participant: again
        raise ApiError(409, "busy")

    def _withdraw(self, token: str, uuid: str) -> int:
        target = self._target(token, uuid, shown=False)
        self._execute(self.statements.delete, {"person": target.person, "uuid": uuid})
        self._seen(token, target)
        left = target.limit - len(self._my_votes(target.person))
        self._commit()
        return left


class PostgresBallots:
    """psycopg's async pool for the votes, opened and closed with the app's lifespan. Each
    connection is in autocommit: a vote is one statement (`_PG_CAST`, `_PG_WITHDRAW`), its own
    transaction, so psycopg spends no round trip on BEGIN or COMMIT; it prepares a statement
    it has run a few times on a connection."""

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
        self.cast_sql, self.withdraw_sql = postgres_statements()
        self.pool = AsyncConnectionPool(
            conninfo,
            min_size=PG_CONNECTIONS,
            max_size=PG_CONNECTIONS,
            kwargs={"autocommit": True},
            open=False,
        )

    async def open(self) -> None:
        await self.pool.open()

    async def close(self) -> None:
        await self.pool.close()

    async def _one(self, sql: str, token: str, uuid: str) -> tuple | None:
        moment = now()
        params = {"token": token, "uuid": uuid, "now": moment, "stale": moment - SEEN_EVERY}
        try:
            async with self.pool.connection() as db:
                return await (await db.execute(sql, params)).fetchone()
        except self.driver.Error as exc:
            raise _as_sqlalchemy(sql, params, exc, self.driver) from exc

    async def cast(self, token: str, uuid: str) -> int:
        for _ in range(25):  # 20 slots at most (models: votes_in_range), and a few races
            try:
                row = await self._one(self.cast_sql, token, uuid)
            except IntegrityError:  # the design was deleted meanwhile: the next round says so
                continue
            target = _checked(row)
            assert row is not None  # _checked refused it otherwise
            mine, already, free, added = row[8:]
            if already:
                return target.limit - mine
            if added:
                return target.limit - mine - 1
            if free is None:
                raise ApiError(409, "no_votes_left", votes=target.limit)
            # another request of this participant took the free slot meanwhile: again
        raise ApiError(409, "busy")

    async def withdraw(self, token: str, uuid: str) -> int:
        row = await self._one(self.withdraw_sql, token, uuid)
        target = _checked(row, shown=False)
        assert row is not None
        return target.limit - row[8]


Ballots = SqliteBallot | PostgresBallots


def ballots(url: str, sqlite_engine: Callable[[str], Engine]) -> Ballots:
    """The votes' connection(s) for the database at `url` (`sqlite_engine` makes an engine
    with the server's pragmas: server_sync.db.make_engine)."""
    if url.startswith("sqlite"):
        return SqliteBallot(sqlite_engine(url))
    return PostgresBallots(url)


#: A vote action: (ballots, token hash, submission uuid) → votes left.
Action = Callable[[Ballots, str, str], Awaitable[int]]


async def run_vote(ballots: Ballots, action: Action, token_hash: str | None, uuid: str) -> int:
    """Run `vote` or `withdraw` for the participant whose token has `token_hash`: votes left."""
    if not token_hash:
        raise ApiError(401, "not_participant")
    return await action(ballots, token_hash, uuid)


async def vote(ballots: Ballots, token: str, uuid: str) -> int:
    return await ballots.cast(token, uuid)


async def withdraw(ballots: Ballots, token: str, uuid: str) -> int:
    return await ballots.withdraw(token, uuid)


def voted_for(session: Session, person: Participant) -> set[str]:
    """The submissions a participant has voted for (their own votes, shown only to them)."""
    return set(
        session.scalars(select(Vote.submission_uuid).where(Vote.participant_id == person.id))
    )
