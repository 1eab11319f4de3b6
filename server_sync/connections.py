"""Connections one client cannot hoard: deadlines for a request's headers and body, and a cap.

Issue 13 (M3): ~20,000 half-sent requests took every file descriptor of the server and
`/healthz` stopped answering. uvicorn closes idle keep-alive connections
(`timeout_keep_alive`), but a fresh connection that sends nothing, or its headers one byte at
a time, or a body that trickles, stays open for ever; and its `limit_concurrency` answers 503
only to a request whose headers are complete, so slow connections fill it and only complete
requests are turned away.

We keep uvicorn with its httptools parser, which is what keeps votes/s (benchmarks/server.py;
with the pure-Python h11 parser they fell to a quarter), and hand it `GuardedHttpTools`, a
small subclass, as its protocol class; another server (hypercorn, granian) was not tried, as
what uvicorn lacks is a timer per connection and a counter per process:

- a deadline for the request's headers, armed when the connection opens and when a keep-alive
  connection's next request begins, and one for the body once the headers are complete; a
  connection that misses one is closed (with a 408 in German and English when a request had
  begun, silently when it never sent a byte, as after keep-alive);
- at most `max_connections` per process: a new connection beyond it closes the connection that
  has waited longest without a complete request (a slow or idle one: the flood's own), so a
  pupil's request still gets in; only when every connection is busy with a request is the
  newcomer refused at once with a 503 and Retry-After;
- the soft limit of open files raised to the hard one at start, and the cap plus the listen
  backlog (how many connections are accepted in one go) kept a fifth of it (at least 64)
  below, for the database, logs and pictures.
"""

import asyncio
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from game.core.i18n import LANGUAGES, text
from server_sync.settings import Settings

log = logging.getLogger(__name__)

BACKLOG = 2048  # uvicorn's default
RETRY_AFTER = 5  # seconds a refused client is asked to wait
LOG_EVERY = 60.0  # seconds between log lines about refused connections


@dataclass(frozen=True)
class ConnectionLimits:
    """What one server process allows a connection (seconds and counts)."""

    header_timeout: int
    body_timeout: int
    keep_alive: int
    max_connections: int
    backlog: int = BACKLOG


def raise_open_file_limit() -> int | None:
    """Raise this process's soft limit of open files to its hard limit (workers inherit it).

    Returns the limit now in force, or None where there is none to read (Windows).
    """
    if sys.platform == "win32":
        return None
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):  # macOS refuses "unlimited"; the soft limit stays
            pass
    return None if soft == resource.RLIM_INFINITY else soft


def connection_limits(settings: Settings) -> ConnectionLimits:
    """The settings' limits, with the cap and backlog kept below the open-file limit."""
    cap, backlog = settings.max_connections, BACKLOG
    files = raise_open_file_limit()
    if files is not None:
        reserve = max(64, files // 5)
        backlog = max(16, min(BACKLOG, reserve))
        if cap > files - reserve - backlog:
            cap = max(1, files - reserve - backlog)
            log.warning("at most %d connections: the limit of open files is %d", cap, files)
    return ConnectionLimits(
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        keep_alive=settings.keep_alive,
        max_connections=cap,
        backlog=backlog,
    )


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration with our protocol and its limits (pickled to `--workers` children)."""

    def __init__(self, app: Any, limits: ConnectionLimits, **options: Any) -> None:
        super().__init__(
            app,
            http=GuardedHttpTools,
            # The team rooms' sockets (docs/rooms.md); an upgrade leaves our deadlines behind
            # (GuardedHttpTools.handle_websocket_upgrade) for the websockets library's pings.
            ws="websockets-sansio",
            timeout_keep_alive=limits.keep_alive,
            backlog=limits.backlog,
            **options,
        )
        self.limits = limits
        #: This process's connections waiting for a request's headers, the longest-waiting first.
        self.waiting: dict[GuardedHttpTools, None] = {}
        self.refusals = Refusals(limits.max_connections)


class Refusals:
    """Counts refused connections and logs them at most once a minute: a flood of thousands
    must not become thousands of log lines written on the event loop."""

    def __init__(self, allowed: int) -> None:
        self.allowed, self.unlogged, self.logged_at = allowed, 0, -LOG_EVERY

    def count(self) -> None:
        self.unlogged += 1
        now = time.monotonic()
        if now - self.logged_at >= LOG_EVERY:
            log.warning(
                "refused %d connection(s): all %d allowed were busy", self.unlogged, self.allowed
            )
            self.unlogged, self.logged_at = 0, now


#: new: connected, no request yet; headers/body: a request coming in; busy: the app has it;
#: idle: answered, kept alive for the next request.
Phase = Literal["new", "headers", "body", "busy", "idle"]


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines and a cap (see the module docstring)."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        assert isinstance(config, ServerConfig)
        self.limits, self.waiting, self.refusals = config.limits, config.waiting, config.refusals
        self.limit_concurrency = None  # our cap is counted at connect, not after the headers
        self.phase: Phase = "new"
        self.deadline: asyncio.TimerHandle | None = None
        self.refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections and not self._make_room():
            self.refused, self.transport = True, transport
            self.refusals.count()
            self._answer(503, "server.too_many_connections", retry_after=RETRY_AFTER)
            return
        super().connection_made(transport)
        self._wait(self.limits.header_timeout)  # the first byte does not restart it

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        if not self.refused:
            super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.phase == "idle":  # a keep-alive connection's next request: its own deadline
            self._wait(self.limits.header_timeout)
        self.phase = "headers"

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()
        if self._upgrading():
            return
        self.phase = "body"
        self.deadline = self.loop.call_later(self.limits.body_timeout, self._too_slow)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._upgrading():
            return
        if self.cycle.response_complete:  # answered before the body was in (a 413): idle again
            self._idle()
        else:
            self._stop_waiting()
            self.phase = "busy"

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None and self.phase != "body":
            self._idle()  # (a body still coming in keeps its own deadline)

    def _upgrading(self) -> bool:
        """This request becomes a WebSocket (a team room's): no request cycle, no deadlines."""
        return bool(self.parser.should_upgrade()) and self._should_upgrade()

    def handle_websocket_upgrade(self) -> None:
        """A team room's socket: no request deadline from here on (its headers came in time);
        the connection still counts against the cap, as a WebSocket protocol of uvicorn's."""
        self._stop_waiting()
        self.phase = "busy"
        super().handle_websocket_upgrade()

    def _idle(self) -> None:
        """Between requests; our own deadline too, since uvicorn's restarts on any byte."""
        self.phase = "idle"
        self._wait(self.limits.keep_alive)

    def _wait(self, seconds: int) -> None:
        """Waiting for a request's headers: on the deadline, and first in line to make room."""
        self._stop_waiting()
        self.waiting[self] = None
        self.deadline = self.loop.call_later(seconds, self._too_slow)

    def _stop_waiting(self) -> None:
        self.waiting.pop(self, None)
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _make_room(self) -> bool:
        """Close the connection that has waited longest for a request; False if none waits."""
        if not self.waiting:
            return False
        oldest = next(iter(self.waiting))
        oldest._stop_waiting()
        oldest.transport.close()
        return True

    def _too_slow(self) -> None:
        """The deadline passed: 408 if a request had begun and nothing was answered yet."""
        self.deadline = None
        self.waiting.pop(self, None)
        if self.transport.is_closing():
            return
        if self.phase == "headers":  # (the cycle is the previous request's, if any)
            begun = self.cycle is None or self.cycle.response_complete
        else:
            begun = self.phase == "body" and not self.cycle.response_started and not self.pipeline
        if begun:
            self._answer(408, "server.too_slow")
        else:
            self.transport.close()

    def _answer(self, status: int, key: str, retry_after: int | None = None) -> None:
        """A plain-text answer in German and English (the request's language is not known yet),
        then the connection is closed."""
        body = "\n".join(text(lang, key) for lang in LANGUAGES).encode() + b"\n"
        head = [STATUS_LINE[status]]
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        if retry_after is not None:
            headers.append((b"retry-after", str(retry_after).encode()))
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        self.transport.write(b"".join(head) + b"\r\n" + body)
        self.transport.close()
