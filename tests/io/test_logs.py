"""The log file a teacher sends: where it is, that it rotates, and that crashes land in it."""

import logging
import subprocess
import sys

from game.io.logs import BACKUPS, MAX_BYTES, configure_logging, log_file


def test_the_log_is_in_the_user_data_folder_and_holds_what_is_logged(quartier_home):
    path = configure_logging("quartier")
    assert path == quartier_home / "logs" / "quartier.log" == log_file()
    logging.getLogger("game.sync").info("design %s sent", "abc")
    assert "INFO game.sync [MainThread] design abc sent" in path.read_text(encoding="utf-8")


def test_a_second_call_moves_the_log_instead_of_writing_twice(tmp_path):
    first = configure_logging("server", tmp_path / "a")
    second = configure_logging("server", tmp_path / "b")
    logging.getLogger("quartier.server").warning("only once")
    assert "only once" not in first.read_text(encoding="utf-8")
    assert second.read_text(encoding="utf-8").count("only once") == 1


def test_the_log_rotates_and_keeps_a_few_files_of_about_a_megabyte(tmp_path):
    path = configure_logging("quartier", tmp_path)
    for _ in range(6 * MAX_BYTES // 10_000):
        logging.getLogger("quartier").info("x" * 10_000)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["quartier.log"] + [
        f"quartier.log.{n}" for n in range(1, BACKUPS + 1)
    ]
    assert all(f.stat().st_size <= MAX_BYTES for f in files) and path in files


def test_a_folder_that_cannot_be_written_leaves_the_program_running(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    path = configure_logging("quartier", blocked / "logs")
    assert path == blocked / "logs" / "quartier.log" and log_file() is None
    logging.getLogger("quartier").error("goes nowhere, quietly")


CRASH = """
import sys, threading
from pathlib import Path
from game.io.logs import configure_logging
configure_logging("quartier", Path(sys.argv[1]))
worker = threading.Thread(target=lambda: 1 / 0, name="sunlight")
worker.start()
worker.join()
raise ValueError("main thread broke")
"""


def test_uncaught_exceptions_go_to_the_log_and_the_user_reads_only_where(tmp_path):
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        env={"QUARTIER_LANG": "en", "PATH": ""},
    )
    log = tmp_path / "quartier.log"
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("please send this file to your teacher") == 2
    assert "ZeroDivisionError" in result.stderr and "ValueError: main thread broke" in result.stderr
    written = log.read_text(encoding="utf-8")
    assert "uncaught exception in thread sunlight" in written and "1 / 0" in written
    assert "uncaught exception" in written and 'raise ValueError("main thread broke")' in written
    assert str(log) in result.stderr


def test_the_server_logs_to_its_own_file_in_the_user_data_folder(tmp_path, quartier_home):
    from live_server import LiveServer

    server = LiveServer(tmp_path / "server-data", None).start()
    try:
        log = quartier_home / "logs" / "server.log"
        assert log.is_file()
    finally:
        server.kill()


def test_a_failure_in_the_editors_indicator_thread_lands_in_the_log(tmp_path):
    from game.app.background import ExpensiveIndicators

    class Broken:
        def snapshot(self):
            return "the design as it is"

        def compute_expensive(self, snapshot):
            raise RuntimeError("no sun today")

    path = configure_logging("quartier", tmp_path)
    worker = ExpensiveIndicators(Broken())
    try:
        worker.request()
        assert worker.wait()
    finally:
        worker.close()
    written = path.read_text(encoding="utf-8")
    assert "walking and sunlight could not be computed" in written
    assert "RuntimeError: no sun today" in written and "[quartier-indicators]" in written


def test_an_unexpected_server_error_names_the_log_that_holds_its_traceback(
    tmp_path, quartier_home, monkeypatch, capsys
):
    from server_sync import cli

    def broken(args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "cmd_export", broken)
    code = cli.main(["export", "--workshop", "X", "--out", str(tmp_path / "out.zip")])
    log = quartier_home / "logs" / "server.log"
    assert code == 1
    assert str(log) in capsys.readouterr().err
    assert "Traceback" in log.read_text() and "disk on fire" in log.read_text()
