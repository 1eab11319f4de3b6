"""The background thread: sends what is queued while the editor runs, never raises, stops at once."""

import time

import httpx
from sync_fakes import FakeServer, client_for

from game.core.design import new_design
from game.sync import BackgroundSync, status_for_student


def wait_until(condition, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_background_sync_sends_what_is_queued_while_running_and_stops_within_a_second(
    level, outbox
):
    server = FakeServer(201)
    reports = []
    background = BackgroundSync(
        client_for(server, outbox), interval=3600.0, on_report=reports.append
    )
    background.start()
    try:
        assert wait_until(lambda: reports)  # the first look at the (empty) outbox
        doc = new_design(level, "test")
        outbox.queue(doc)  # the editor's outbox, which the background sync listens to
        assert wait_until((outbox.sent_dir / f"{doc.id}.design.json").exists, 5.0)
        assert len(server.puts) == 1
        assert status_for_student(doc.id, "en", outbox) == "Sent."
    finally:
        started = time.monotonic()
        assert background.stop(timeout=1.0)
        assert time.monotonic() - started < 1.0
    assert not background.running
    outbox.queue(new_design(level, "test"))  # queued after stop: nothing is sent, nothing breaks
    time.sleep(0.1)
    assert len(server.puts) == 1


def test_background_sync_never_raises_into_the_caller_and_retries_after_a_failure(level, outbox):
    outbox.queue(doc := new_design(level, "test"))
    server = FakeServer(RuntimeError("a bug somewhere"), 201)
    background = BackgroundSync(client_for(server, outbox, base_delay=0.01), interval=0.05)
    background.start()
    try:
        assert wait_until((outbox.sent_dir / f"{doc.id}.design.json").exists)
        assert background.running
    finally:
        assert background.stop()


def test_background_sync_waits_what_a_busy_server_asks_even_beyond_its_interval(level, outbox):
    outbox.queue(doc := new_design(level, "test"))
    busy = httpx.Response(
        503, json={"error": {"code": "busy", "message": "busy"}}, headers={"Retry-After": "1"}
    )
    server = FakeServer(busy, 201)
    client = client_for(server, outbox, base_delay=0.01, rand=lambda: 0.0)
    background = BackgroundSync(client, interval=0.05)
    background.start()
    try:
        time.sleep(0.5)
        assert len(server.puts) == 1  # not every 0.05 s into a busy server
        assert wait_until((outbox.sent_dir / f"{doc.id}.design.json").exists)
        assert len(server.puts) == 2
    finally:
        assert background.stop()
