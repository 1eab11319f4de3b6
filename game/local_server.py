"""A collection server on this computer, for `make run` and one-computer workshops.

`start` runs our own `quartier-server` in a child process and talks only to that child. Its
port is recorded in QUARTIER_HOME, so the address stays the same from run to run; when another
program (a web page, someone else's Quartier server) already holds that port, a free one is
taken and recorded instead, and so is one taken by someone else while the child was starting
(the child exits; it is started again once on a new port). The server counts as ours once it
accepts the moderator secret this module gave it (kept in QUARTIER_HOME, mode 0600), so
whatever else answers on a port is never used. A child that dies (a missing library) is
noticed at once; its output goes to a log file in the logs folder (`quartier doctor` names it),
which the message names so that a teacher can send it.

The child is `python -m game.local_server ARGS`: it serves `quartier-server serve ARGS` and
exits as soon as its stdin closes, i.e. when the editor ends, even if the editor was killed,
so the server never outlives the editor. The editor itself never imports the server.

On first use the demo workshop is created and joined under a guest name. When the port had to
change, later starts move that saved login to the new address (same data folder, same token)
instead of joining again: a design sent earlier stays the student's own.
"""

import dataclasses
import os
import runpy
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx

from game.core.errors import QuartierError
from game.io import storage
from game.io.paths import home, logs_dir, participant_file
from game.sync import API, Participant, join, load_participant, save_participant

HOST = "127.0.0.1"
SERVE = (sys.executable, "-m", "game.local_server")
START_SECONDS = 60.0  # the first start creates the database; school computers can be slow
LOG_LIMIT = 1_000_000  # bytes; beyond that the log starts afresh and the previous one is kept


def port_file() -> Path:
    """Where the port of the last start is kept, so that the address stays the same."""
    return home() / "local-server-port"


class LocalServer:
    """Our server child at `url`; `stop()` (or leaving a `with` block) ends it."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin:
            self.process.stdin.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start(
    guest: str,
    *,
    command: Sequence[str] = SERVE,
    port: int | None = None,
    wait: float = START_SECONDS,
) -> LocalServer:
    """Start our server and join its demo workshop (once; later starts reuse that login).

    `port` is the one to try first (default: the recorded one); when something else holds it,
    a free port is used. `command` is for tests: the child gets `--host`, `--port` and
    `--data-dir` appended. Raises QuartierError, naming the log file, when the server does not
    come up.
    """
    port = _usable(port or _recorded_port())
    try:
        return _start_on(port, guest, command, wait)
    except QuartierError:
        if _is_free(port):  # the port was not the problem
            raise
    # Taken by another program while our child was starting: once more on another port.
    return _start_on(_usable(None), guest, command, wait)


def _start_on(port: int, guest: str, command: Sequence[str], wait: float) -> LocalServer:
    url = f"http://{HOST}:{port}"
    secret = _moderator_token()
    log = log_path()
    process = subprocess.Popen(
        [*command, "--host", HOST, "--port", str(port), "--data-dir", str(home() / "server")],
        env={**os.environ, "QUARTIER_MODERATOR_TOKEN": secret},
        stdin=subprocess.PIPE,
        stdout=(out := _open_log(log)),
        stderr=subprocess.STDOUT,
    )
    out.close()  # the child has its own copy
    server = LocalServer(process, url, log)
    try:
        with httpx.Client(base_url=url, timeout=5.0) as http:
            _wait_until_up(http, process, wait, log)
            _join_demo(http, url, secret, guest, log)
    except BaseException:
        server.stop()
        raise
    storage.write_atomic(port_file(), str(port).encode(), keep_backup=False)
    return server


def _usable(port: int | None) -> int:
    """`port` when nothing listens on it on this computer, else a free one."""
    return port if port and _is_free(port) else free_port()


def _is_free(port: int) -> bool:
    """Whether our child could listen on `port`: as uvicorn does, with SO_REUSEADDR outside
    Windows, so that the last run's closed connections (TIME_WAIT) do not count as taken."""
    with socket.socket() as probe:
        if sys.platform != "win32":  # on Windows it would let a second server share the port
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def _recorded_port() -> int | None:
    recorded = _read(port_file())
    return int(recorded) if recorded and recorded.isdigit() and 0 < int(recorded) < 65536 else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def log_path() -> Path:
    """The child's own output (what it printed before its logging started), beside the other logs."""
    return logs_dir() / "local-server.log"


def _open_log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.stat().st_size > LOG_LIMIT:
        os.replace(path, path.with_name(path.name + ".1"))
    out = path.open("ab")
    out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} local server starting\n".encode())
    out.flush()
    return out


def _moderator_token() -> str:
    path = home() / "local-moderator-token"
    try:
        return storage.read_document(path).decode().strip()
    except QuartierError:  # missing or unreadable: make a new one
        token = secrets.token_urlsafe(32)
        storage.write_atomic(path, token.encode(), keep_backup=False, mode=0o600)
        return token


def _wait_until_up(
    http: httpx.Client, process: subprocess.Popen[bytes], wait: float, log: Path
) -> None:
    """Until `/healthz` answers; a child that has exited ends the wait at once."""
    deadline = time.monotonic() + wait
    while process.poll() is None:
        try:
            if http.get("/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise QuartierError("local_server.no_answer", seconds=round(wait), log=str(log))
        time.sleep(0.1)
    raise QuartierError("local_server.exited", log=str(log))


def _join_demo(http: httpx.Client, url: str, secret: str, guest: str, log: Path) -> None:
    """Make sure the saved login belongs to the demo workshop on this server.

    Every request here needs the moderator secret, so it only succeeds on our own server.
    """
    moderator = {"Authorization": f"Bearer {secret}"}
    saved = load_participant(participant_file())
    marker = home() / "local-server-participant"
    if saved is not None and _read(marker) == f"{saved.workshop_id}/{saved.participant_id}":
        # Results are for the moderator until the workshop closes: a 200 proves it is ours.
        answer = _call(http, "GET", f"{API}/workshops/{saved.workshop_id}/results", moderator)
        if answer is not None:
            save_participant(dataclasses.replace(saved, server=url), participant_file(), storage)
            return
    workshop = _call(
        http,
        "POST",
        f"{API}/workshops",
        moderator,
        {"title": "Demo", "level_id": "demo", "moderation": "post"},
    )
    if not isinstance(workshop, dict) or not isinstance(workshop.get("code"), str):
        raise QuartierError("local_server.not_ours", url=url, log=str(log))
    participant: Participant = join(url, workshop["code"], f"{guest}{secrets.randbelow(900) + 100}")
    save_participant(participant, participant_file(), storage)
    storage.write_atomic(
        marker,
        f"{participant.workshop_id}/{participant.participant_id}".encode(),
        keep_backup=False,
    )


def _call(
    http: httpx.Client,
    method: str,
    path: str,
    headers: dict[str, str],
    body: dict[str, str] | None = None,
) -> Any:
    """The JSON of a successful answer, or None for any other answer or a failed request."""
    try:
        response = http.request(method, path, headers=headers, json=body)
        return response.json() if response.is_success else None
    except (httpx.HTTPError, ValueError):
        return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _serve_until_stdin_closes(args: list[str]) -> None:
    """The child: `quartier-server serve ARGS`, ended when the editor's end of stdin closes."""

    def watch() -> None:
        sys.stdin.buffer.read()  # returns at end of file: the editor has ended
        os._exit(0)

    threading.Thread(target=watch, name="editor-watch", daemon=True).start()
    sys.argv = ["quartier-server", "serve", *args]
    # By name, not by import, so that `game` keeps no import of the server.
    runpy.run_module("server_sync.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _serve_until_stdin_closes(sys.argv[1:])
