"""The sync client against docs/api.md: joining, sending the outbox, retries, refusals, background sync."""

import hashlib
import json
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from game.core.design import new_design
from game.core.errors import QuartierError
from game.sync import (
    BackgroundSync,
    Outbox,
    Participant,
    SyncClient,
    backoff_delay,
    join,
    load_participant,
    participant_path,
    require_participant,
    status_for_student,
)

TOKEN = "tok-SECRET-4f1c9a"
SERVER = "http://quartier.test"


def make_participant(server: str = SERVER) -> Participant:
    return Participant(
        server=server, token=TOKEN, participant_id="p-1", workshop_id="w-1", pseudonym="Fox"
    )


class FakeServer:
    """A MockTransport handler: answers from a list (the last one repeats) and records every request."""

    def __init__(self, *answers):
        self.answers = list(answers) or [201]
        self.requests: list[httpx.Request] = []
        self.before_answer = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before_answer:
            self.before_answer(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        status, message = (answer, "") if isinstance(answer, int) else answer
        if status >= 400:
            return httpx.Response(
                status, json={"error": {"code": "refused", "message": message or f"no ({status})"}}
            )
        uuid = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(status, json={"uuid": uuid, "revision": 1, "status": "pending"})

    @property
    def puts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "PUT"]


def client_for(server: FakeServer, **kwargs) -> SyncClient:
    return SyncClient(make_participant(), Outbox(), httpx.MockTransport(server), **kwargs)


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# --- joining ------------------------------------------------------------------------------


def test_joining_stores_the_credentials_for_the_user_only_and_never_prints_the_token(
    capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    seen = []

    def server(request):
        seen.append((request.method, str(request.url), json.loads(request.content)))
        return httpx.Response(
            201,
            json={
                "participant_id": 7,
                "token": TOKEN,
                "workshop": {
                    "id": 3,
                    "code": "ABC123",
                    "title": "Park",
                    "level_id": "test",
                    "phase": "building",
                    "votes_per_participant": 3,
                    "moderation": "pre",
                },
            },
        )

    participant = join(
        " http://quartier.test/ ", "ABC123", " Fox ", transport=httpx.MockTransport(server)
    )

    assert seen == [
        ("POST", "http://quartier.test/api/v1/join", {"code": "ABC123", "pseudonym": "Fox"})
    ]
    assert participant == Participant("http://quartier.test", TOKEN, "7", "3", "Fox")
    assert load_participant() == participant
    stored = json.loads(participant_path().read_text())
    assert stored == {
        "server": "http://quartier.test",
        "token": TOKEN,
        "participant_id": "7",
        "workshop_id": "3",
        "pseudonym": "Fox",
    }
    if sys.platform != "win32":
        assert participant_path().stat().st_mode & 0o777 == 0o600
    assert not [p for p in participant_path().parent.iterdir() if p.name.endswith(".tmp")]
    print(participant, repr(participant))
    logging.getLogger("test").info("joined: %r", participant)
    out, err = capsys.readouterr()
    assert TOKEN not in out + err + caplog.text
    assert "Fox" in out


def test_a_wrong_code_gives_the_servers_message_and_stores_nothing():
    server = FakeServer((404, "That code is not right. Please check it with your teacher."))
    with pytest.raises(QuartierError) as refused:
        join(SERVER, "WRONG", "Fox", transport=httpx.MockTransport(server))
    assert refused.value.key == "sync.refused"
    assert "That code is not right" in refused.value.message("en")
    assert "That code is not right" in refused.value.message("de")
    assert load_participant() is None
    assert not participant_path().exists()


def test_joining_without_a_connection_or_with_a_bad_address_says_so_clearly():
    down = FakeServer(httpx.ConnectError("Connection refused"))
    with pytest.raises(QuartierError) as no_connection:
        join(SERVER, "ABC123", "Fox", transport=httpx.MockTransport(down))
    assert no_connection.value.key == "sync.no_connection"
    with pytest.raises(QuartierError) as bad_address:
        join("quartier.test", "ABC123", "Fox")
    assert bad_address.value.key == "sync.bad_server"
    with pytest.raises(QuartierError) as not_joined:
        require_participant()
    assert not_joined.value.key == "sync.not_joined"


def test_a_damaged_participant_file_counts_as_not_joined():
    participant_path().parent.mkdir(parents=True)
    participant_path().write_text('{"server": "http://x"}')
    assert load_participant() is None
    assert participant_path().exists()


# --- sending ------------------------------------------------------------------------------


def test_a_queued_design_is_sent_once_moves_to_sent_and_a_resend_of_the_same_content_is_harmless(
    level, caplog
):
    caplog.set_level(logging.DEBUG)
    outbox = Outbox()
    doc = new_design(level, "test", title="Park", pseudonym="Fox")
    outbox.queue(doc)
    server = FakeServer(201, 200)

    report = client_for(server).send_pending()

    assert report.sent == [str(doc.id)] and not report.waiting and not report.refused
    [put] = server.puts
    assert str(put.url) == f"{SERVER}/api/v1/submissions/{doc.id}"
    assert put.headers["Authorization"] == f"Bearer {TOKEN}"
    assert put.headers["Content-Type"] == "application/json"
    assert json.loads(put.content) == json.loads(doc.to_json())
    assert outbox.pending() == []
    assert (outbox.sent_dir / f"{doc.id}.design.json").read_text() == doc.to_json()
    assert json.loads((outbox.sent_dir / f"{doc.id}.receipt.json").read_text())["status"] == 201
    assert client_for(server).send_pending().outcomes == []  # nothing left: not sent twice

    outbox.queue(doc)  # the student presses "submit" again without changes
    again = client_for(server).send_pending()
    assert again.sent == [str(doc.id)] and again.outcome(doc.id).status == 200
    assert len(server.puts) == 2
    assert sorted(p.name for p in outbox.sent_dir.iterdir()) == [
        f"{doc.id}.design.json",
        f"{doc.id}.receipt.json",
    ]
    assert status_for_student(doc.id, "en") == "Sent."
    assert TOKEN not in caplog.text


def test_a_changed_design_sent_again_keeps_the_earlier_sent_copy(level):
    outbox = Outbox()
    doc = new_design(level, "test", title="Park")
    server = FakeServer(201)
    outbox.queue(doc)
    client_for(server).send_pending()
    outbox.queue(doc.model_copy(update={"title": "Bigger park"}))
    client_for(server).send_pending()
    assert (
        json.loads((outbox.sent_dir / f"{doc.id}.design.json").read_text())["title"]
        == "Bigger park"
    )
    older = sorted((outbox.sent_dir / "older").iterdir())
    assert [p.name.endswith(".design.json") for p in older].count(True) == 1
    assert any(json.loads(p.read_text()).get("title") == "Park" for p in older)


def test_a_design_queued_again_while_it_was_on_its_way_stays_in_the_outbox(level):
    outbox = Outbox()
    doc = new_design(level, "test", title="Park")
    outbox.queue(doc)
    server = FakeServer(201)
    server.before_answer = lambda request: Outbox().queue(doc.model_copy(update={"title": "Newer"}))

    assert client_for(server).send_pending().sent == [str(doc.id)]
    assert [d.title for d in outbox.pending()] == ["Newer"]
    assert json.loads((outbox.sent_dir / f"{doc.id}.design.json").read_text())["title"] == "Park"
    assert status_for_student(doc.id, "en") == status_for_student(doc.id, "en", outbox) != "Sent."


def test_a_server_error_is_retried_until_the_design_is_accepted(level):
    Outbox().queue(doc := new_design(level, "test"))
    server = FakeServer(500, 201)
    fake = FakeTime()
    client = client_for(server, clock=fake.clock, sleep=fake.sleep, rand=lambda: 1.0)

    report = client.run_until_empty(deadline=100.0)

    assert report.sent == [str(doc.id)] and report.attempts == 2
    assert len(server.puts) == 2 and fake.sleeps == [1.0]
    assert (Outbox().sent_dir / f"{doc.id}.design.json").exists()


@pytest.mark.parametrize("status", [409, 422, 403, 413])
def test_a_permanent_refusal_moves_the_design_to_refused_and_the_student_is_told_why(level, status):
    outbox = Outbox()
    doc = new_design(level, "test")
    outbox.queue(doc)
    server = FakeServer((status, "This workshop builds on the level 'altstadt'."))

    report = client_for(server).send_pending()

    assert report.refused == [str(doc.id)]
    assert report.outcome(doc.id).reason == "This workshop builds on the level 'altstadt'."
    assert outbox.pending() == []
    assert (outbox.refused_dir / f"{doc.id}.design.json").read_text() == doc.to_json()
    note = json.loads((outbox.refused_dir / f"{doc.id}.refusal.json").read_text())
    assert note["status"] == status and note["code"] == "refused"
    assert note["message"] == "This workshop builds on the level 'altstadt'." and note["at"]
    reason = "This workshop builds on the level 'altstadt'."
    assert status_for_student(doc.id, "en") == f"Not accepted by the server: {reason}"
    assert status_for_student(doc.id, "de") == f"Vom Server nicht angenommen: {reason}"
    assert client_for(server).send_pending().outcomes == [] and len(server.puts) == 1


def test_a_refused_design_submitted_again_and_accepted_counts_as_sent(level):
    outbox = Outbox()
    doc = new_design(level, "test")
    outbox.queue(doc)
    client_for(FakeServer((422, "Too tall."))).send_pending()
    fixed = doc.model_copy(update={"title": "Lower"})
    outbox.queue(fixed)
    assert (
        status_for_student(doc.id, "en") == "Waiting for a connection; it will be sent by itself."
    )
    client_for(FakeServer(201)).send_pending()
    assert status_for_student(doc.id, "de") == "Gesendet."
    assert (outbox.refused_dir / f"{doc.id}.design.json").exists()  # the refused copy is kept


@pytest.mark.parametrize(
    "answer", [408, 425, 429, 500, 503, httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow")]
)
def test_a_temporary_failure_keeps_the_design_waiting_in_the_outbox(level, answer):
    outbox = Outbox()
    doc = new_design(level, "test")
    outbox.queue(doc)
    report = client_for(FakeServer(answer)).send_pending()
    assert report.waiting == [str(doc.id)]
    assert [d.id for d in outbox.pending()] == [doc.id]
    assert not outbox.sent_dir.exists() and not outbox.refused_dir.exists()
    assert (
        status_for_student(doc.id, "en") == "Waiting for a connection; it will be sent by itself."
    )
    assert (
        status_for_student(doc.id, "de")
        == "Wartet auf eine Verbindung und wird dann von selbst gesendet."
    )


def test_a_wifi_login_page_answering_200_is_not_taken_for_delivery(level):
    Outbox().queue(doc := new_design(level, "test"))
    portal = FakeServer(httpx.Response(200, html="<html>Please log in to the school Wi-Fi</html>"))
    assert client_for(portal).send_pending().waiting == [str(doc.id)]
    assert Outbox().pending()[0].id == doc.id


def test_a_refused_login_keeps_every_design_waiting_and_asks_to_join_again(level):
    outbox = Outbox()
    first, second = new_design(level, "test"), new_design(level, "test")
    outbox.queue(first)
    outbox.queue(second)
    server = FakeServer((401, "Please join the workshop first."))
    fake = FakeTime()

    report = client_for(server, clock=fake.clock, sleep=fake.sleep).run_until_empty(deadline=100.0)

    assert sorted(report.waiting) == sorted([str(first.id), str(second.id)])
    assert report.auth_failed and report.problem().key == "sync.auth_refused"
    assert len(server.puts) == 1 and fake.sleeps == []
    assert len(outbox.pending()) == 2


def test_a_damaged_outbox_file_is_reported_and_left_in_place(level):
    outbox = Outbox()
    outbox.queue(doc := new_design(level, "test"))
    broken = outbox.folder / "broken.design.json"
    broken.write_text("{")
    server = FakeServer(201)

    report = client_for(server).send_pending()

    assert report.sent == [str(doc.id)]
    assert [path for path, _ in report.damaged] == [broken]
    assert report.damaged[0][1].key == "error.bad_json"
    assert broken.read_text() == "{" and len(server.puts) == 1
    assert status_for_student("broken", "en").startswith("The copy waiting to be sent is damaged")
    assert status_for_student("00000000-0000-4000-8000-000000000000", "en") == "Not submitted yet."


# --- retrying -----------------------------------------------------------------------------


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


def test_run_until_empty_sleeps_with_jittered_backoff_and_gives_up_at_the_deadline(level):
    Outbox().queue(doc := new_design(level, "test"))
    server = FakeServer(503)
    fake = FakeTime()
    draws = iter([1.0, 0.5, 1.0, 0.25, 1.0, 1.0, 1.0, 1.0, 1.0])
    client = client_for(server, clock=fake.clock, sleep=fake.sleep, rand=lambda: next(draws))

    report = client.run_until_empty(deadline=150.0)

    # full jitter: draw · min(60, 2^n); the last sleep is cut to what is left before the deadline
    assert fake.sleeps == [1.0, 1.0, 4.0, 2.0, 16.0, 32.0, 60.0, 150.0 - 116.0]
    assert fake.now == 150.0
    assert report.waiting == [str(doc.id)] and report.attempts == len(server.puts) == 9
    assert Outbox().pending()[0].id == doc.id


def test_when_the_server_is_down_the_design_waits_and_is_delivered_exactly_once_when_it_comes_up(
    level, caplog
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

    outbox = Outbox()
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


# --- background sync ----------------------------------------------------------------------


def wait_until(condition, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_background_sync_sends_what_is_queued_while_running_and_stops_within_a_second(level):
    server = FakeServer(201)
    reports = []
    background = BackgroundSync(client_for(server), interval=3600.0, on_report=reports.append)
    background.start()
    try:
        assert wait_until(lambda: reports)  # the first look at the (empty) outbox
        doc = new_design(level, "test")
        Outbox().queue(doc)  # a new Outbox, as the editor makes one per submission
        assert wait_until((Outbox().sent_dir / f"{doc.id}.design.json").exists, 5.0)
        assert len(server.puts) == 1
        assert status_for_student(doc.id, "en") == "Sent."
    finally:
        started = time.monotonic()
        assert background.stop(timeout=1.0)
        assert time.monotonic() - started < 1.0
    assert not background.running
    Outbox().queue(new_design(level, "test"))  # queued after stop: nothing is sent, nothing breaks
    time.sleep(0.1)
    assert len(server.puts) == 1


def test_background_sync_never_raises_into_the_caller_and_retries_after_a_failure(level):
    Outbox().queue(doc := new_design(level, "test"))
    server = FakeServer(RuntimeError("a bug somewhere"), 201)
    background = BackgroundSync(client_for(server, base_delay=0.01), interval=0.05)
    background.start()
    try:
        assert wait_until((Outbox().sent_dir / f"{doc.id}.design.json").exists)
        assert background.running
    finally:
        assert background.stop()
