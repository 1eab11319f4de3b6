"""A student submits while the server is down; `quartier sync` delivers it exactly once later."""

import json
import os
import subprocess
import sys

import httpx
from sync_fakes import user_outbox

from game.core.design import parse_design

MOD = {"Authorization": "Bearer test-moderator-token-0123456789abcdef"}


def quartier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "game.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QUARTIER_LANG": "en"},
    )


def test_submitted_while_the_server_is_down_then_delivered_once_by_quartier_sync(
    live_server, make_design
):
    live_server.start()
    workshop = httpx.post(
        live_server.url + "/api/v1/workshops",
        headers=MOD,
        json={"title": "Sync", "level_id": "demo", "moderation": "post"},
    ).json()
    joined = quartier("join", workshop["code"], "--pseudonym", "Fox", "--server", live_server.url)
    assert joined.returncode == 0, joined.stderr
    assert "Fox" in joined.stdout and "token" not in joined.stdout.lower()
    live_server.kill()

    doc = parse_design(make_design("Offline park"))
    user_outbox().queue(doc)  # what the editor's submit dialog does
    waiting = quartier("sync")
    assert waiting.returncode == 1 and "Waiting for a connection: Offline park" in waiting.stdout

    live_server.start()
    sent = quartier("sync", "--wait", "30")
    assert sent.returncode == 0, sent.stderr
    assert "Sent: Offline park" in sent.stdout
    assert "Nothing waiting" in quartier("sync").stdout
    listed = httpx.get(
        f"{live_server.url}/api/v1/workshops/{workshop['id']}/submissions", headers=MOD
    ).json()
    assert [(s["uuid"], s["revision"]) for s in listed] == [(str(doc.id), 1)]


def test_render_draws_a_design_on_the_command_line(tmp_path, make_design):
    path = tmp_path / "d.design.json"
    path.write_text(make_design("Park"))
    for view in ("iso", "top"):
        out = tmp_path / f"{view}.png"
        result = quartier(
            "render", str(path), "--out", str(out), "--view", view, "--size", "400x300"
        )
        assert result.returncode == 0, result.stderr
        assert out.read_bytes()[:4] == b"\x89PNG"
    assert json.loads(path.read_text())["title"] == "Park"


def test_the_editor_sends_a_submission_in_the_background(live_server, quartier_home):
    import time

    from game import __version__
    from game.app.editor import Editor
    from game.core.design import new_design
    from game.core.ops import Box
    from game.core.session import Session
    from game.io import storage
    from game.io.levels import find_level
    from game.io.paths import participant_file
    from game.sync import join, save_participant

    live_server.start()
    workshop = httpx.post(
        live_server.url + "/api/v1/workshops",
        headers=MOD,
        json={"title": "Bg", "level_id": "demo", "moderation": "post"},
    ).json()
    save_participant(join(live_server.url, workshop["code"], "Owl"), participant_file(), storage)
    level = find_level("demo")
    editor = Editor(Session(level), new_design(level, __version__), None, "en")
    try:
        editor.apply(Box(from_=(50, 52, 1), to=(52, 54, 2), block="housing"))
        assert editor.submit("Owl's yard", "Homes", "Owl")
        deadline = time.monotonic() + 30
        listed = []
        while time.monotonic() < deadline and not listed:
            time.sleep(0.2)
            listed = httpx.get(
                f"{live_server.url}/api/v1/workshops/{workshop['id']}/submissions"
            ).json()
        assert [s["title"] for s in listed] == ["Owl's yard"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and editor._sync_news is None:
            time.sleep(0.05)
        editor.tick()
        assert editor.current_toast() == "Sent."
    finally:
        editor.close()
