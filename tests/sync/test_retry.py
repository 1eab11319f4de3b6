"""Retrying: exponential backoff with full jitter until the design is delivered or time is up."""

import hashlib
import json
import logging
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from sync_fakes import TOKEN, FakeServer, FakeTime, client_for, make_participant

from game.core.design import new_design
from game.sync import SyncClient, backoff_delay
from game.sync.client import REQUEST_DEADLINE, UPLOAD_TIMEOUT, retry_after, server_delay


def test_a_server_error_is_retried_until_the_design_is_accepted(level, outbox):
    outbox.queue(doc := new_design(level, "test"))
    server = FakeServer(500, 201)
    fake = FakeTime()
    client = client_for(server, outbox, clock=fake.clock, sleep=fake.sleep, rand=lambda: 1.0)

    report = client.run_until_empty(deadline=100.0)

    assert report.sent == [str(doc.id)] and report.attempts == 2
    assert len(server.puts) == 2 and fake.sleeps == [1.0]
    assert (outbox.sent_dir / f"{doc.id}.design.json").exists()


def test_backoff_grows_exponentially_with_full_jitter_and_is_capped():
    assert [backoff_delay(n, rand=lambda: 1.0) for n in range(9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]
    assert [backoff_delay(n, rand=lambda: 0.5) for n in range(4)] == [0.5, 1, 2, 4]
    assert backoff_delay(10_000, rand=lambda: 1.0) == 60
    assert backoff_delay(3, rand=lambda: 0.0) == 0


def test_run_until_empty_sleeps_with_jittered_backoff_and_gives_up_at_the_deadline(level, outbox):
    outbox.queue(doc := new_design(level, "test"))
    server = FakeServer(503)
    fake = FakeTime()
    draws = iter([1.0, 0.5, 1.0, 0.25, 1.0, 1.0, 1.0, 1.0, 1.0])
    client = client_for(
        server, outbox, clock=fake.clock, sleep=fake.sleep, rand=lambda: next(draws)
    )

    report = client.run_until_empty(deadline=150.0)

    # full jitter: draw · min(60, 2^n); the last sleep is cut to what is left before the deadline
    assert fake.sleeps == [1.0, 1.0, 4.0, 2.0, 16.0, 32.0, 60.0, 150.0 - 116.0]
    assert fake.now == 150.0
    assert report.waiting == [str(doc.id)] and report.attempts == len(server.puts) == 9
    assert outbox.pending()[0].id == doc.id


def test_when_the_server_is_down_the_design_waits_and_is_delivered_exactly_once_when_it_comes_up(
    level, caplog, outbox
):
    """A real HTTP server on 127.0.0.1, started only after the first failed attempt."""
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received: list[tuple[str, str, str]] = []
    stored: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            uuid = self.path.rsplit("/", 1)[-1]
            digest = hashlib.sha256(body).hexdigest()
            received.append((self.path, self.headers["Authorization"], digest))
            status = 200 if stored.get(uuid) == digest else 201
            stored[uuid] = digest
            answer = json.dumps({"uuid": uuid, "revision": 1, "status": "pending"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    servers: list[ThreadingHTTPServer] = []
    timers: list[threading.Timer] = []

    def start_server(seconds: float) -> None:
        if not servers:
            httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            servers.append(httpd)
            threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            ).start()
            timers.append(
                threading.Timer(20.0, httpd.shutdown)
            )  # a bounded lifetime even if the test hangs
            timers[-1].daemon = True
            timers[-1].start()
        time.sleep(min(seconds, 0.05))

    client = SyncClient(
        make_participant(f"http://127.0.0.1:{port}"),
        outbox,
        sleep=start_server,
        timeout=httpx.Timeout(3.0),
        rand=lambda: 1.0,
    )
    try:
        doc = new_design(level, "test", title="Park")
        outbox.queue(doc)
        first = client.send_pending()
        assert first.waiting == [str(doc.id)] and first.outcome(doc.id).code == "no_connection"
        assert [d.id for d in outbox.pending()] == [doc.id] and received == []

        report = client.run_until_empty(deadline=time.monotonic() + 10.0)

        assert report.sent == [str(doc.id)]
        assert len(received) == 1
        assert received[0][:2] == (f"/api/v1/submissions/{doc.id}", f"Bearer {TOKEN}")
        assert outbox.pending() == [] and (outbox.sent_dir / f"{doc.id}.design.json").exists()
        assert client.send_pending().outcomes == [] and len(received) == 1
        assert TOKEN not in caplog.text
    finally:
        client.close()
        for timer in timers:
            timer.cancel()
        for httpd in servers:
            httpd.shutdown()
            httpd.server_close()


def busy(seconds: str) -> httpx.Response:
    """The server's 503 when its queue is full."""
    error = {"error": {"code": "busy", "message": "The server is busy."}}
    return httpx.Response(503, json=error, headers={"Retry-After": seconds})


def test_a_busy_server_is_asked_again_after_its_retry_after_with_jitter_not_sooner(level, outbox):
    outbox.queue(doc := new_design(level, "test"))
    too_many = {"error": {"code": "too_many_revisions", "message": "Wait a little."}}
    server = FakeServer(
        busy("7"), httpx.Response(429, json=too_many, headers={"Retry-After": "30"}), 201
    )
    fake = FakeTime()
    draws = iter([0.0, 1.0])
    client = client_for(
        server, outbox, clock=fake.clock, sleep=fake.sleep, rand=lambda: next(draws)
    )

    report = client.run_until_empty(deadline=1000.0)

    # at least what the server asked, plus up to half again (the backoff would have said 1 and 2 s)
    assert fake.sleeps == [7.0, 45.0]
    assert report.sent == [str(doc.id)] and len(server.puts) == 3


def test_a_retry_after_beyond_the_cap_is_capped_and_a_date_is_understood():
    assert server_delay(3600, cap=60, rand=lambda: 0.0) == 60
    assert server_delay(3600, cap=60, rand=lambda: 1.0) == 90
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    asked = retry_after(httpx.Response(503, headers={"Retry-After": in_a_minute}))
    assert asked is not None and 55 <= asked <= 60
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(503)) is None


def test_after_a_busy_answer_the_rest_of_the_outbox_waits_instead_of_piling_on(level, outbox):
    docs = [new_design(level, "test", title=f"Park {n}") for n in range(4)]
    for doc in docs:
        outbox.queue(doc)
    server = FakeServer(busy("5"))
    client = client_for(server, outbox)

    report = client.send_pending()

    assert len(server.puts) == 1  # one request, then the others wait for the server's time
    assert sorted(report.waiting) == sorted(str(d.id) for d in docs)
    assert report.retry_after == 5 and {o.code for o in report.outcomes} == {"busy"}
    assert len(outbox.pending()) == 4  # nothing lost


def test_an_upload_waits_for_its_answer_as_long_as_the_request_deadline():
    """A slow answer means the server is checking this copy: giving up after 20 s made pupils
    send it again into the same queue."""
    assert UPLOAD_TIMEOUT.read == REQUEST_DEADLINE
