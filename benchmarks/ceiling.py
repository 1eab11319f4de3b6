"""The ceiling apps of benchmarks/server.py: a vote with nothing of Quartier around it.

Two apps answer PUT and DELETE `/api/v1/submissions/{uuid}/vote` and `/healthz` with the same
SQL the server's vote runs, on the same database, straight on the driver: a bare ASGI
callable, and plain Starlette with one route each. What Quartier costs beyond them is its own:
routing, middleware, rate limits, checks. They check only what decides which statements run
(a known token, an approved design of the same workshop in the voting phase, a free slot).

SQLite: caller and target in one query, the caller's votes, the insert or delete, the commit,
on one sqlite3 connection per process on the event loop (WAL, synchronous=FULL, as the
server). PostgreSQL: the server's one statement per vote (server_sync/services/votes.py:
postgres_statements) on psycopg's async pool, as many connections per process as the
server's votes use (PG_CONNECTIONS), in autocommit; with QUARTIER_CEILING_STEPS set, the
three statements the server ran before, for the ceiling of that technique.

Run by benchmarks/server.py: `python benchmarks/ceiling.py bare|starlette DB-URL PORT WORKERS`
(DB-URL: `sqlite:///path` or `postgresql+psycopg://…`).
"""

import contextlib
import gc
import hashlib
import os
import socket
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from uvicorn.supervisors import Multiprocess

from server_sync.services.participants import SEEN_EVERY
from server_sync.services.votes import PG_CONNECTIONS, postgres_statements

ENV = "QUARTIER_CEILING_DB"
STEPS = "QUARTIER_CEILING_STEPS"
PREFIX, SUFFIX = "/api/v1/submissions/", "/vote"
CALLER_AND_TARGET = """
SELECT participants.id, participants.workshop_id, submissions.participant_id, submissions.status,
       submissions.workshop_id, workshops.phase, workshops.votes_per_participant,
       participant_tokens.last_seen
FROM participant_tokens
JOIN participants ON participants.id = participant_tokens.participant_id
LEFT OUTER JOIN submissions ON submissions.uuid = %s
LEFT OUTER JOIN workshops ON workshops.id = submissions.workshop_id
WHERE participant_tokens.token_hash = %s
"""
MY_VOTES = "SELECT submission_uuid, slot FROM votes WHERE participant_id = %s"
INSERT = (
    "INSERT INTO votes (participant_id, submission_uuid, workshop_id, slot, created) "
    "VALUES (%s, %s, %s, %s, %s)"
)
DELETE = "DELETE FROM votes WHERE participant_id = %s AND submission_uuid = %s"
SEEN = "UPDATE participant_tokens SET last_seen = %s WHERE token_hash = %s"
STORED = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a date in SQLite
OK = b'{"ok":true}'
JSON = [(b"content-type", b"application/json")]

#: (method, token, uuid) → (status, body): one vote on this process's database.
Vote = Callable[[str, str, str], Awaitable[tuple[int, bytes]]]


def decide(method: str, row: Any, mine: dict[str, int], uuid: str) -> tuple[int, int | None]:
    """(votes left, slot to insert or None) for a caller's row and votes; status 0 = go on."""
    limit = row[6]
    if method == "DELETE":
        return limit - len(mine) + (uuid in mine), None
    if uuid in mine:
        return limit - len(mine), None
    free = sorted(set(range(1, limit + 1)) - set(mine.values()))
    return limit - len(mine) - 1, free[0] if free else None


def refusal(method: str, row: Any) -> int:
    if row is None:
        return 401
    if (method == "PUT" and row[3] != "approved") or row[4] != row[1]:
        return 404
    if row[5] != "voting":
        return 409
    return 403 if method == "PUT" and row[2] == row[0] else 0


def sqlite_votes(path: str) -> Vote:
    db = sqlite3.connect(path, check_same_thread=False, timeout=30)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        db.execute(f"PRAGMA {pragma}")
    lookup, mine_sql, insert, delete, seen = (
        s.replace("%s", "?") for s in (CALLER_AND_TARGET, MY_VOTES, INSERT, DELETE, SEEN)
    )

    async def vote(method: str, token: str, uuid: str) -> tuple[int, bytes]:
        for _ in range(8):  # another process took the slot for the same participant: again
            try:
                return attempt(method, hashlib.sha256(token.encode()).hexdigest(), uuid)
            except sqlite3.IntegrityError:
                db.rollback()
        return 409, b"{}"

    def attempt(method: str, hashed: str, uuid: str) -> tuple[int, bytes]:
        row = db.execute(lookup, (uuid, hashed)).fetchone()
        status = refusal(method, row)
        if status:
            return status, b"{}"
        moment = datetime.now(UTC)
        if moment - datetime.fromisoformat(row[7]).replace(tzinfo=UTC) > timedelta(minutes=1):
            db.execute(seen, (moment.strftime(STORED), hashed))
        mine = dict(db.execute(mine_sql, (row[0],)).fetchall())
        left, slot = decide(method, row, mine, uuid)
        if method == "DELETE":
            db.execute(delete, (row[0], uuid))
        elif slot is not None:
            db.execute(insert, (row[0], uuid, row[1], slot, moment.strftime(STORED)))
        db.commit()
        return 200, b'{"votes_left":%d}' % left

    return vote


def postgres_votes(url: str) -> tuple[Vote, Any]:
    """The vote in one statement per request, as the server's (server_sync/services/votes.py:
    postgres_statements); with QUARTIER_CEILING_STEPS set, in the three statements the server
    used before (caller and target, my votes, insert or delete: the ceiling of that technique)."""
    from psycopg import IntegrityError
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        url.replace("postgresql+psycopg", "postgresql"),
        min_size=PG_CONNECTIONS,
        max_size=PG_CONNECTIONS,
        kwargs={"autocommit": True},  # as the server's votes: each statement commits itself
        open=False,
    )

    cast, take_back = postgres_statements()

    async def vote(method: str, token: str, uuid: str) -> tuple[int, bytes]:
        hashed = hashlib.sha256(token.encode()).hexdigest()
        for _ in range(8):  # two requests of one participant raced for a slot: again
            with contextlib.suppress(IntegrityError):
                if os.environ.get(STEPS):
                    return await steps(method, hashed, uuid)
                answer = await one_statement(method, hashed, uuid)
                if answer is not None:
                    return answer
        return 409, b"{}"

    async def one_statement(method: str, hashed: str, uuid: str) -> tuple[int, bytes] | None:
        moment = datetime.now(UTC)
        params = {"token": hashed, "uuid": uuid, "now": moment, "stale": moment - SEEN_EVERY}
        async with pool.connection() as db:
            sql = take_back if method == "DELETE" else cast
            row: Any = await (await db.execute(sql, params)).fetchone()
        status = refusal(method, row)
        if status:
            return status, b"{}"
        limit = row[6]
        if method == "DELETE":
            return 200, b'{"votes_left":%d}' % (limit - row[8])
        if row[9] or row[11]:  # voted before, or now
            return 200, b'{"votes_left":%d}' % (limit - row[8] - (not row[9]))
        return (409, b"{}") if row[10] is None else None  # no slot left, or a race: again

    async def steps(method: str, hashed: str, uuid: str) -> tuple[int, bytes]:
        async with pool.connection() as db:
            row: Any = await (await db.execute(CALLER_AND_TARGET, (uuid, hashed))).fetchone()
            status = refusal(method, row)
            if status:
                return status, b"{}"
            moment = datetime.now(UTC)
            if moment - row[7] > timedelta(minutes=1):
                await db.execute(SEEN, (moment, hashed))
            mine: dict[str, int] = dict(await (await db.execute(MY_VOTES, (row[0],))).fetchall())
            left, slot = decide(method, row, mine, uuid)
            if method == "DELETE":
                await db.execute(DELETE, (row[0], uuid))
            elif slot is not None:
                await db.execute(INSERT, (row[0], uuid, row[1], slot, moment))
        return 200, b'{"votes_left":%d}' % left

    return vote, pool


def votes_and_lifespan() -> tuple[Vote, Any]:
    """The vote on the database named in the environment, and a lifespan that opens its pool."""
    url = os.environ[ENV]
    pool = None
    if url.startswith("sqlite"):
        vote = sqlite_votes(url.removeprefix("sqlite:///"))
    else:
        vote, pool = postgres_votes(url)

    @asynccontextmanager
    async def lifespan(_app: object):
        if pool is not None:
            await pool.open(wait=True)
        gc.collect()  # as the server (server_sync/app.py: ready_to_serve), so that no full
        gc.freeze()  # collection walks what lives as long as the process
        yield
        if pool is not None:
            await pool.close()

    return vote, lifespan


def bare() -> Callable[..., Awaitable[None]]:
    """A bare ASGI callable: the path and the header by hand."""
    vote, lifespan = votes_and_lifespan()
    running = lifespan(None)

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await running.__aenter__()
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await running.__aexit__(None, None, None)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path, status, body = scope["path"], 404, b"{}"
        if path == "/healthz":
            status, body = 200, OK
        elif path.startswith(PREFIX) and path.endswith(SUFFIX):
            auth = dict(scope["headers"]).get(b"authorization", b"").decode()
            uuid = path[len(PREFIX) : -len(SUFFIX)]
            status, body = await vote(scope["method"], auth[7:], uuid)
        await send({"type": "http.response.start", "status": status, "headers": JSON})
        await send({"type": "http.response.body", "body": body})

    return app


def starlette() -> Starlette:
    """Plain Starlette: a route for the vote and one for /healthz."""
    vote, lifespan = votes_and_lifespan()

    async def voting(request: Request) -> Response:
        token = request.headers.get("authorization", "")[7:]
        status, body = await vote(request.method, token, request.path_params["uuid"])
        return Response(body, status, media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return Response(OK, media_type="application/json")

    routes = [
        Route("/api/v1/submissions/{uuid}/vote", voting, methods=["PUT", "DELETE"]),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main(kind: str, url: str, port: str, workers: str) -> None:
    """Serve `kind` as the server does: uvicorn, httptools, the asyncio loop; for several
    processes on a socket bound as TCP (so Nagle is off, as in server_sync/asgi.py)."""
    os.environ[ENV] = url
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    config = uvicorn.Config(
        f"ceiling:{kind}",
        factory=True,
        host="127.0.0.1",
        port=int(port),
        workers=int(workers),
        loop="asyncio",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
    if int(workers) == 1:
        uvicorn.Server(config).run()
    else:
        tcp = socket.socket(fileno=config.bind_socket().detach())
        Multiprocess(config, sockets=[tcp]).run()


if __name__ == "__main__":
    main(*sys.argv[1:5])
