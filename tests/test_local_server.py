"""`quartier run`'s own collection server: started on a free port, used only when it is ours,
a dead child noticed at once with its log named, and never outliving the editor.

Real processes on 127.0.0.1 throughout; every server here stops by itself.
"""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from game.core.errors import QuartierError
from game.io.paths import participant_file
from game.local_server import log_path, start
from game.sync import load_participant


@contextlib.contextmanager
def foreign_server(status: int, body: bytes, content_type: str):
    """Another program on 127.0.0.1 that answers every request the same way; yields its log."""
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

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (404, b"<html><h1>Not Found</h1></html>", "text/html"),
        # answers /healthz, but is not Quartier: once made `quartier run` fail with KeyError 'code'
        (200, b'{"detail": "Not Found"}', "application/json"),
    ],
)
def test_another_program_on_the_port_is_never_used(status, body, content_type):
    with (
        foreign_server(status, body, content_type) as (port, seen),
        pytest.raises(QuartierError) as failed,
    ):
        start("Guest", port=port)
    assert failed.value.key in ("local_server.exited", "local_server.not_ours")
    assert str(log_path()) in failed.value.message("en")
    assert not [path for _, path in seen if path.endswith("/join")]
    assert load_participant(participant_file()) is None


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


def test_the_editor_gets_its_own_server_on_a_free_port_and_keeps_its_login_across_starts():
    with start("Guest") as first:
        joined = load_participant(participant_file())
        assert joined is not None and joined.server == first.url
        assert joined.pseudonym.startswith("Guest")
    assert first.process.poll() is not None

    with start("Guest") as second:
        again = load_participant(participant_file())
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
