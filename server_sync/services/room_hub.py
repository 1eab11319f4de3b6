"""The live side of shared rooms: members' sockets, the order of their edits, presence (docs/rooms.md).

One `Hub` per server process holds the rooms that have members connected to it. Each room
keeps the design as `game.core.room.Room`, so an edit is checked by the same code as in the
editor. Every room's edits go to one writer thread, in the order they came: it checks and
numbers them and stores them in batches, one transaction for all rooms (services/rooms.py),
and only once a batch is committed are its steps passed on, room by room in the order of
their numbers. So an acknowledged step is a stored one (after a SIGKILL no member holds a step
the server lost), while the edits of one room never wait for each other's commits one by
one. The grids belong to the writer: a member coming in gets the welcome between two batches,
when every step in the grid is stored and passed on. What is passed on is encoded once and put
in every member's own outbox; a member whose outbox is full (a phone that stopped reading) is
let go, so one slow reader never holds the others up.

Several server processes (`--workers`) may each hold the same room: steps are numbered in the
database, and each process polls the rooms it holds (`POLL_SECONDS`, one query for all of
them) for steps the others stored, and passes those on too. Presence (who is connected, where
they point) is per process: members connected to another process are listed as members, not
as online.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.core.ops import Undo, parse_script
from game.core.room import Room as Shared
from game.core.room import RoomEdit
from server_sync.errors import ApiError
from server_sync.models import Room
from server_sync.security import RateLimiter
from server_sync.services import rooms
from server_sync.services.participants import participant_with_token
from server_sync.services.workshops import known_level, workshop_or_404

log = logging.getLogger("quartier.rooms")

PROTOCOL = 1
MAX_MESSAGE = 64 * 1024
"""Bytes of one message from a client: a long line or a big stamp fit, a flood does not."""
HELLO_SECONDS = 10.0
OUTBOX = 2000
"""Messages waiting for one member before they are let go (a whole class's minute of edits)."""
EDITS_PER_SECOND = 20
"""A member's edits per second (over 2 s): faster than a hand, slower than an auto-clicker."""
POINTS_PER_SECOND = 10
POLL_SECONDS = 0.05


class Close(Exception):
    """End one member's connection with a code and a message in their language (docs/rooms.md)."""

    def __init__(self, code: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.code, self.key, self.params = code, key, params


@dataclass(eq=False)
class Client:
    ws: WebSocket
    member: rooms.Member
    lang: Language
    outbox: asyncio.Queue[str | Close] = field(default_factory=lambda: asyncio.Queue(OUTBOX))
    pointer: list[int] | None = None

    @property
    def key(self) -> str:
        return str(self.member.participant_id)

    def send(self, message: str | Close) -> bool:
        """Queue a message; False if this member stopped reading (their outbox is full)."""
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True


@dataclass(eq=False)
class LiveRoom:
    id: int
    code: str
    title: str
    workshop_id: int
    shared: Shared
    locked: bool
    sent: int = 0
    """The newest step passed on to the members (the grid may be ahead while a batch is written)."""
    clients: list[Client] = field(default_factory=list)


@dataclass(eq=False)
class _Job:
    """A step waiting for the writer: the room, what makes the step (None: only catch up on
    other processes' steps), the sender's ticket, and its answer."""

    room: LiveRoom
    make: rooms.Make | None
    ticket: int | None
    done: asyncio.Future[RoomEdit | None]


@dataclass(eq=False)
class _Entrant:
    """A member waiting for their welcome until the batch being written is passed on."""

    room: LiveRoom
    client: Client
    since: object
    done: asyncio.Future[None]


def _dump(message: object) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def step_message(step: RoomEdit, ticket: int | None = None) -> str:
    index, values = step.diff()
    return _dump(
        {
            "type": "step",
            "seq": step.seq,
            "by": int(step.author) if step.author.isdigit() else None,
            "kind": step.kind,
            "index": index.tolist(),
            "block": values.tolist(),
            "ticket": ticket,
        }
    )


class Hub:
    """The rooms this process has members of, and the loop that hears of other processes' steps."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], float] = time.monotonic
    ):
        self.sessions = sessions
        self.clock = clock
        self.live: dict[int, LiveRoom] = {}
        self._opening = asyncio.Lock()
        self._edits = RateLimiter(EDITS_PER_SECOND * 2, window=2.0, clock=clock)
        self._points = RateLimiter(POINTS_PER_SECOND, window=1.0, clock=clock)
        self._poller: asyncio.Task[None] | None = None
        # Every room's steps are written by this one thread, in batches: what waits while one
        # batch is written goes into the next, one transaction for all rooms. SQLite takes one
        # writer at a time, and writers of one process waiting on each other sleep in its busy
        # handler (6 s at p95 with 40 rooms of 5, measured); one commit per step capped the
        # rooms at ~350 steps a second on these cores.
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="rooms-writer")
        self._jobs: list[_Job] = []
        self._entrants: list[_Entrant] = []
        self._writing: asyncio.Task[None] | None = None

    async def _store(
        self, room: LiveRoom, make: rooms.Make | None, ticket: int | None = None
    ) -> RoomEdit | None:
        """One new step of `room`, made, stored and passed on with the next batch; raises the
        refusal (`QuartierError`, `ApiError`) if it was refused."""
        job = _Job(room, make, ticket, asyncio.get_running_loop().create_future())
        self._jobs.append(job)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_batches())
        return await job.done

    async def _write_batches(self) -> None:
        """Write what waits as one batch, pass its steps on, let members in; again while more waits."""
        loop = asyncio.get_running_loop()
        while True:
            self._let_in()
            if not self._jobs:
                return
            batch, self._jobs = self._jobs, []
            results: list[RoomEdit | BaseException | None]
            try:
                results = list(await loop.run_in_executor(self._writer, self._append_all, batch))
            except Exception as failed:  # the whole transaction: every step of it is lost
                results = [failed] * len(batch)
            tickets = {
                (job.room.id, result.seq): job.ticket
                for job, result in zip(batch, results)
                if isinstance(result, RoomEdit)
            }
            for room in dict.fromkeys(job.room for job in batch):
                self._pass_on(room, tickets)
            for job, result in zip(batch, results):
                if job.done.done():  # its member left meanwhile
                    continue
                if isinstance(result, BaseException):
                    job.done.set_exception(result)
                else:
                    job.done.set_result(result)

    def _append_all(self, batch: list[_Job]) -> list[RoomEdit | QuartierError | ApiError | None]:
        """The writer thread's part: one transaction for the batch (services/rooms.py)."""
        with self.sessions() as session:
            try:
                with session.begin():
                    return rooms.append_all(
                        session, [(job.room.id, job.room.shared, job.make) for job in batch]
                    )
            except Exception:
                # The grids hold steps the database did not take: start again from what it has.
                for room in dict.fromkeys(job.room for job in batch):
                    room_row = session.get(Room, room.id)
                    if room_row is not None:
                        room.shared = rooms.load(session, room_row, room.shared.level)
                raise

    # -- connections -----------------------------------------------------------------------
    async def serve(self, ws: WebSocket, code: str) -> None:
        """One member's connection, from the hello to the last message (routes/rooms.py)."""
        await ws.accept()
        client: Client | None = None
        room: LiveRoom | None = None
        lang: Language = "en"
        try:
            hello = await self._hello(ws)
            lang = "de" if hello.get("lang") == "de" else "en"
            room, member = await self._enter(code, hello.get("token"))
            client = Client(ws, member, lang)
            sender = asyncio.create_task(self._send_loop(client))
            try:
                await self._come_in(room, client, hello.get("since"))
                self._presence(room)
                await self._receive_loop(room, client)
            finally:
                if client in room.clients:
                    sender.cancel()
                else:  # taken out of the room: the send loop still says why
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(sender, 2.0)
        except Close as close:
            await self._close(ws, close, lang)
        except WebSocketDisconnect:
            pass
        except Exception:
            log.exception("a room's connection failed")
            with contextlib.suppress(Exception):
                await ws.close(1011, "internal")
        finally:
            if room is not None and client is not None and client in room.clients:
                room.clients.remove(client)
                self._presence(room)
                self._forget_if_empty(room)

    async def _hello(self, ws: WebSocket) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(ws.receive(), HELLO_SECONDS)
        except TimeoutError:
            raise Close(4408, "room_no_hello") from None
        hello = self._parse(raw)
        if hello.get("type") != "hello" or hello.get("v") != PROTOCOL:
            raise Close(4400, "room_no_hello")
        return hello

    def _parse(self, raw: MutableMapping[str, Any]) -> dict[str, Any]:
        if raw.get("type") == "websocket.disconnect":
            raise WebSocketDisconnect(raw.get("code", 1000))
        data = raw.get("text")
        if data is None:
            raise Close(4400, "room_bad_message")
        if len(data.encode()) > MAX_MESSAGE:
            raise Close(1009, "room_message_too_big", limit=MAX_MESSAGE // 1024)
        try:
            message = json.loads(data)
        except ValueError:
            raise Close(4400, "room_bad_message") from None
        if not isinstance(message, dict):
            raise Close(4400, "room_bad_message")
        return message

    async def _enter(self, code: str, token: object) -> tuple[LiveRoom, rooms.Member]:
        def check() -> tuple[Room, rooms.Member]:
            with self.sessions() as session:
                try:
                    person = participant_with_token(
                        session, token if isinstance(token, str) else None
                    )
                    room = rooms.by_code(session, code)
                    workshop_or_404(session, room.workshop_id)
                    return room, rooms.join(session, room, person)
                except ApiError as refused:
                    raise Close(4000 + refused.status, refused.code, **refused.params) from None

        row, member = await run_in_threadpool(check)
        return await self._open(row), member

    async def _open(self, row: Room) -> LiveRoom:
        async with self._opening:
            live = self.live.get(row.id)
            if live is None:
                workshop_id = row.workshop_id

                def load() -> Shared:
                    with self.sessions() as session:
                        room = session.get(Room, row.id)
                        assert room is not None
                        level_id = workshop_or_404(session, workshop_id).level_id
                        return rooms.load(session, room, known_level(level_id))

                shared = await run_in_threadpool(load)
                live = LiveRoom(
                    row.id, row.code, row.title, workshop_id, shared, row.locked, shared.seq
                )
                self.live[row.id] = live
                if self._poller is None or self._poller.done():
                    self._poller = asyncio.create_task(self._poll())
            return live

    def _forget_if_empty(self, room: LiveRoom) -> None:
        if not room.clients and not any(e.room is room for e in self._entrants):
            self.live.pop(room.id, None)

    async def _come_in(self, room: LiveRoom, client: Client, since: object) -> None:
        """Welcome the member and add them to the room once no step of its grid is unsent."""
        entrant = _Entrant(room, client, since, asyncio.get_running_loop().create_future())
        self._entrants.append(entrant)
        if self._writing is None or self._writing.done():
            self._let_in()
        await entrant.done

    def _let_in(self) -> None:
        """Between batches (the writer holds no grid): every waiting member gets the welcome."""
        entrants, self._entrants = self._entrants, []
        for entrant in entrants:
            if entrant.done.done():  # gone while waiting
                continue
            entrant.client.send(self._welcome(entrant.room, entrant.client, entrant.since))
            entrant.room.clients.append(entrant.client)
            entrant.done.set_result(None)

    def _welcome(self, room: LiveRoom, client: Client, since: object) -> str:
        shared = room.shared
        first = shared.seq - len(shared.log)
        message: dict[str, Any] = {
            "type": "welcome",
            "v": PROTOCOL,
            "you": _member(client.member),
            "room": {"code": room.code, "title": room.title, "locked": room.locked},
            "level": shared.level.doc.id,
            "seq": shared.seq,
        }
        if isinstance(since, int) and first <= since <= shared.seq:
            message["since"] = since
            message["steps"] = [json.loads(step_message(s)) for s in shared.log[since - first :]]
        else:
            index, values = shared.session.differences()
            message["state"] = {"index": index.tolist(), "block": values.tolist()}
        return _dump(message)

    async def _send_loop(self, client: Client) -> None:
        """Send what is queued for the member, in order; a `Close` ends the connection after it."""
        while True:
            message = await client.outbox.get()
            if isinstance(message, Close):
                await self._close(client.ws, message, client.lang)
                return
            await client.ws.send_text(message)

    async def _close(self, ws: WebSocket, close: Close, lang: Language) -> None:
        message = text(lang, f"server.{close.key}", **close.params)
        with contextlib.suppress(Exception):
            await ws.send_text(_dump({"type": "error", "code": close.key, "message": message}))
            await ws.close(close.code, close.key)

    async def _receive_loop(self, room: LiveRoom, client: Client) -> None:
        while True:
            message = self._parse(await client.ws.receive())
            kind = message.get("type")
            if kind == "ping":
                client.send(_dump({"type": "pong"}))
            elif kind in ("edit", "undo"):
                await self._edit(room, client, message)
            elif kind == "point":
                self._point(room, client, message.get("at"))
            else:
                raise Close(4400, "room_bad_message")
            if client not in room.clients:
                return  # removed or let go: the send loop says why and closes

    # -- edits -------------------------------------------------------------------------------
    async def _edit(self, room: LiveRoom, client: Client, message: dict[str, Any]) -> None:
        ticket = message.get("ticket")
        if not isinstance(ticket, int) or isinstance(ticket, bool):
            raise Close(4400, "room_bad_message")
        if self._edits.check(f"{room.id}:{client.key}"):
            return self._refuse(client, ticket, "room_slow_down")
        if room.locked:
            return self._refuse(client, ticket, "room_locked")
        try:
            if message["type"] == "undo":
                op: Any = Undo()
            else:
                (op,) = parse_script(_dump([message.get("op")]), what="op")
        except (QuartierError, ValueError, ValidationError):
            return self._refuse(client, ticket, "room_bad_op")
        clipped = None

        def make(shared: Shared) -> RoomEdit:
            nonlocal clipped
            if isinstance(op, Undo):
                return shared.undo(client.key, client.lang)
            applied = shared.edit(client.key, op, client.lang)
            clipped = applied.clipped
            return applied.edit

        try:
            await self._store(room, make, ticket)
        except QuartierError as refused:
            return self._refused(client, ticket, refused)
        except ApiError as refused:
            if refused.code == "room_locked":
                room.locked = True
            return self._refuse(client, ticket, refused.code, **refused.params)
        if clipped is not None and clipped.skipped:
            client.send(
                _dump(
                    {
                        "type": "left_out",
                        "ticket": ticket,
                        "outside_zone": clipped.skipped_outside_zone - clipped.skipped_too_high,
                        "too_high": clipped.skipped_too_high,
                        "locked": clipped.skipped_locked,
                    }
                )
            )

    def _refused(self, client: Client, ticket: int, refused: QuartierError) -> None:
        """The core's refusal of an edit (zone, height, budget, undo), said in the member's language."""
        code, message = refused.key.removeprefix("error."), refused.message(client.lang)
        client.send(_dump({"type": "refused", "ticket": ticket, "code": code, "message": message}))

    def _refuse(self, client: Client, ticket: int, code: str, **params: object) -> None:
        """The server's refusal of an edit (too fast, locked), said in the member's language."""
        message = text(client.lang, f"server.{code}", **params)
        client.send(_dump({"type": "refused", "ticket": ticket, "code": code, "message": message}))

    def _pass_on(self, room: LiveRoom, tickets: dict[tuple[int, int], int | None]) -> None:
        """Send the members every stored step they do not have yet, in order; `tickets`: the
        senders' numbers of the steps, by room and step."""
        shared = room.shared
        first = shared.seq - len(shared.log)
        for step in shared.log[max(0, room.sent - first) :]:
            self._broadcast(room, step_message(step, tickets.get((room.id, step.seq))))
        room.sent = shared.seq

    def _broadcast(self, room: LiveRoom, message: str) -> None:
        for client in list(room.clients):
            if not client.send(message):
                room.clients.remove(client)
                with contextlib.suppress(Exception):
                    asyncio.get_running_loop().create_task(client.ws.close(1013, "too slow"))

    # -- presence ----------------------------------------------------------------------------
    def _point(self, room: LiveRoom, client: Client, at: object) -> None:
        valid = at is None or (
            isinstance(at, list)
            and len(at) == 3
            and all(isinstance(c, int) and not isinstance(c, bool) for c in at)
        )
        if not valid:
            raise Close(4400, "room_bad_message")
        if self._points.check(f"{room.id}:{client.key}"):
            return
        client.pointer = at if isinstance(at, list) else None
        message = _dump({"type": "point", "id": client.member.participant_id, "at": client.pointer})
        self._broadcast(room, message)

    def _presence(self, room: LiveRoom) -> None:
        online = {c.member.participant_id for c in room.clients}

        def listed() -> list[rooms.Member]:
            with self.sessions() as session:
                return rooms.members(session, room.id)

        async def send() -> None:
            everyone = await run_in_threadpool(listed)
            members = [{**_member(m), "online": m.participant_id in online} for m in everyone]
            self._broadcast(room, _dump({"type": "presence", "members": members}))

        asyncio.get_running_loop().create_task(send())

    # -- other processes' steps ----------------------------------------------------------------
    async def _poll(self) -> None:
        while self.live:
            await asyncio.sleep(POLL_SECONDS)
            ids = list(self.live)
            if not ids:
                break

            def stored(ids: list[int]) -> list[tuple[int, int, bool]]:
                with self.sessions() as session:
                    rows = session.execute(
                        select(Room.id, Room.seq, Room.locked).where(Room.id.in_(ids))
                    ).all()
                    return [(int(a), int(b), bool(c)) for a, b, c in rows]

            try:
                found = await run_in_threadpool(stored, ids)
            except Exception:  # the database is busy or gone for a moment: try again
                log.exception("polling the rooms failed")
                continue
            behind = []
            for room_id, seq, locked in found:
                room = self.live.get(room_id)
                if room is None:
                    continue
                if locked != room.locked:
                    room.locked = locked
                    self._broadcast(room, _dump({"type": "locked", "locked": locked}))
                if seq > room.shared.seq:  # caught up on (and passed on) with the next batch
                    behind.append(self._store(room, None))
            await asyncio.gather(*behind, return_exceptions=True)

    # -- the teacher ---------------------------------------------------------------------------
    def online(self, room_id: int) -> list[int]:
        live = self.live.get(room_id)
        return [c.member.participant_id for c in live.clients] if live else []

    async def set_locked(self, room_id: int, locked: bool) -> None:
        live = self.live.get(room_id)
        if live is not None and live.locked != locked:
            live.locked = locked
            self._broadcast(live, _dump({"type": "locked", "locked": locked}))

    async def remove(self, room_id: int, participant_id: int) -> None:
        live = self.live.get(room_id)
        if live is None:
            return
        for client in [c for c in live.clients if c.member.participant_id == participant_id]:
            live.clients.remove(client)
            if not client.send(Close(4403, "room_removed")):
                await self._close(client.ws, Close(4403, "room_removed"), client.lang)
        self._presence(live)

    async def rollback(self, room: Room, to_seq: int, by: str) -> RoomEdit:
        live = await self._open(room)
        try:
            step = await self._store(live, lambda shared: shared.rollback(by, to_seq))
        except QuartierError as refused:
            raise ApiError(409, "room_rollback_range", **refused.params) from None
        finally:
            self._forget_if_empty(live)
        assert step is not None, "a job with `make` answers with its step"
        return step

    async def close(self) -> None:
        """The server stops: every member hears it (they reconnect to the restarted server)."""
        if self._poller is not None:
            self._poller.cancel()
        self._writer.shutdown(wait=False)
        for room in list(self.live.values()):
            for client in list(room.clients):
                with contextlib.suppress(Exception):
                    await client.ws.close(1012, "restarting")
        self.live.clear()


def _member(member: rooms.Member) -> dict[str, Any]:
    return {"id": member.participant_id, "name": member.pseudonym, "colour": member.colour}
