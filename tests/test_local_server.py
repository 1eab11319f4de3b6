"""`quartier run`'s own collection server: started on its recorded port or, when another
program or another Quartier server holds that, on a free one, used only when it is ours (the
editor's submit reaches it), a dead child noticed at once with its log named, and never
outliving the editor.

Real processes on 127.0.0.1 throughout; every server here stops by itself.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from live_server import LiveServer

import game.local_server
from game import __version__
from game.app.editor import Editor
from game.core.design import new_design
from game.core.errors import QuartierError
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level
from game.io.paths import home, participant_file
from game.local_server import log_path, port_file, start
from game.sync import load_participant


@contextlib.contextmanager
def foreign_server(status: int, body: bytes, content_type: str, port: int = 0):
    """Another program on 127.0.0.1 that answers every request the same way; yields its port
    and log."""
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def answer(self):
            seen.append((self.command, self.path))
            self.send_response(200 if self.path == "/healthz" and status == 200 else status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = answer

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    stopper = threading.Timer(60.0, httpd.shutdown)  # a bounded lifetime even if the test hangs
    stopper.daemon = True
    stopper.start()
    try:
        yield httpd.server_address[1], seen
    finally:
        stopper.cancel()
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def another_quartier_server(tmp_path):
    """Someone else's real `quartier-server` (its own data and moderator token)."""
    server = LiveServer(tmp_path / "theirs", None).start()
    try:
        yield server.port, []
    finally:
        server.kill()


def submitted_from_the_editor(title: str) -> None:
    """What a pupil does in `quartier run`: build, then Submit; waits until it was sent."""
    level = find_level("demo")
    session = Session(level)
    session.apply(Box(from_=(50, 52, 1), to=(53, 55, 3), block="housing"))
    editor = Editor(session, new_design(level, __version__), None, "en")
    try:
        assert editor.sync is not None  # joined to the local server's demo workshop
        assert editor.submit(title, "", "")
        deadline = time.monotonic() + 60
        while editor.outbox.receipt(str(editor.doc.id)) is None:
            assert time.monotonic() < deadline, editor.current_toast()
            time.sleep(0.1)
    finally:
        editor.close()


@pytest.mark.parametrize(
    "other",
    [
        lambda _: foreign_server(404, b"<html><h1>Not Found</h1></html>", "text/html"),
        # answers /healthz, but is not Quartier: once made `quartier run` fail with KeyError 'code'
        lambda _: foreign_server(200, b'{"detail": "Not Found"}', "application/json"),
        another_quartier_server,
    ],
    ids=["web server", "healthz only", "another Quartier server"],
)
def test_with_another_server_on_the_editors_port_its_own_starts_and_submit_works(other, tmp_path):
    with other(tmp_path) as (taken, seen):
        port_file().parent.mkdir(parents=True, exist_ok=True)
        port_file().write_text(str(taken))  # the port the last run used
        with start("Guest") as ours:
            assert ours.url != f"http://127.0.0.1:{taken}"
            joined = load_participant(participant_file())
            assert joined is not None and joined.server == ours.url
            submitted_from_the_editor("Park am Bach")
            token = (home() / "local-moderator-token").read_text()
            answer = httpx.get(
                f"{ours.url}/api/v1/workshops/{joined.workshop_id}/submissions",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert [s["title"] for s in answer.json()] == ["Park am Bach"]
        assert seen == []  # the other server was never asked anything
        assert port_file().read_text() == ours.url.rsplit(":", 1)[1]  # the next run starts there


def test_a_port_taken_while_the_server_starts_means_one_more_start_on_another(monkeypatch):
    held = []

    def taken_at_once(port):
        """Another program takes the port right after it was found free."""
        chosen = usable(port)
        if not held:
            holder = socket.socket()
            holder.bind(("127.0.0.1", chosen))
            holder.listen()
            held.append(holder)
        return chosen

    usable = game.local_server._usable
    monkeypatch.setattr(game.local_server, "_usable", taken_at_once)
    try:
        with start("Guest") as ours:
            assert ours.url != f"http://127.0.0.1:{held[0].getsockname()[1]}"
            assert load_participant(participant_file()).server == ours.url
    finally:
        held[0].close()


def test_a_child_that_dies_at_import_is_noticed_at_once_and_its_log_is_named():
    dies = [
        sys.executable,
        "-c",
        "import sys; sys.exit('ModuleNotFoundError: No module named pygame')",
    ]
    with pytest.raises(QuartierError) as failed:
        start("Guest", command=dies, wait=600)
    # not a time-out after 600 s: the exit itself was noticed
    assert failed.value.key == "local_server.exited"
    assert "No module named pygame" in log_path().read_text()
    for lang in ("en", "de"):
        assert str(log_path()) in failed.value.message(lang)
    assert "Lehrkraft" in failed.value.message("de")


def test_a_server_that_answers_healthz_but_not_our_secret_is_not_used_and_is_stopped(tmp_path):
    script = tmp_path / "impostor.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, os, sys
            from http.server import BaseHTTPRequestHandler, HTTPServer

            port = int(sys.argv[sys.argv.index("--port") + 1])
            print(os.getpid(), file=open(sys.argv[1], "w"), flush=True)

            class Handler(BaseHTTPRequestHandler):
                def answer(self):
                    ok = self.path == "/healthz"
                    body = json.dumps({"ok": True} if ok else {"error": {"code": "no"}}).encode()
                    self.send_response(200 if ok else 401)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                do_GET = do_POST = answer

            server = HTTPServer(("127.0.0.1", port), Handler)
            server.timeout = 60
            server.handle_request()  # a bounded lifetime: a few requests at most
            for _ in range(20):
                server.handle_request()
            """
        )
    )
    pid_file = tmp_path / "pid"
    with pytest.raises(QuartierError) as failed:
        start("Guest", command=[sys.executable, str(script), str(pid_file)], wait=60)
    assert failed.value.key == "local_server.not_ours"
    assert load_participant(participant_file()) is None
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # stopped and reaped


def test_the_editor_gets_its_own_server_and_keeps_its_address_and_login_across_starts():
    with start("Guest") as first:
        joined = load_participant(participant_file())
        assert joined is not None and joined.server == first.url
        assert joined.pseudonym.startswith("Guest")
    assert first.process.poll() is not None

    with start("Guest") as second:
        again = load_participant(participant_file())
        assert second.url == first.url  # the recorded port, free again
        assert again is not None and again.server == second.url
        assert (again.participant_id, again.workshop_id, again.token) == (
            joined.participant_id,
            joined.workshop_id,
            joined.token,
        )
    assert second.process.poll() is not None


def gone(pid: int) -> bool:
    """The process has ended (a zombie counts: nobody but init may be left to reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with contextlib.suppress(OSError):
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_the_server_ends_when_the_editor_is_killed():
    editor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from game.local_server import start;"
            "print(start('Guest').process.pid, flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = None
    try:
        child = int(editor.stdout.readline())
        os.kill(editor.pid, signal.SIGKILL)
        editor.wait()
        end = time.monotonic() + 30
        while not gone(child) and time.monotonic() < end:
            time.sleep(0.05)
        assert gone(child)
    finally:
        editor.kill()
        editor.wait()
        if child and not gone(child):
            os.kill(child, signal.SIGKILL)
