"""The pupil's side of a team room (docs/rooms.md): a socket in a thread of its own, the room's
grid as the server confirmed it, and the pupil's own edits shown at once on top.

The editor calls `propose` and `undo` when the pupil builds and `events` once a frame; nothing
here blocks the frame. The thread keeps the connection: it sends what the editor queued, applies
the server's numbered steps to the `Mirror` (game.core.room) in order, and when the line drops it
reconnects with `since` = the last step it has, so it gets exactly the steps it missed. Edits the
pupil made while the line was down stay shown and are sent again after the reconnect (the server
numbers each once: an unanswered edit is re-sent with its ticket, and a ticket the server already
answered is answered again as refused: "no change").

The `websockets` library's synchronous client: the editor has no event loop of its own (pyglet's
is not asyncio), and one thread per room is what the sync worker does for the outbox.
"""

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from game.core.errors import QuartierError
from game.core.level import Level
from game.core.ops import Operation
from game.core.room import Mirror
from game.sync.client import API, call
from game.sync.credentials import Participant


@dataclass(frozen=True)
class RoomInfo:
    """A room as `POST /workshops/{id}/rooms` and `GET /rooms/{code}` answer it (docs/rooms.md)."""

    code: str
    title: str
    level_id: str
    members: list[dict[str, Any]]

    @classmethod
    def read(cls, answer: dict[str, Any], server: str) -> "RoomInfo":
        try:
            return cls(
                str(answer["code"]),
                str(answer.get("title") or ""),
                str(answer["level_id"]),
                list(answer.get("members") or []),
            )
        except (KeyError, TypeError):
            raise QuartierError("sync.bad_answer", server=server) from None


def make_room(person: Participant, title: str, lang: str = "en") -> RoomInfo:
    """Make a team room in the pupil's workshop; the pupil is its first member."""
    answer = call(
        person, "POST", f"workshops/{person.workshop_id}/rooms", {"title": title}, lang=lang
    )
    return RoomInfo.read(answer, person.server)


def find_room(person: Participant, code: str, lang: str = "en") -> RoomInfo:
    """The room with this code (as typed: spaces, dashes and case do not matter)."""
    cleaned = "".join(c for c in code.upper() if c.isalnum())
    if not cleaned:
        raise QuartierError("room.need_code")
    return RoomInfo.read(call(person, "GET", f"rooms/{cleaned}", lang=lang), person.server)


def room_url(server: str, code: str) -> str:
    """The room's socket: the server's address with ws:// (wss:// behind https)."""
    return "ws" + server.removeprefix("http") + f"{API}/rooms/{code}/ws"


class _TurnedAway(Exception):
    """The server answered the hello with an error (removed, a stale token): no use trying again."""


RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)
"""Waits between tries after the line drops: quick at first (a Wi-Fi hiccup), then calmer."""


@dataclass(frozen=True)
class Step:
    """A numbered change the room made (an edit, an undo, a rollback) and who made it."""

    seq: int
    by: int | None
    kind: str
    count: int
    mine: bool
    built: int = 0
    """How many of the `count` voxels now hold a block (the rest became air): "built" or "removed"."""


@dataclass(frozen=True)
class Refused:
    """One of the pupil's edits the server refused; it is gone from the grid. `message` says why."""

    code: str
    message: str


@dataclass(frozen=True)
class Presence:
    members: list[dict[str, Any]]


@dataclass(frozen=True)
class Pointer:
    member: int
    at: tuple[int, int, int] | None


@dataclass(frozen=True)
class Ended:
    """The server ended the connection for good (removed from the room, a stale token, ...)."""

    code: str
    message: str


Event = Step | Refused | Presence | Pointer | Ended


@dataclass
class RoomClient:
    """One room, seen and built by one pupil. Start it with `connect()`; stop it with `close()`."""

    url: str
    """`ws://host:port/api/v1/rooms/CODE/ws`."""
    token: str
    level: Level
    lang: str = "en"
    mirror: Mirror | None = None
    me: int | None = None
    locked: bool = False
    online: bool = False
    """Connected now; False while the thread reconnects after the line dropped."""
    _out: "queue.Queue[dict[str, Any]]" = field(default_factory=queue.Queue)
    _events: "queue.Queue[Event]" = field(default_factory=queue.Queue)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _sent: dict[int, dict[str, Any]] = field(default_factory=dict)

    def connect(self, timeout: float = 10.0) -> None:
        """Open the room (the first welcome within `timeout`), then keep it open in a thread.

        Raises `QuartierError`: the server's refusal (room full, removed, ...) in the pupil's
        language, or no connection."""
        from websockets.sync.client import connect

        try:
            socket = connect(self.url, open_timeout=timeout).__enter__()  # closed by `_serve`
        except Exception as exc:  # refused, no route, a handshake that is not a room's
            raise QuartierError("sync.no_connection", server=self.url.split("/api/")[0]) from exc
        try:
            self._hello(socket, timeout)
        except _TurnedAway as exc:
            socket.close()
            raise QuartierError("sync.refused", message=str(exc)) from None
        except Exception as exc:
            socket.close()
            raise QuartierError("sync.no_connection", server=self.url.split("/api/")[0]) from exc
        self._thread = threading.Thread(target=self._run, args=(socket,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    # -- the editor's side ---------------------------------------------------------------------
    def propose(self, op: Operation) -> None:
        """Show the pupil's edit at once and send it."""
        assert self.mirror is not None
        with self._lock:
            ticket = self.mirror.propose(op)
            self._sent[ticket] = message = _edit(ticket, op)
        self._out.put(message)

    def undo(self) -> None:
        """Take back the pupil's own last edit (the server decides what that still is)."""
        self._out.put({"type": "undo", "ticket": 0})

    def point(self, at: tuple[int, int, int] | None) -> None:
        self._out.put({"type": "point", "at": list(at) if at else None})

    def grid(self) -> np.ndarray:
        """What to draw: the confirmed grid with the pupil's unanswered edits on top."""
        assert self.mirror is not None
        with self._lock:
            return self.mirror.shown.grid.copy()

    def events(self) -> list[Event]:
        """What happened since the last call (steps, refusals, who came and went)."""
        out = []
        while True:
            try:
                out.append(self._events.get_nowait())
            except queue.Empty:
                return out

    # -- the thread ----------------------------------------------------------------------------
    def _hello(self, socket: Any, timeout: float) -> None:
        hello: dict[str, Any] = {"type": "hello", "v": 1, "token": self.token, "lang": self.lang}
        if self.mirror is not None:
            hello["since"] = self.mirror.seq
        socket.send(json.dumps(hello))
        welcome = json.loads(socket.recv(timeout=timeout))
        if welcome.get("type") == "error":
            raise _TurnedAway(welcome.get("message") or welcome.get("code"))
        self.me, self.locked = welcome["you"]["id"], welcome["room"]["locked"]
        with self._lock:
            if "state" in welcome:
                grid = self.level.city.copy()
                grid.reshape(-1)[welcome["state"]["index"]] = welcome["state"]["block"]
                pending = list(self.mirror.pending.values()) if self.mirror else []
                self.mirror = Mirror(self.level, grid, welcome["seq"])
                self._sent.clear()
                for op in pending:  # new tickets in the new mirror
                    ticket = self.mirror.propose(op)
                    self._sent[ticket] = _edit(ticket, op)
        for step in welcome.get("steps", []):
            self._step(step)
        self.online = True
        with self._lock:
            unanswered = list(self._sent.values())
        for message in unanswered:  # unanswered when the line dropped: again
            socket.send(json.dumps(message))

    def _run(self, socket: Any) -> None:
        tries = 0
        while not self._stop.is_set():
            try:
                self._serve(socket)
                return
            except Exception:  # the line dropped: reconnect with what we have
                self.online = False
                with_socket = None
                while with_socket is None and not self._stop.is_set():
                    time.sleep(RECONNECT_SECONDS[min(tries, len(RECONNECT_SECONDS) - 1)])
                    tries += 1
                    try:
                        from websockets.sync.client import connect

                        with_socket = connect(self.url, open_timeout=10).__enter__()
                        self._hello(with_socket, 10)
                    except _TurnedAway as ended:
                        self._events.put(Ended("refused", str(ended)))
                        return
                    except Exception:
                        with_socket = None
                if with_socket is None:
                    return
                socket, tries = with_socket, 0

    def _serve(self, socket: Any) -> None:
        with socket:
            while not self._stop.is_set():
                while True:
                    try:
                        socket.send(json.dumps(self._out.get_nowait()))
                    except queue.Empty:
                        break
                try:
                    raw = socket.recv(timeout=0.02)
                except TimeoutError:
                    continue
                self._receive(json.loads(raw))

    def _receive(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "step":
            self._step(message)
        elif kind == "refused":
            ticket = message.get("ticket")
            if isinstance(ticket, int) and ticket:
                with self._lock:
                    assert self.mirror is not None
                    waiting = ticket in self.mirror.pending
                    self._sent.pop(ticket, None)
                    self.mirror.refused(ticket)
                if not waiting:
                    return  # an edit sent again across a reconnect, answered the first time
            self._events.put(Refused(message["code"], message["message"]))
        elif kind == "presence":
            self._events.put(Presence(message["members"]))
        elif kind == "point":
            at = message.get("at")
            self._events.put(Pointer(message["id"], tuple(at) if at else None))
        elif kind == "locked":
            self.locked = bool(message["locked"])
        elif kind == "error":
            self._events.put(Ended(message["code"], message.get("message", "")))
            self._stop.set()

    def _step(self, step: dict[str, Any]) -> None:
        mine = step["by"] == self.me
        ticket = step.get("ticket") if mine else None
        with self._lock:
            assert self.mirror is not None
            if ticket:
                self._sent.pop(ticket, None)
            if step["seq"] <= self.mirror.seq:
                return  # already have it (a reconnect's steps overlapping)
            self.mirror.receive(
                step["seq"], np.asarray(step["index"]), np.asarray(step["block"]), ticket or None
            )
        built = sum(1 for block in step["block"] if block)
        self._events.put(
            Step(step["seq"], step["by"], step["kind"], len(step["index"]), mine, built)
        )


def _edit(ticket: int, op: Operation) -> dict[str, Any]:
    return {"type": "edit", "ticket": ticket, "op": op.model_dump(mode="json", by_alias=True)}
