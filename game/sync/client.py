"""The HTTP side of sending: joining a workshop, and `SyncClient`, which sends the outbox.

`SyncClient` sends what waits in the outbox with `PUT /api/v1/submissions/{uuid}`
(docs/api.md); the server stores a new revision only when the content changes, so sending
again is always safe. Answers are sorted into sent (the outbox moves the file to `sent/`),
refused for good (to `refused/`, with the server's message) and temporary (the file waits;
`run_until_empty` retries with backoff). Only an error shaped like this server's
(`{"error": {"code", "message"}}`) is a refusal: a proxy's or a Wi-Fi portal's page is "try
again later", never a reason to give up on a design. The server's error messages are passed on
bounded and printable; the participant token is never logged.

Every request has a total deadline and a cap on the answer's size (`_bounded`): httpx's
timeouts count per read, so a server that trickles a byte every few seconds would otherwise
hold `quartier sync` forever, and an answer is read into memory.

Written by hand, with httpx doing all of HTTP: the retry loop, exponential backoff with full
jitter, is a few lines, while a retry library would not know which answers of this API are
temporary, and the tests inject sleep and random.
"""

import contextlib
import logging
import random
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx

from game import __version__
from game.core.design import DesignDocument
from game.core.errors import QuartierError
from game.sync.credentials import Participant
from game.sync.outbox import Outbox, OutboxFile

log = logging.getLogger(__name__)

API = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# The whole of one request, connecting to the last byte of the answer.
REQUEST_DEADLINE = 60.0
# An upload waits for its answer up to the whole deadline: a busy server refuses at once (503
# with Retry-After) when its queue is full, so a slow answer means it is checking this very copy.
# With 20 s, pupils gave up on it and sent it again into the same queue.
UPLOAD_TIMEOUT = httpx.Timeout(REQUEST_DEADLINE, connect=5.0)
# Answers a busy server gives with Retry-After: then the rest of the outbox waits too.
BUSY = frozenset({429, 503})
# The server's answers are a few hundred bytes; anything much larger is not the server speaking.
MAX_ANSWER_BYTES = 1 << 20
# No connection is kept between requests, so the watchdog always knows the request's socket.
NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
TEMPORARY_CLIENT_ERRORS = frozenset({408, 425, 429})
MAX_SERVER_MESSAGE = 500

State = Literal["sent", "waiting", "refused"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _user_agent() -> dict[str, str]:
    return {"User-Agent": f"quartier/{__version__}"}


def _server_url(server_url: str) -> str:
    server = server_url.strip().rstrip("/")
    try:
        url = httpx.URL(server)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise QuartierError("sync.bad_server", server=server_url.strip())
    return server


class AnswerTooLarge(httpx.TransportError):
    """The answer passed `MAX_ANSWER_BYTES`; reading stopped there."""


class _Watchdog:
    """Shuts the request's socket when the deadline passes, which wakes a read that a
    trickling server keeps alive. The sockets come from httpcore's `trace` extension."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._streams: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        stream = info.get("return_value")
        if event.endswith(".complete") and hasattr(stream, "get_extra_info"):
            with self._lock:
                self._streams.append(stream)
                if self.expired:
                    self._shut(stream)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for stream in self._streams:
                self._shut(stream)

    @staticmethod
    def _shut(stream: Any) -> None:
        sock = stream.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError):
            sock.shutdown(socket.SHUT_RDWR)


def _bounded(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    deadline: float = REQUEST_DEADLINE,
    max_bytes: int = MAX_ANSWER_BYTES,
    **kwargs: Any,
) -> httpx.Response:
    """One request finished within `deadline` seconds in all, its answer read into memory only
    up to `max_bytes`. Raises `httpx.TimeoutException` or `AnswerTooLarge` (both
    `httpx.HTTPError`s, like a lost connection).

    The answer is asked for uncompressed (`identity`); one compressed anyway is unpacked a
    network read at a time (64 KB, at most about 64 MB unpacked) and stopped at `max_bytes`."""
    started = time.monotonic()
    with _Watchdog(deadline) as watchdog:
        try:
            headers = {**kwargs.pop("headers", {}), "Accept-Encoding": "identity"}
            extensions = {"trace": watchdog.trace}
            with client.stream(method, url, headers=headers, extensions=extensions, **kwargs) as r:
                length = r.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise AnswerTooLarge(f"answer of {length} bytes")
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise AnswerTooLarge(f"answer over {max_bytes} bytes")
                    if time.monotonic() - started > deadline:
                        raise httpx.ReadTimeout(f"no complete answer within {deadline:g} s")
        except httpx.HTTPError as exc:
            if watchdog.expired and not isinstance(exc, httpx.TimeoutException):
                raise httpx.ReadTimeout(f"no complete answer within {deadline:g} s") from None
            raise
    # The body is unpacked already, so only its type is carried over (not Content-Encoding).
    kept = {k: r.headers[k] for k in ("content-type", "retry-after") if k in r.headers}
    return httpx.Response(r.status_code, headers=kept, content=bytes(body), request=r.request)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def server_error(response: httpx.Response) -> tuple[str, str] | None:
    """The server's `{"error": {"code", "message"}}` as (code, message), bounded and printable;
    None when the answer is not shaped like this server's errors (a proxy's page, say)."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    if not isinstance(error, dict):
        return None
    code, message = error.get("code"), error.get("message")
    if not isinstance(code, str) or not code or not isinstance(message, str):
        return None
    message = _CONTROL.sub(" ", message).strip()[:MAX_SERVER_MESSAGE]
    return _CONTROL.sub(" ", code)[:80], message or f"HTTP {response.status_code}"


# Refusals of joining and signing in that a pupil can fix, each with its own sentence saying how
# (`join.refused.CODE`); any other refusal shows the server's own message in the pupil's language.
JOIN_REFUSALS = frozenset(
    {
        "wrong_code",
        "pseudonym_taken",
        "joining_closed",
        "workshop_closed",
        "workshop_full",
        "wrong_personal_code",
    }
)
# Joining is done while the pupil waits in a dialog: a dead address must not freeze it for a minute.
JOIN_DEADLINE = 15.0


def join(
    server_url: str,
    code: str,
    pseudonym: str,
    *,
    lang: str = "en",
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    deadline: float = REQUEST_DEADLINE,
) -> Participant:
    """Join a workshop with its code and a pseudonym; the caller stores the credentials
    (`save_participant`)."""
    body = {"code": code.strip(), "pseudonym": pseudonym.strip()}
    return _enter(server_url, "join", body, lang, transport, timeout, deadline)


def sign_in(
    server_url: str,
    personal_code: str,
    *,
    lang: str = "en",
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    deadline: float = REQUEST_DEADLINE,
) -> Participant:
    """Sign this computer in as a participant who joined elsewhere, with their personal code:
    the server gives this device its own token for the same participant (docs/api.md)."""
    body = {"personal_code": personal_code.strip()}
    return _enter(server_url, "sign-in", body, lang, transport, timeout, deadline)


def renew_personal_code(
    participant: Participant,
    *,
    lang: str = "en",
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    deadline: float = JOIN_DEADLINE,
) -> Participant:
    """A new personal code for a pupil who joined before there were any (or lost theirs); the
    old one stops working, devices signed in stay signed in (docs/api.md)."""
    server = participant.server
    headers = {"Authorization": f"Bearer {participant.token}"}
    response = _post(server, "me/personal-code", {}, lang, transport, timeout, deadline, headers)
    try:
        code = response.json()["personal_code"]
    except (ValueError, KeyError, TypeError):
        raise QuartierError("sync.bad_answer", server=server) from None
    if not isinstance(code, str) or not code:
        raise QuartierError("sync.bad_answer", server=server)
    return replace(participant, personal_code=code)


def _post(
    server: str,
    path: str,
    body: dict[str, str],
    lang: str,
    transport: httpx.BaseTransport | None,
    timeout: httpx.Timeout,
    deadline: float,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One POST of joining or signing in; a refusal becomes a sentence saying what to do."""
    headers = {**_user_agent(), "Accept-Language": lang, **(headers or {})}
    try:
        with httpx.Client(
            transport=transport, timeout=timeout, limits=NO_KEEPALIVE, headers=headers
        ) as client:
            response = _bounded(
                client, "POST", f"{server}{API}/{path}", deadline=deadline, json=body
            )
    except httpx.HTTPError:
        raise QuartierError("sync.no_connection", server=server) from None
    return _answered(response, server, _join_refusal)


def _join_refusal(code: str, message: str) -> QuartierError:
    if code in JOIN_REFUSALS:
        return QuartierError(f"join.refused.{code}")
    return QuartierError("join.refused.other", message=message)


def _answered(
    response: httpx.Response, server: str, refusal: Callable[[str, str], QuartierError]
) -> httpx.Response:
    """A success as it is; else the error a pupil reads: the server's refusal (`refusal` of its
    code and message), its trouble, or a page that is not this server's at all."""
    if response.status_code >= 500:
        raise QuartierError("sync.server_error", status=response.status_code)
    if response.status_code >= 400:
        error = server_error(response)
        if error is None:  # a proxy or portal page, not the server's refusal
            raise QuartierError("sync.bad_answer", server=server)
        if response.status_code == 401:
            raise QuartierError("sync.auth_refused")
        raise refusal(*error)
    return response


def _enter(
    server_url: str,
    path: str,
    body: dict[str, str],
    lang: str,
    transport: httpx.BaseTransport | None,
    timeout: httpx.Timeout,
    deadline: float,
) -> Participant:
    server = _server_url(server_url)
    response = _post(server, path, body, lang, transport, timeout, deadline)
    try:
        answer = response.json()
        token, workshop = answer["token"], answer["workshop"]
        participant = Participant(
            server=server,
            token=token,
            participant_id=str(answer["participant_id"]),
            workshop_id=str(workshop["id"]),
            pseudonym=str(answer.get("pseudonym") or body.get("pseudonym", "")).strip(),
            workshop_title=str(workshop.get("title") or ""),
            workshop_code=str(workshop.get("code") or body.get("code", "")),
            level_id=str(workshop.get("level_id") or ""),
            personal_code=str(answer.get("personal_code") or body.get("personal_code", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise QuartierError("sync.bad_answer", server=server) from None
    if not response.is_success or not isinstance(token, str) or not token:
        raise QuartierError("sync.bad_answer", server=server)
    log.info(
        "joined workshop %s as participant %s", participant.workshop_id, participant.participant_id
    )
    return participant


def call(
    participant: Participant,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    lang: str = "en",
    transport: httpx.BaseTransport | None = None,
    deadline: float = JOIN_DEADLINE,
) -> dict[str, Any]:
    """One API call with the participant's token while the pupil waits (a team room: make it,
    find it); the answer's JSON object, or a `QuartierError` whose sentence is the
    server's own refusal (in `lang`, saying what to do) or what went wrong on the way."""
    server = participant.server
    headers = {
        **_user_agent(),
        "Accept-Language": lang,
        "Authorization": f"Bearer {participant.token}",
    }
    try:
        with httpx.Client(
            transport=transport, timeout=DEFAULT_TIMEOUT, limits=NO_KEEPALIVE, headers=headers
        ) as client:
            response = _bounded(
                client, method, f"{server}{API}/{path}", deadline=deadline, json=body
            )
    except httpx.HTTPError:
        raise QuartierError("sync.no_connection", server=server) from None
    _answered(
        response, server, lambda _code, message: QuartierError("sync.refused", message=message)
    )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not response.is_success or not isinstance(answer, dict):
        raise QuartierError("sync.bad_answer", server=server)
    return answer


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
    #: Seconds the server asked to wait before sending again (Retry-After), if it said.
    retry_after: float | None = None


@dataclass
class SyncReport:
    """One pass over the outbox: an outcome per design, the damaged files, a refused login."""

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

    @property
    def retry_after(self) -> float | None:
        """The longest wait the server asked for in this pass, or None if it asked for none."""
        asked = [o.retry_after for o in self.outcomes if o.retry_after is not None]
        return max(asked) if asked else None

    def problem(self) -> QuartierError | None:
        """An error for the whole run a front end should show (the login was refused)."""
        return QuartierError("sync.auth_refused") if self.auth_failed else None


def backoff_delay(
    attempt: int, base: float = 1.0, cap: float = 60.0, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry number `attempt` (0-based): full jitter, U(0, min(cap, base·2^n))."""
    return rand() * min(cap, base * 2 ** min(max(attempt, 0), 62))


def server_delay(
    seconds: float, cap: float = 60.0, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait when the server said how long (Retry-After): at least that (at most
    `cap`), plus up to half again at random, so that a class refused at the same moment does
    not come back at the same moment."""
    wait = min(cap, max(seconds, 0.0))
    return wait * (1 + rand() / 2)


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After of an answer in seconds (RFC 9110: seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class TeamSent:
    """A team room's design as the server stored it for the gallery (`SyncClient.submit_room`)."""

    uuid: str
    revision: int
    status: str
    authors: tuple[str, ...]
    new: bool
    """False: the same design, title and team were stored already (nothing changed)."""


class SyncClient:
    """Sends the outbox to the participant's server. Safe to call from several threads;
    `close()` (or `with`) ends its HTTP connections."""

    def __init__(
        self,
        participant: Participant,
        outbox: Outbox,
        transport: httpx.BaseTransport | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        timeout: httpx.Timeout = UPLOAD_TIMEOUT,
        request_deadline: float = REQUEST_DEADLINE,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.participant = participant
        self.request_deadline, self.max_answer_bytes = request_deadline, max_answer_bytes
        self.outbox = outbox
        self.clock, self.sleep, self.rand = clock, sleep, rand
        self.base_delay, self.max_delay = base_delay, max_delay
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            limits=NO_KEEPALIVE,
            follow_redirects=False,
            headers={**_user_agent(), "Authorization": f"Bearer {participant.token}"},
        )
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backoff_delay(self, attempt: int) -> float:
        return backoff_delay(attempt, self.base_delay, self.max_delay, self.rand)

    def retry_delay(self, attempt: int, report: SyncReport) -> float:
        """Seconds before the next pass over what waits: what the server asked for, if it did
        (`server_delay`), else the backoff for retry number `attempt`."""
        asked = report.retry_after
        if asked is None:
            return self.backoff_delay(attempt)
        return server_delay(asked, self.max_delay, self.rand)

    def send_pending(self) -> SyncReport:
        """Try every outbox file once."""
        with self._lock:
            report = SyncReport()
            busy: Outcome | None = None
            for item in self.outbox.files():
                if item.doc is None:
                    assert item.error is not None  # an OutboxFile has a design or an error
                    log.warning(
                        "outbox file %s is damaged and stays where it is: %s",
                        item.path.name,
                        item.error,
                    )
                    report.damaged.append((item.path, item.error))
                elif busy is not None:  # the server said to wait: the rest waits, not piles on
                    report.outcomes.append(
                        replace(busy, doc_id=str(item.doc.id), title=item.doc.title)
                    )
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
                    outcome = self._send(item, item.doc)
                    report.auth_failed = (
                        outcome.status == 401 and outcome.code != "unexpected_answer"
                    )
                    report.outcomes.append(outcome)
                    if outcome.retry_after is not None:
                        busy = outcome
            return report

    def _send(self, item: OutboxFile, doc: DesignDocument) -> Outcome:
        doc_id, title = str(doc.id), doc.title
        url = f"{self.participant.server}{API}/submissions/{doc_id}"
        try:
            response = _bounded(
                self._http,
                "PUT",
                url,
                deadline=self.request_deadline,
                max_bytes=self.max_answer_bytes,
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
        error = server_error(response)
        if error is None:
            # Not the collection server speaking (a proxy's 403 page, say): try again later.
            log.info("design %s waits: HTTP %s without the server's error", doc_id, status)
            return Outcome(doc_id, "waiting", title, f"HTTP {status}", "unexpected_answer", status)
        code, message = error
        if status == 401:
            log.warning("the server refused the participant login (%s)", code)
            return Outcome(doc_id, "waiting", title, message, code, status)
        if 400 <= status < 500 and status not in TEMPORARY_CLIENT_ERRORS:
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
        asked = retry_after(response) if status in BUSY else None
        log.info("design %s waits: HTTP %s (retry after %s s)", doc_id, status, asked)
        return Outcome(doc_id, "waiting", title, message, code, status, retry_after=asked)

    def submit_room(self, code: str, title: str, lang: str = "en") -> TeamSent:
        """Send a team room's design for the gallery, once for the whole team (docs/api.md).

        Nothing of this computer's grid is sent: the server submits the room's design as it
        stored it, so every member sends the same. Not through the outbox: the pupil is online
        in the room and waits for the answer; a refusal is a `QuartierError` in the server's
        words (`lang`), saying what to do."""
        server = self.participant.server
        url = f"{server}{API}/rooms/{quote(code.strip(), safe='')}/submission"
        try:
            response = _bounded(
                self._http,
                "POST",
                url,
                deadline=self.request_deadline,
                max_bytes=self.max_answer_bytes,
                json={"title": title},
                headers={"Accept-Language": lang},
            )
        except httpx.HTTPError:
            raise QuartierError("sync.no_connection", server=server) from None
        answer = _answered(
            response, server, lambda _code, message: QuartierError("sync.refused", message=message)
        )
        try:
            body = answer.json()
            sent = TeamSent(
                uuid=str(uuid.UUID(body["uuid"])),
                revision=int(body["revision"]),
                status=str(body["status"]),
                authors=tuple(str(name) for name in body["authors"]),
                new=answer.status_code == 201,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise QuartierError("sync.bad_answer", server=server) from None
        log.info("team room %s sent as %s (revision %s)", code, sent.uuid, sent.revision)
        return sent

    def run_until_empty(self, deadline: float) -> SyncReport:
        """Send, and retry what waits with backoff until nothing waits or `clock()` passes `deadline`.

        A request under way when the deadline passes is finished (it is bounded by
        `request_deadline`).
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
            self.sleep(min(self.retry_delay(attempt - 1, report), remaining))
