"""M8: the sync client against real, hostile tiny servers on 127.0.0.1.

A server that trickles a byte every half second, one that sends an endless error body, and a
proxy's HTML 403. Each server is a thread that stops by itself; each test is bounded in time.
"""

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sync_fakes import make_participant, user_outbox

from game.core.design import new_design
from game.core.errors import QuartierError
from game.sync import SyncClient, join

Answer = Callable[[socket.socket, threading.Event], None]


@contextlib.contextmanager
def tiny_server(answer: Answer, lifetime: float = 20.0) -> Iterator[str]:
    """A one-connection-at-a-time HTTP server on a free port; `answer` writes raw bytes."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def serve() -> None:
        end = time.monotonic() + lifetime
        while not stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2.0)
                with contextlib.suppress(OSError):
                    read_request(conn)
                    answer(conn, stop)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536) or b"\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536) or b"x" * length


def trickle(head: bytes) -> Answer:
    def answer(conn: socket.socket, stop: threading.Event) -> None:
        for byte in head:
            if stop.wait(0.5):
                return
            conn.sendall(bytes([byte]))
        while not stop.wait(0.5):
            conn.sendall(b"x")

    return answer


def endless_body(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(8000):  # 500 MB, unless the client hangs up first
        if stop.is_set():
            return
        conn.sendall(chunk)


def fixed(status: str, content_type: str, body: bytes) -> Answer:
    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    return answer


def send_one(url: str, level, **kwargs) -> tuple[object, float, object]:
    outbox = user_outbox()
    doc = new_design(level, "test", title="Park")
    outbox.queue(doc)
    started = time.monotonic()
    with SyncClient(make_participant(url), outbox, **kwargs) as client:
        report = client.send_pending()
    return report.outcome(doc.id), time.monotonic() - started, outbox


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 201 Created\r\n",  # trickling the headers
        b"HTTP/1.1 201 Created\r\nContent-Length: 100000\r\n\r\n",  # trickling the body
    ],
    ids=["headers", "body"],
)
def test_a_trickling_server_cannot_hold_a_request_past_its_deadline(level, head):
    with tiny_server(trickle(head)) as url:
        outcome, took, outbox = send_one(url, level, request_deadline=2.0)
    assert took < 5.0
    assert outcome.state == "waiting" and outcome.code == "no_connection"
    assert "2 s" in outcome.reason
    assert len(outbox.pending()) == 1


def test_joining_a_trickling_server_gives_up_with_a_clear_message():
    with tiny_server(trickle(b"HTTP/1.1 201 Created\r\n")) as url:
        started = time.monotonic()
        with pytest.raises(QuartierError) as failed:
            join(url, "ABC123", "Fox", deadline=2.0)
    assert time.monotonic() - started < 5.0
    assert failed.value.key == "sync.no_connection"


def test_a_huge_error_body_is_not_read_into_memory(level):
    with tiny_server(endless_body) as url:
        outcome, took, outbox = send_one(url, level, max_answer_bytes=1 << 20)
    assert took < 10.0
    assert outcome.state == "waiting" and "AnswerTooLarge" in outcome.reason
    assert len(outbox.pending()) == 1 and not list(outbox.refused_dir.glob("*"))


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        ("403 Forbidden", "text/html", b"<html><h1>Access denied by the school proxy</h1></html>"),
        ("401 Unauthorized", "text/html", b"<html>Proxy login</html>"),
        ("404 Not Found", "application/json", b'{"detail": "Not Found"}'),
        ("422 Unprocessable", "application/json", b'{"error": "no"}'),
    ],
)
def test_an_answer_not_shaped_like_the_servers_error_is_try_again_later(
    level, status, content_type, body
):
    with tiny_server(fixed(status, content_type, body)) as url:
        outbox = user_outbox()
        doc = new_design(level, "test", title="Park")
        outbox.queue(doc)
        with SyncClient(make_participant(url), outbox) as client:
            report = client.send_pending()
    outcome = report.outcome(doc.id)
    assert outcome.state == "waiting" and outcome.code == "unexpected_answer"
    assert not report.auth_failed
    assert len(outbox.pending()) == 1 and not list(outbox.refused_dir.glob("*"))


def test_a_compressed_bomb_is_not_unpacked_past_the_cap(level):
    bomb = gzip.compress(b'{"error": {"code": "x", "message": "' + b" " * 200_000_000, 1)

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
            b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb) + bomb
        )

    with tiny_server(answer) as url:
        outcome, _, outbox = send_one(url, level, max_answer_bytes=1 << 20)
    assert outcome.state == "waiting" and "AnswerTooLarge" in outcome.reason
    assert len(outbox.pending()) == 1


def test_the_servers_own_refusal_still_refuses_for_good(level):
    body = (
        b'{"error": {"code": "wrong_level", "message": "This workshop builds on another level."}}'
    )
    with tiny_server(fixed("409 Conflict", "application/json", body)) as url:
        outcome, _, outbox = send_one(url, level)
    assert outcome.state == "refused" and outcome.reason == "This workshop builds on another level."
    assert outbox.pending() == []


def test_joining_behind_a_proxy_page_is_a_bad_answer_not_a_refusal():
    page = fixed("403 Forbidden", "text/html", b"<html>Access denied</html>")
    with tiny_server(page) as url, pytest.raises(QuartierError) as failed:
        join(url, "ABC123", "Fox")
    assert failed.value.key == "sync.bad_answer"


def test_quartier_sync_behind_a_proxy_page_keeps_the_design_and_says_it_waits(level, capsys):
    from game.cli import main
    from game.io import storage
    from game.io.paths import participant_file
    from game.sync.credentials import save_participant

    page = fixed("403 Forbidden", "text/html", b"<html>Access denied by the school proxy</html>")
    outbox = user_outbox()
    outbox.queue(new_design(level, "test", title="Park"))
    with tiny_server(page) as url:
        save_participant(make_participant(url), participant_file(), storage)
        assert main(["sync"]) == 1  # something still waits
    assert "Park" in capsys.readouterr().out
    assert len(outbox.pending()) == 1 and not list(outbox.refused_dir.glob("*"))
