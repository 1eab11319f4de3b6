"""Issue 13, M3: clients that send slowly or never, or open too many connections, against a real
server process. ~20,000 half-sent requests once took every file descriptor of the server and
`/healthz` stopped answering. The bounds here are generous: a test waits up to WAIT seconds for
what the server does after 2."""

import contextlib
import re
import socket
import time

import httpx
import pytest
from live_server import LiveServer

from game.core.i18n import text
from server_sync.cli import main
from server_sync.connections import connection_limits
from server_sync.settings import Settings

WAIT = 30.0  # seconds a test waits for the server to close a connection it must close
HEADERS = b"GET /healthz HTTP/1.1\r\nHost: quartier\r\n"
UPLOAD = (
    b"POST /api/v1/join HTTP/1.1\r\nHost: quartier\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n{"
)


@pytest.fixture
def start(tmp_path):
    """Starts servers with more `serve` options; kills them all at the end."""
    servers = []

    def start(*options: str, workers: int = 1, open_files: int | None = None) -> LiveServer:
        server = LiveServer(
            tmp_path / f"live{len(servers)}", None, workers, options=options, open_files=open_files
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.kill()


def connect(server: LiveServer, data: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    if data:
        sock.sendall(data)
    return sock


def trickle(sock: socket.socket, byte: bytes) -> bytes:
    """Send `byte` every half second until the server answers or closes; what it sent (b"" for
    a silent close). Fails if it never does within WAIT seconds."""
    answer, deadline = b"", time.monotonic() + WAIT
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            with contextlib.suppress(OSError):  # closed under our feet: the next recv says so
                sock.sendall(byte)
            continue
        except ConnectionResetError:
            return answer
        if not chunk:
            return answer
        answer += chunk
    pytest.fail(f"the server kept a trickling connection open for {WAIT} s")


def closed(sock: socket.socket, seconds: float) -> bool:
    """Whether the server has closed `sock` (within `seconds`)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def read_response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length (it may come in several pieces)."""
    sock.settimeout(WAIT)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    head, body = answer.split(b"\r\n\r\n", 1)
    found = re.search(rb"content-length: (\d+)", head.lower())
    assert found, head
    length = int(found.group(1))
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


def in_both_languages(answer: bytes, key: str) -> None:
    body = answer.decode()
    assert text("de", key) in body and text("en", key) in body


@pytest.mark.parametrize("workers", [1, 2], ids=["1 process", "2 processes"])
def test_headers_sent_byte_by_byte_are_cut_off_with_408(start, workers):
    server = start("--header-timeout", "2", workers=workers)
    with connect(server, HEADERS) as sock:
        answer = trickle(sock, b"X")  # an endless header, one byte every half second
    assert answer.startswith(b"HTTP/1.1 408 ")
    in_both_languages(answer, "server.too_slow")
    assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200


def test_a_connection_that_never_sends_a_byte_is_closed(start):
    server = start("--header-timeout", "2")
    with connect(server) as sock:
        assert closed(sock, WAIT)


def test_a_trickled_body_is_cut_off_with_408(start):
    server = start("--body-timeout", "2")
    with connect(server, UPLOAD) as sock:
        answer = trickle(sock, b" ")  # 1000 bytes announced, one sent every half second
    assert answer.startswith(b"HTTP/1.1 408 ")
    in_both_languages(answer, "server.too_slow")


def test_idle_keep_alive_connections_are_closed(start):
    server = start("--keep-alive", "2")
    with connect(server, HEADERS + b"\r\n") as sock:
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        answer = trickle(sock, b"\r\n")  # blank lines between requests are no request
    assert answer == b""


def test_beyond_the_cap_idle_connections_make_room_and_busy_ones_refuse_with_503(start):
    server = start("--max-connections", "50", "--header-timeout", "120", "--body-timeout", "120")
    idle = [connect(server, HEADERS if i % 2 else b"") for i in range(80)]
    try:
        # Slow or silent connections are the first to go: /healthz still answers.
        assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
        assert sum(closed(sock, 0.2) for sock in idle) >= 30
    finally:
        for sock in idle:
            sock.close()
    busy = []
    try:
        for _ in range(50):  # requests whose bodies are still coming in
            busy.append(connect(server, UPLOAD))
            time.sleep(0.01)
        answer = None
        for _ in range(50):  # until the server has seen all of them
            with connect(server, HEADERS + b"\r\n") as sock:
                answer = read_response(sock)
            if answer.startswith(b"HTTP/1.1 503 "):
                break
            time.sleep(0.1)
        assert answer is not None and answer.startswith(b"HTTP/1.1 503 ")
        assert b"\r\nretry-after: " in answer.lower()
        in_both_languages(answer, "server.too_many_connections")
    finally:
        for sock in busy:
            sock.close()
    deadline = time.monotonic() + WAIT
    while httpx.get(server.url + "/healthz", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "/healthz did not answer again after they closed"
        time.sleep(0.2)


def test_idle_connections_never_exhaust_the_open_files(start):
    """M3 as it happened, on a small scale: more idle connections than the server has files."""
    server = start(open_files=200)
    idle = []
    try:
        for _ in range(400):
            idle.append(connect(server, HEADERS))
        started = time.monotonic()
        response = httpx.get(server.url + "/healthz", timeout=WAIT)
        assert response.status_code == 200
        assert time.monotonic() - started < 10
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize("option", ["--header-timeout", "--max-connections"])
@pytest.mark.parametrize("value", ["0", "-5", "x"])
def test_a_limit_below_one_is_a_usage_error(option, value, capsys):
    with pytest.raises(SystemExit) as ended:
        main(["serve", option, value])
    assert ended.value.code == 2
    assert "not a whole number from 1 up" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("hard", "cap", "backlog"), [(4096, 1000, 819), (1024, 616, 204), (200, 72, 64)]
)
def test_the_open_file_limit_is_raised_and_the_cap_kept_below_it(
    tmp_path, monkeypatch, hard, cap, backlog
):
    resource = pytest.importorskip("resource")
    raised = []
    monkeypatch.setattr(resource, "getrlimit", lambda which: (hard // 2, hard))
    monkeypatch.setattr(resource, "setrlimit", lambda which, limits: raised.append(limits))
    limits = connection_limits(Settings(data_dir=tmp_path))
    assert raised == [(hard, hard)]
    assert (limits.max_connections, limits.backlog) == (cap, backlog)
    # a fifth of the files (at least 64) stays for the database, the logs and the pictures
    assert limits.max_connections + limits.backlog + max(64, hard // 5) <= hard
