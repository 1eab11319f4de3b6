"""Joining a workshop inside the editor (issue 14, point 2): the start screen's forms and
`quartier play --join`, driven headless through the real UI against a server on 127.0.0.1.

The server is `JoinServer` (tests/support/join_server.py), a small real HTTP server that speaks
the joining contract with personal codes while the collection server's side is built in
parallel; the designs the editor submits arrive there over real sockets.
"""

import json
import os
import subprocess
import sys

import pytest
import zxingcpp
from join_server import JoinServer

from game.io.paths import participant_file

DRAG = {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [52, 53, 0]}}


@pytest.fixture
def server():
    with JoinServer() as fake:
        fake.workshop("ABC123", "Marktplatz 7b")
        yield fake


@pytest.fixture
def quartier(headless_gl, tmp_path):
    """`quartier play --headless` with a script and any other options; no level is chosen
    unless the options say so, so the session starts on the start screen."""

    def run(script: list, *args: str, lang: str = "en") -> subprocess.CompletedProcess:
        path = tmp_path / "script.json"
        path.write_text(json.dumps(script))
        command = [sys.executable, "-m", "game.cli", "play", "--headless", "--script", str(path)]
        return subprocess.run(
            [*command, *args],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            env={**os.environ, "QUARTIER_LANG": lang},
        )

    return run


def build_and_submit(title: str) -> list:
    return [
        {"do": "tool", "tool": "box"},
        DRAG,
        {"do": "button", "label": "Submit"},
        {"do": "text", "text": title},
        {"do": "button", "label": "Submit"},  # the dialog's: it is on top
        {"do": "wait_for_sync", "seconds": 30},
    ]


def test_a_pupil_joins_on_the_start_screen_with_a_pasted_link_builds_and_the_design_arrives(
    quartier, server, tmp_path, read_png
):
    link = f"{server.url}/?code=abc-123"
    script = [
        {"do": "button", "label": "Join a workshop"},
        {"do": "text", "text": link},
        {"do": "key", "key": "TAB"},
        {"do": "key", "key": "TAB"},
        {"do": "text", "text": "Fox"},
        {"do": "screenshot", "path": str(tmp_path / "join.png")},
        {"do": "key", "key": "ENTER"},
        {"do": "screenshot", "path": str(tmp_path / "joined.png")},
        {"do": "button", "label": "Start building"},
        *build_and_submit("Green corner"),
        {"do": "action", "action": "phone"},
        {"do": "screenshot", "path": str(tmp_path / "hud.png")},
    ]
    result = quartier(script)
    assert result.returncode == 0, result.stderr

    [person] = server.people
    assert (person.pseudonym, person.workshop.code) == ("Fox", "ABC123")
    [(pseudonym, design)] = server.submissions.values()
    assert pseudonym == "Fox" and design["title"] == "Green corner"
    assert design["level"]["id"] == "demo" and design["changes"]["count"] == 6
    assert ("POST", "/api/v1/join", "en") in server.requests
    stored = json.loads(participant_file().read_text())
    assert stored["workshop_title"] == "Marktplatz 7b" and stored["personal_code"] == "P1K7QX"
    assert stored["server"] == server.url
    for name in ("join.png", "joined.png", "hud.png"):
        assert read_png(tmp_path / name).std() > 10, name  # something is drawn
    [qr] = zxingcpp.read_barcodes(read_png(tmp_path / "hud.png"))  # as a phone's camera reads it
    assert qr.text == f"{server.url}/p/P1K7QX"


def test_quartier_play_join_asks_only_for_the_nickname(quartier, server):
    script = [
        {"do": "text", "text": "Owl"},
        {"do": "key", "key": "ENTER"},
        {"do": "key", "key": "ENTER"},  # "Start building"
        *build_and_submit("Owl's square"),
    ]
    result = quartier(script, "--join", f"{server.url}/?code=ABC123")
    assert result.returncode == 0, result.stderr
    assert [p.pseudonym for p in server.people] == ["Owl"]
    [(pseudonym, design)] = server.submissions.values()
    assert pseudonym == "Owl" and design["title"] == "Owl's square"


def test_quartier_play_join_with_a_nickname_starts_building_at_once_and_again_without_joining_twice(
    quartier, server
):
    args = ("--join", "ABC123", "--server", server.url, "--pseudonym", "Lynx")
    result = quartier(build_and_submit("First"), *args)
    assert result.returncode == 0, result.stderr
    result = quartier(build_and_submit("Second"), *args)  # the desktop shortcut, the next day
    assert result.returncode == 0, result.stderr
    assert [p.pseudonym for p in server.people] == ["Lynx"]
    titles = sorted(design["title"] for _, design in server.submissions.values())
    assert titles == ["First", "Second"]


def test_a_pupil_on_a_second_computer_signs_in_with_the_personal_code(quartier, server):
    from game.sync import join

    first = join(server.url, "ABC123", "Fox")  # on the first computer
    script = [
        {"do": "button", "label": "I already joined: personal code"},
        {"do": "text", "text": f"{server.url}/p/{first.personal_code}"},
        {"do": "button", "label": "Sign in"},
        {"do": "button", "label": "Start building"},
        *build_and_submit("From the library"),
    ]
    result = quartier(script)
    assert result.returncode == 0, result.stderr
    assert len(server.people) == 1
    [(pseudonym, design)] = server.submissions.values()
    assert pseudonym == "Fox" and design["title"] == "From the library"


def confirm(window) -> None:
    """Press the form's OK and draw until the join running in the background has answered
    (the window keeps drawing meanwhile and says it is connecting)."""
    import time

    from game.core.i18n import text

    window.start.dialog.confirm()
    assert window.start.dialog.error == text(window.start.lang, "start.joining")
    while window.start.pending is not None:
        window.on_draw()
        time.sleep(0.01)
    window.on_draw()


REFUSALS = [
    ("wrong_code", "XYZ999", "Fox", "That code is not right."),
    ("taken", "ABC123", "fox", "Someone already has this nickname."),
    ("joining_closed", "LATE11", "Fox", "Joining this workshop has ended."),
    ("workshop_closed", "OVER22", "Fox", "This workshop is over."),
    ("no_nickname", "ABC123", "", "Pick a nickname"),
    ("nickname_refused", "ABC123", "F", "A nickname has 2 to 24 characters."),
    ("no_code", "", "Fox", "Type the code from the board."),
]


@pytest.mark.parametrize(("case", "code", "nickname", "sentence"), REFUSALS)
def test_every_refusal_is_one_sentence_in_the_form_which_stays_filled_in(
    headless_gl, server, case, code, nickname, sentence
):
    import pyglet

    pyglet.options["headless"] = True
    from game.app.start import StartWindow
    from game.sync import join

    join(server.url, "ABC123", "Fox")
    server.workshop("LATE11", "Late", joining_open=False)
    server.workshop("OVER22", "Over", phase="closed")
    window = StartWindow("en", 1280, 720, visible=False)
    try:
        window.start.open_join(code, server.url, nickname)
        window.on_draw()
        dialog = window.start.dialog
        confirm(window)
        assert dialog.error.startswith(sentence), dialog.error
        window.on_draw()
        assert dialog.values() == {"code": code, "server": server.url, "pseudonym": nickname}
        assert window.choice is None
    finally:
        window.close()


def test_an_unreachable_server_and_a_missing_level_say_what_to_do(headless_gl, server):
    import pyglet

    pyglet.options["headless"] = True
    from live_server import free_port

    from game.app.start import StartWindow

    server.workshop("FAR333", "Far away", level_id="not-installed")
    window = StartWindow("de", 1280, 720, visible=False)
    try:
        window.start.open_join(f"http://127.0.0.1:{free_port()}/?code=ABC123", "", "Fuchs")
        window.on_draw()
        confirm(window)
        assert window.start.dialog.error.startswith("Keine Verbindung zu http://127.0.0.1:")
        window.start.open_join("FAR333", server.url, "Fuchs")
        window.on_draw()
        confirm(window)
        assert "„not-installed“" in window.start.dialog.intro
        assert window.choice is None
    finally:
        window.close()


def test_joining_in_the_editor_against_the_real_collection_server(quartier, tmp_path):
    """The same path against `quartier-server serve` in its own process: the workshop the
    moderator made is joined through the start screen, and the submitted design is listed."""
    import httpx
    from live_server import MODERATOR, LiveServer

    live = LiveServer(tmp_path / "live", None).start()
    try:
        moderator = {"Authorization": f"Bearer {MODERATOR}"}
        workshop = httpx.post(
            f"{live.url}/api/v1/workshops",
            headers=moderator,
            json={"title": "Schulhof", "level_id": "demo", "moderation": "post"},
        ).json()
        script = [
            {"do": "button", "label": "Join a workshop"},
            {"do": "text", "text": f"{live.url}/?code={workshop['code']}"},
            {"do": "key", "key": "TAB"},
            {"do": "key", "key": "TAB"},
            {"do": "text", "text": "Heron"},
            {"do": "button", "label": "Join"},
            {"do": "button", "label": "Start building"},
            *build_and_submit("Schoolyard trees"),
        ]
        result = quartier(script)
        assert result.returncode == 0, result.stderr
        listed = httpx.get(
            f"{live.url}/api/v1/workshops/{workshop['id']}/submissions", headers=moderator
        ).json()
        assert [(s["title"], s["pseudonym"]) for s in listed] == [("Schoolyard trees", "Heron")]
    finally:
        live.kill()


def test_offline_the_design_waits_in_the_outbox_and_goes_out_when_the_server_is_back(
    quartier, server, quartier_home
):
    from join_server import JoinServer

    from game.io import storage
    from game.sync import join, save_participant

    save_participant(join(server.url, "ABC123", "Fox"), participant_file(), storage)
    server.__exit__()  # the Wi-Fi is gone
    result = quartier(
        [*build_and_submit("Offline park")[:-1], {"do": "wait_for_sync", "seconds": 2}],
        "--level",
        "demo",
    )
    assert result.returncode == 0, result.stderr
    assert len(list((quartier_home / "outbox").glob("*.design.json"))) == 1
    assert server.submissions == {}
    with JoinServer(server.port, state=server) as back:
        result = quartier([{"do": "wait_for_sync", "seconds": 30}], "--level", "demo")
        assert result.returncode == 0, result.stderr
        [(pseudonym, design)] = back.submissions.values()
    assert (pseudonym, design["title"]) == ("Fox", "Offline park")
    assert not list((quartier_home / "outbox").glob("*.design.json"))


def test_a_refused_desktop_shortcut_opens_the_form_as_typed_with_the_reason(quartier, server):
    from game.sync import join

    join(server.url, "ABC123", "Fox")  # someone else in the class
    script = [
        {"do": "text", "text": "y"},  # the form kept "fox": the pupil makes it "foxy"
        {"do": "key", "key": "ENTER"},
        {"do": "key", "key": "ENTER"},
        *build_and_submit("Foxy's place"),
    ]
    args = ("--join", "ABC123", "--server", server.url, "--pseudonym", "fox")
    result = quartier(script, *args)
    assert result.returncode == 0, result.stderr
    assert [p.pseudonym for p in server.people] == ["Fox", "foxy"]
    [(pseudonym, design)] = server.submissions.values()
    assert (pseudonym, design["title"]) == ("foxy", "Foxy's place")


def test_a_pupil_who_joined_before_personal_codes_gets_one_from_the_phone_panel(
    headless_gl, server, tmp_path, read_png
):
    """An old participant file has no personal code: "Get my phone code" asks the server for
    one (on a thread, the editor keeps drawing), stores it, and the QR code appears."""
    import dataclasses
    import time

    import pyglet

    from game.io import storage
    from game.sync import join, load_participant, save_participant

    pyglet.options["headless"] = True
    from game.app.launch import PlayOptions, create_editor
    from game.app.script import ScriptRunner, button_centre
    from game.app.window import EditorWindow
    from game.io.images import write_png

    old = dataclasses.replace(join(server.url, "ABC123", "Fox"), personal_code="")
    save_participant(old, participant_file(), storage)
    window = EditorWindow(create_editor(PlayOptions(level="demo")), 1280, 720, visible=False)
    runner = ScriptRunner(window)
    try:
        window.run_action("phone")
        runner.frame()
        x, y = button_centre([window.hud.canvas], "Get my phone code")
        window.on_mouse_press(x, y, 1, 0)
        deadline = time.monotonic() + 20
        while not window.editor.participant.personal_code and time.monotonic() < deadline:
            window.update(1 / 30)
            runner.frame()
        write_png(tmp_path / "phone.png", runner.frame())
    finally:
        window.close()
    assert load_participant(participant_file()).personal_code == "N1W8RT"
    [qr] = zxingcpp.read_barcodes(read_png(tmp_path / "phone.png"))
    assert qr.text == f"{server.url}/p/N1W8RT"


def test_back_the_next_day_the_start_screen_builds_for_the_joined_workshop_without_a_code(
    quartier, server, tmp_path
):
    from game.io import storage
    from game.sync import join, save_participant

    save_participant(join(server.url, "ABC123", "Fox"), participant_file(), storage)
    script = [
        {"do": "screenshot", "path": str(tmp_path / "start.png")},
        {"do": "button", "label": "Build for my workshop"},
        {"do": "button", "label": "Start building"},
        *build_and_submit("Day two"),
    ]
    result = quartier(script)
    assert result.returncode == 0, result.stderr
    assert len(server.people) == 1
    [(pseudonym, design)] = server.submissions.values()
    assert (pseudonym, design["title"]) == ("Fox", "Day two")


def test_a_script_on_the_start_screen_names_the_step_that_cannot_run_there(quartier):
    result = quartier([{"do": "button", "label": "Fly away"}])
    assert result.returncode == 1
    assert "Step 1: There is no button “Fly away” on the screen." in result.stderr
    result = quartier([{"do": "key", "key": "TAB"}, {"do": "tool", "tool": "box"}])
    assert result.returncode == 1
    assert "Step 2 needs the editor" in result.stderr
