"""Submissions on their way to the collection server: the outbox on disk and the httpx client.

A submission is first written to the outbox folder (atomically), so closing the editor or
losing the Wi-Fi never loses it. `SyncClient` sends what waits there with
`PUT /api/v1/submissions/{uuid}` (docs/api.md); the server stores a new revision only when the
content changes, so sending again is always safe. After a 2xx the file moves to `outbox/sent/`
(next to a receipt), after a permanent refusal to `outbox/refused/` next to a note saying why;
a temporary failure leaves it in the outbox for the next try. Nothing a student submitted is
deleted: a different older copy in `sent/` or `refused/` moves to `older/` before a newer one
takes its place, and a damaged outbox file stays where it is and is reported.

`join` exchanges a workshop code and a pseudonym for a participant token, kept in
`QUARTIER_HOME/participant.json` (mode 0600). The token is never logged or printed:
`Participant`'s repr leaves it out and no message here contains it.

Written by hand, with httpx doing all of HTTP:
- the retry loop: exponential backoff with full jitter is a few lines, while a retry library
  would not know which answers of this API are temporary, and the tests inject sleep and random;
- the participant file: `write_atomic` creates files with the default mode, but the token must
  not be readable by other users even for an instant, so it is created with mode 0600 here.
"""

import json
import logging
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self

import httpx

from game import __version__
from game.core.design import DesignDocument, parse_design
from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.io.paths import home, outbox_dir
from game.io.storage import fsync_dir, read_document, storage_error, write_atomic

log = logging.getLogger(__name__)

API = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
TEMPORARY_CLIENT_ERRORS = frozenset({408, 425, 429})
MAX_SERVER_MESSAGE = 500

State = Literal["sent", "waiting", "refused"]

# One lock for every Outbox object in this process: the editor makes a new Outbox() per submit
# while a background thread may be moving files out of the same folder.
_outbox_lock = threading.RLock()
_listeners: list[Callable[[Path], None]] = []


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --- the outbox -------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxFile:
    """One file in the outbox: its bytes and the design, or why it cannot be read."""

    path: Path
    raw: bytes = b""
    doc: DesignDocument | None = None
    error: QuartierError | None = None


class Outbox:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder else outbox_dir()

    @property
    def sent_dir(self) -> Path:
        return self.folder / "sent"

    @property
    def refused_dir(self) -> Path:
        return self.folder / "refused"

    def path_for(self, doc_id: uuid.UUID | str) -> Path:
        return self.folder / f"{doc_id}.design.json"

    def queue(self, doc: DesignDocument) -> Path:
        """Store a design for sending; queuing the same design again replaces the older copy."""
        path = self.path_for(doc.id)
        with _outbox_lock:
            write_atomic(path, doc.to_json().encode("utf-8"), keep_backup=False)
            listeners = _listeners.copy()
        for listener in listeners:
            try:
                listener(path)
            except Exception:  # a listener never breaks a submission
                log.exception("outbox listener failed")
        return path

    def pending(self) -> list[DesignDocument]:
        return [f.doc for f in self.files() if f.doc is not None]

    def files(self) -> list[OutboxFile]:
        """Every design file waiting in the outbox; a damaged one comes with its error, untouched."""
        found = []
        for path in sorted(self.folder.glob("*.design.json")) if self.folder.is_dir() else []:
            try:
                raw = read_document(path)
                found.append(OutboxFile(path, raw, parse_design(raw, what=path.name)))
            except QuartierError as exc:
                found.append(OutboxFile(path, error=exc))  # stays on disk for a person to look at
        return found

    def mark_sent(self, item: OutboxFile, receipt: dict[str, Any]) -> Path:
        return self._move_out(item, self.sent_dir, "receipt", receipt)

    def mark_refused(self, item: OutboxFile, note: dict[str, Any]) -> Path:
        return self._move_out(item, self.refused_dir, "refusal", note)

    def _move_out(self, item: OutboxFile, folder: Path, kind: str, note: dict[str, Any]) -> Path:
        """Move a sent or refused file into `folder` with its note, keeping any older copy.

        When the student queued a newer version while this one was on its way, the newer file
        stays in the outbox and a copy of the version that was handled goes to `folder`.
        """
        assert item.doc is not None
        dest = folder / f"{item.doc.id}.design.json"
        note_path = folder / f"{item.doc.id}.{kind}.json"
        with _outbox_lock:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                if dest.is_file() and dest.read_bytes() != item.raw:
                    older = folder / "older"
                    older.mkdir(exist_ok=True)
                    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                    if note_path.is_file():
                        os.replace(note_path, older / f"{item.doc.id}.{stamp}.{kind}.json")
                    os.replace(dest, older / f"{item.doc.id}.{stamp}.design.json")
                write_atomic(note_path, _json_bytes(note), keep_backup=False)
                try:
                    current = item.path.read_bytes()
                except FileNotFoundError:
                    current = None
                if current == item.raw:
                    os.replace(item.path, dest)
                    fsync_dir(folder)
                    fsync_dir(self.folder)
                else:
                    write_atomic(dest, item.raw, keep_backup=False)
            except OSError as exc:
                raise storage_error(exc, dest) from None
        return dest


# --- joining a workshop -----------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """Credentials for one workshop. The token is left out of repr so it never lands in a log."""

    server: str
    token: str = field(repr=False)
    participant_id: str
    workshop_id: str
    pseudonym: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def participant_path() -> Path:
    return home() / "participant.json"


def _server_url(server_url: str) -> str:
    server = server_url.strip().rstrip("/")
    try:
        url = httpx.URL(server)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise QuartierError("sync.bad_server", server=server_url.strip())
    return server


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def server_error(response: httpx.Response) -> tuple[str, str]:
    """The server's `{"error": {"code", "message"}}` as (code, message), bounded and printable."""
    code, message = f"http_{response.status_code}", f"HTTP {response.status_code}"
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        if isinstance(error.get("code"), str) and error["code"]:
            code = _CONTROL.sub(" ", error["code"])[:80]
        if isinstance(error.get("message"), str) and error["message"].strip():
            message = _CONTROL.sub(" ", error["message"]).strip()[:MAX_SERVER_MESSAGE]
    return code, message


def join(
    server_url: str,
    code: str,
    pseudonym: str,
    *,
    transport: httpx.BaseTransport | None = None,
    path: Path | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> Participant:
    """Join a workshop with its code and a pseudonym; the credentials are stored for later sends."""
    server = _server_url(server_url)
    try:
        with httpx.Client(transport=transport, timeout=timeout, headers=_user_agent()) as client:
            response = client.post(
                f"{server}{API}/join", json={"code": code.strip(), "pseudonym": pseudonym.strip()}
            )
    except httpx.HTTPError:
        raise QuartierError("sync.no_connection", server=server) from None
    if response.status_code >= 500:
        raise QuartierError("sync.server_error", status=response.status_code)
    if response.status_code >= 400:
        raise QuartierError("sync.refused", message=server_error(response)[1])
    try:
        body = response.json()
        token = body["token"]
        participant = Participant(
            server=server,
            token=token,
            participant_id=str(body["participant_id"]),
            workshop_id=str(body["workshop"]["id"]),
            pseudonym=pseudonym.strip(),
        )
    except (ValueError, KeyError, TypeError):
        raise QuartierError("sync.bad_answer", server=server) from None
    if not response.is_success or not isinstance(token, str) or not token:
        raise QuartierError("sync.bad_answer", server=server)
    write_atomic(
        path or participant_path(),
        _json_bytes(participant.to_json()),
        keep_backup=False,
        mode=0o600,
    )
    log.info(
        "joined workshop %s as participant %s", participant.workshop_id, participant.participant_id
    )
    return participant


def load_participant(path: Path | None = None) -> Participant | None:
    """The stored credentials, or None when this computer has not joined (or the file is damaged)."""
    path = path or participant_path()
    if not path.is_file():
        return None
    data = _read_json(path) or {}
    names = ("server", "token", "participant_id", "workshop_id", "pseudonym")
    if not all(isinstance(data.get(name), str | int) and str(data[name]) for name in names):
        log.warning("%s is damaged; join the workshop again", path)
        return None
    return Participant(**{name: str(data[name]) for name in names})


def require_participant(path: Path | None = None) -> Participant:
    participant = load_participant(path)
    if participant is None:
        raise QuartierError("sync.not_joined")
    return participant


def _user_agent() -> dict[str, str]:
    return {"User-Agent": f"quartier/{__version__}"}


# --- sending ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened to one design: `reason` is the server's message for a refusal, a short
    technical cause for waiting."""

    doc_id: str
    state: State
    title: str = ""
    reason: str = ""
    code: str = ""
    status: int | None = None
    revision: int | None = None


@dataclass
class SyncReport:
    outcomes: list[Outcome] = field(default_factory=list)
    damaged: list[tuple[Path, QuartierError]] = field(default_factory=list)
    auth_failed: bool = False
    attempts: int = 1

    def _ids(self, state: State) -> list[str]:
        return [o.doc_id for o in self.outcomes if o.state == state]

    @property
    def sent(self) -> list[str]:
        return self._ids("sent")

    @property
    def waiting(self) -> list[str]:
        return self._ids("waiting")

    @property
    def refused(self) -> list[str]:
        return self._ids("refused")

    def outcome(self, doc_id: uuid.UUID | str) -> Outcome | None:
        return next((o for o in self.outcomes if o.doc_id == str(doc_id)), None)

    def problem(self) -> QuartierError | None:
        """An error for the whole run a front end should show (the login was refused)."""
        return QuartierError("sync.auth_refused") if self.auth_failed else None


def backoff_delay(
    attempt: int, base: float = 1.0, cap: float = 60.0, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry number `attempt` (0-based): full jitter, U(0, min(cap, base·2^n))."""
    return rand() * min(cap, base * 2 ** min(max(attempt, 0), 62))


class SyncClient:
    """Sends the outbox to the participant's server. Safe to call from several threads."""

    def __init__(
        self,
        participant: Participant,
        outbox: Outbox | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.participant = participant
        self.outbox = outbox or Outbox()
        self.clock, self.sleep, self.rand = clock, sleep, rand
        self.base_delay, self.max_delay = base_delay, max_delay
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={**_user_agent(), "Authorization": f"Bearer {participant.token}"},
        )
        self._lock = threading.Lock()

    @classmethod
    def from_saved_participant(cls, outbox: Outbox | None = None, **kwargs: Any) -> Self:
        return cls(require_participant(), outbox, **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backoff_delay(self, attempt: int) -> float:
        return backoff_delay(attempt, self.base_delay, self.max_delay, self.rand)

    def send_pending(self) -> SyncReport:
        """Try every outbox file once."""
        with self._lock:
            report = SyncReport()
            for item in self.outbox.files():
                if item.doc is None:
                    assert item.error is not None
                    log.warning(
                        "outbox file %s is damaged and stays where it is: %s",
                        item.path.name,
                        item.error,
                    )
                    report.damaged.append((item.path, item.error))
                elif report.auth_failed:
                    report.outcomes.append(
                        Outcome(
                            str(item.doc.id),
                            "waiting",
                            item.doc.title,
                            "login refused",
                            "unauthorized",
                            401,
                        )
                    )
                else:
                    outcome = self._send(item)
                    report.auth_failed = outcome.status == 401
                    report.outcomes.append(outcome)
            return report

    def _send(self, item: OutboxFile) -> Outcome:
        doc = item.doc
        assert doc is not None
        doc_id, title = str(doc.id), doc.title
        url = f"{self.participant.server}{API}/submissions/{doc_id}"
        try:
            response = self._http.put(
                url,
                content=doc.to_json().encode("utf-8"),
                headers={"Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            log.info("design %s waits: %s", doc_id, type(exc).__name__)
            return Outcome(
                doc_id, "waiting", title, f"{type(exc).__name__}: {exc}"[:200], "no_connection"
            )
        status = response.status_code
        if response.is_success:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or str(body.get("uuid")) != doc_id:
                # Not the collection server speaking (a proxy or a Wi-Fi login page): not delivered.
                return Outcome(
                    doc_id, "waiting", title, "unexpected answer", "unexpected_answer", status
                )
            revision = body.get("revision") if isinstance(body.get("revision"), int) else None
            receipt = {
                "status": status,
                "revision": revision,
                "submission_status": body.get("status"),
                "at": _now(),
            }
            try:
                self.outbox.mark_sent(item, receipt)
            except QuartierError as exc:  # delivered; the file stays and a later resend is harmless
                log.warning("design %s was sent but could not be moved to sent/: %s", doc_id, exc)
            log.info("design %s sent (HTTP %s, revision %s)", doc_id, status, revision)
            return Outcome(doc_id, "sent", title, status=status, revision=revision)
        if status == 401:
            code, message = server_error(response)
            log.warning("the server refused the participant login (%s)", code)
            return Outcome(doc_id, "waiting", title, message, code, status)
        if 400 <= status < 500 and status not in TEMPORARY_CLIENT_ERRORS:
            code, message = server_error(response)
            try:
                self.outbox.mark_refused(
                    item, {"status": status, "code": code, "message": message, "at": _now()}
                )
            except QuartierError as exc:
                log.warning(
                    "design %s was refused but could not be moved to refused/: %s", doc_id, exc
                )
            log.info("design %s refused (HTTP %s, %s)", doc_id, status, code)
            return Outcome(doc_id, "refused", title, message, code, status)
        code, message = server_error(response)
        log.info("design %s waits: HTTP %s", doc_id, status)
        return Outcome(doc_id, "waiting", title, message, code, status)

    def run_until_empty(self, deadline: float) -> SyncReport:
        """Send, and retry what waits with backoff until nothing waits or `clock()` passes `deadline`.

        A request under way when the deadline passes is finished (it is bounded by the timeouts).
        The report holds the last outcome of every design seen.
        """
        merged: dict[str, Outcome] = {}
        attempt = 0
        while True:
            report = self.send_pending()
            attempt += 1
            merged.update((o.doc_id, o) for o in report.outcomes)
            remaining = deadline - self.clock()
            if not report.waiting or report.auth_failed or remaining <= 0:
                return SyncReport(
                    list(merged.values()), report.damaged, report.auth_failed, attempt
                )
            self.sleep(min(self.backoff_delay(attempt - 1), remaining))


class BackgroundSync:
    """A daemon thread that sends the outbox when a design is queued and every `interval` seconds.

    It never raises into the caller; `on_report` (called on the sync thread) receives every
    report. `stop()` returns within `timeout` unless a request is under way; the thread is a
    daemon, and a request cut short just leaves the file in the outbox.
    """

    def __init__(
        self,
        client: SyncClient,
        interval: float = 30.0,
        on_report: Callable[[SyncReport], None] | None = None,
    ) -> None:
        self.client = client
        self.interval = interval
        self.on_report = on_report
        self.last_report: SyncReport | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._folder = client.outbox.folder.resolve()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._wake.set()
        with _outbox_lock:
            _listeners.append(self._on_queued)
        self._thread = threading.Thread(target=self._run, name="quartier-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the thread to end and wait up to `timeout` seconds; True when it has ended."""
        with _outbox_lock:
            if self._on_queued in _listeners:
                _listeners.remove(self._on_queued)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _on_queued(self, path: Path) -> None:
        if path.parent.resolve() == self._folder:
            self._wake.set()

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._wake.clear()
            delay = self.interval
            try:
                report = self.client.send_pending()
                self.last_report = report
                if report.waiting and not report.auth_failed:
                    delay = min(self.interval, self.client.backoff_delay(attempt))
                    attempt += 1
                else:
                    attempt = 0
                if self.on_report is not None:
                    self.on_report(report)
            except Exception as exc:
                log.warning("background sync failed: %s", type(exc).__name__)
            self._wake.wait(delay)


# --- what the student is told ---------------------------------------------------------------


def status_for_student(
    doc_id: uuid.UUID | str, lang: Language, outbox: Outbox | None = None
) -> str:
    """Where a submitted design stands, in the student's language."""
    outbox = outbox or Outbox()
    doc_id = str(doc_id)
    waiting = outbox.path_for(doc_id)
    if waiting.is_file():
        try:
            parse_design(read_document(waiting), what=waiting.name)
        except QuartierError:
            return text(lang, "sync.status.damaged", path=str(waiting))
        return text(lang, "sync.status.waiting")
    sent = (outbox.sent_dir / f"{doc_id}.design.json").is_file()
    receipt = (_read_json(outbox.sent_dir / f"{doc_id}.receipt.json") or {}) if sent else None
    refusal = (
        _read_json(outbox.refused_dir / f"{doc_id}.refusal.json") or {}
        if (outbox.refused_dir / f"{doc_id}.design.json").is_file()
        else None
    )
    # Both exist when a design was refused and sent again (or the other way round): the later counts.
    if refusal is not None and (
        receipt is None or str(refusal.get("at", "")) >= str(receipt.get("at", ""))
    ):
        reason = str(refusal.get("message") or refusal.get("code") or "?")
        return text(lang, "sync.status.refused", reason=reason)
    if sent:
        return text(lang, "sync.status.sent")
    return text(lang, "sync.status.not_submitted")
