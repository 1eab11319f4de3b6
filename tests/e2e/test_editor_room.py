"""The editor in a team room (issue 18, points 3 and 4), against a real collection server process.

Two headless `quartier play` editors build in one room (`scripts/room_screenshots.py`, which
also makes the README's picture): the block of flats one draws appears in the other's screenshot.
One editor window inside this process with a teammate on a `RoomClient`: the teammate's steps
and pointer show up, a refused edit is rolled back with the reason, Ctrl+Z takes back the
pupil's own step, and the room's panel says who did what.
"""

import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from live_server import MODERATOR, LiveServer
from PIL import Image
from project_scripts import load_script

TEACHER = {"Authorization": f"Bearer {MODERATOR}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("rooms"), None).start()
    try:
        yield live
    finally:
        live.kill()


def _picture(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_a_block_drawn_in_one_editor_appears_in_the_other_editors_screenshot(
    headless_gl, server, tmp_path
):
    shots = load_script("room_screenshots").team_session(
        server.url, MODERATOR, tmp_path, quiet=2.5, pointing=False
    )
    before, after, other = (_picture(shots[n]) for n in ("ada-before", "ada-after", "ben-after"))
    # The 3D view around the block at 960×540, clear of the HUD (the tool's row, the panels,
    # the messages at the bottom).
    view = (slice(240, 346), slice(330, 640))
    before, after, other = before[view], after[view], other[view]
    block = np.abs(after - before).max(axis=2) > 40  # where Ada's block (and its shade) is
    assert block.sum() > 300, "Ada's own picture shows her block"
    same = np.abs(other - after).max(axis=2) <= 40
    assert same[block].mean() > 0.9, "Ben's picture shows the block where Ada's does"
    assert (np.abs(other - before).max(axis=2) > 40)[block].mean() > 0.9


def _pupils(server, count: int) -> list:
    from game.sync import join

    with httpx.Client(base_url=server.url, timeout=30) as http:
        workshop = http.post(
            "/api/v1/workshops", json={"title": "Team", "level_id": "demo"}, headers=TEACHER
        ).json()
    return [join(server.url, workshop["code"], f"P{i}") for i in range(count)]


@pytest.fixture
def in_room(headless_gl, server, tmp_path, monkeypatch):
    """An editor window of pupil P0 in a new room, and a teammate P1 on a `RoomClient`."""
    import pyglet

    from game.io import storage
    from game.io.levels import find_level
    from game.io.paths import participant_file
    from game.sync import save_participant
    from game.sync.room import RoomClient, room_url

    monkeypatch.setenv("QUARTIER_HOME", str(tmp_path))
    me, mate = _pupils(server, 2)
    save_participant(me, participant_file(), storage)
    pyglet.options["headless"] = True
    pyglet.options["shadow_window"] = False
    from game.app.launch import PlayOptions, create_editor
    from game.app.window import EditorWindow
    from game.core.ops import Place

    window = EditorWindow(create_editor(PlayOptions(level="demo")), 960, 540, visible=False)
    window.editor.apply(Place(block="housing", at=(60, 55, 1)))  # built alone before the room
    assert window.editor.make_room("Eule"), window.editor.current_toast()
    assert window.editor.room is not None
    code = window.editor.room.code
    teammate = RoomClient(room_url(server.url, code), mate.token, find_level("demo"))
    teammate.connect()
    try:
        yield window, teammate, code
    finally:
        teammate.close()
        window.editor.close()
        window.close()


def _frames_until(window, condition, seconds: float = 30) -> None:
    """Draw frames (the editor takes the room's news once a frame) until `condition()`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        window.update(1 / 30)
        window.switch_to()
        window.on_draw()
        window.flip()
        time.sleep(0.02)


def test_a_teammates_steps_and_pointer_show_refusals_roll_back_and_undo_is_your_own(
    in_room, server
):
    from game.core.ops import Box, Place
    from game.io.paths import autosave_dir

    window, teammate, code = in_room
    editor, room = window.editor, window.editor.room
    housing = editor.level.catalogue.id("housing")
    assert editor.session.grid[60, 55, 1] == editor.level.city[60, 55, 1] != housing, (
        "the room's design, not the one built alone"
    )
    alone = list(autosave_dir().glob("*.design.json"))
    assert len(alone) == 1 and str(editor.doc.id) not in alone[0].name, "kept apart"
    _frames_until(window, lambda: sum(1 for m in room.members if m.get("online")) == 2)

    teammate.propose(Box(block="housing", from_=(60, 60, 1), to=(62, 61, 3)))
    _frames_until(window, lambda: editor.session.grid[61, 60, 2] == housing)
    assert "P1 built 18 blocks" in room.feed()
    teammate.point((72, 70, 0))  # away from the level's info markers
    _frames_until(window, lambda: room.pointers.get(teammate.me) == (72, 70, 0))
    x, y = window.screen_position(np.array([72.5, 70.5, 1.0]))
    window.switch_to()
    window.on_draw()
    from game.app.window import capture

    picture = capture()
    pixel = picture[picture.shape[0] - 1 - round(y), round(x)].astype(int)
    colour = np.array(room.colour_of(teammate.me))
    assert np.abs(pixel - colour).max() < 40, "the teammate's marker, in their colour"

    editor.apply(Place(block="housing", at=(50, 50, 1)))
    assert editor.session.grid[50, 50, 1] == housing, "shown at once"
    _frames_until(window, lambda: not room.client.mirror.pending)
    editor.undo()  # Ctrl+Z: the pupil's own place, not the teammate's box
    _frames_until(window, lambda: editor.session.grid[50, 50, 1] == 0)
    assert editor.session.grid[61, 60, 2] == housing
    assert room.feed()[-1] == "You undid a step"

    with httpx.Client(base_url=server.url, timeout=30) as http:
        locked = http.post(f"/api/v1/rooms/{code}/lock", json={"locked": True}, headers=TEACHER)
        assert locked.status_code == 200, locked.text
    _frames_until(window, lambda: room.client.locked)
    before = editor.session.grid.copy()
    assert editor.apply(Place(block="housing", at=(52, 50, 1))) is None
    window.on_draw()
    assert np.array_equal(editor.session.grid, before), "refused at once: nothing flashes"
    assert "locked" in (editor.current_toast() or "")
    assert not room.client.mirror.pending, "nothing sent"
    assert teammate.grid().tobytes() == editor.session.grid.tobytes()


def test_the_line_drops_the_pupil_builds_on_nothing_is_lost_and_the_team_submits(in_room, server):
    from game.core.ops import Place

    window, teammate, _ = in_room
    editor, room = window.editor, window.editor.room
    housing = editor.level.catalogue.id("housing")
    _frames_until(window, lambda: len(room.members) == 2)
    window.open_submit()
    assert "for your team: P0, P1" in window.dialog.intro
    window.close_dialog()

    server.kill()
    _frames_until(window, lambda: not room.client.online)
    window.switch_to()
    window.on_draw()  # the panel says so
    shown = [item.text for item in window.hud.canvas.items if hasattr(item, "text")]
    assert "Reconnecting… keep building" in shown
    editor.apply(Place(block="housing", at=(55, 55, 1)))
    assert editor.session.grid[55, 55, 1] == housing
    server.start()  # the same port: the editor comes back by itself
    _frames_until(window, lambda: room.client.online and not room.client.mirror.pending, 60)
    _frames_until(window, lambda: teammate.grid()[55, 55, 1] == housing)
    assert editor.room is room and editor.session.grid[55, 55, 1] == housing

    assert editor.submit("Our yard", "")  # Submit in a room: the team's design, once
    _frames_until(window, lambda: "Sent for your team" in (editor.current_toast() or ""))
    assert editor.current_toast() == "Sent for your team: P0, P1."


def test_the_start_screen_says_why_a_room_code_does_not_work(headless_gl, server, tmp_path):
    import pyglet

    pyglet.options["headless"] = True
    pyglet.options["shadow_window"] = False
    from game.app.start import StartWindow

    (pupil,) = _pupils(server, 1)
    window = StartWindow("de", 960, 540, visible=False)
    try:
        start = window.start
        start.open_join_room(pupil)
        dialog = start.dialog
        assert dialog is not None

        def answer(code: str) -> str:
            dialog.on_ok({"code": code})
            deadline = time.monotonic() + 30
            while start.pending is not None and time.monotonic() < deadline:
                window.switch_to()
                window.on_draw()  # polls the answer
                time.sleep(0.02)
            assert start.dialog is dialog, "the form stays open, as typed"
            return dialog.error

        assert "Es gibt keinen Raum mit diesem Code" in answer("zz-zzz")
        assert "Tippe den Raum-Code" in answer(" - ")
        # Taken out of a room by the teacher: said here, before "Start building", not after.
        from game.sync.room import make_room

        code = make_room(pupil, "Eule").code
        with httpx.Client(base_url=server.url, timeout=30) as http:
            listed = http.get(f"/api/v1/workshops/{pupil.workshop_id}/rooms", headers=TEACHER)
            (room,) = [r for r in listed.json() if r["code"] == code]
            member = room["members"][0]["id"]
            gone = http.delete(f"/api/v1/rooms/{code}/members/{member}", headers=TEACHER)
            assert gone.status_code == 204, gone.text
        assert "aus diesem Raum genommen" in answer(code)
    finally:
        window.close()


def test_a_pupil_building_alone_joins_the_team_room_from_the_editor(
    headless_gl, server, tmp_path, monkeypatch
):
    """In a workshop, building alone: the HUD's "Join a room" asks for the code, a wrong code is
    answered in the form, the right one brings the team's design onto the screen."""
    import pyglet
    from pyglet.window import mouse

    from game.app.script import button_centre
    from game.io import storage
    from game.io.paths import participant_file
    from game.sync import save_participant
    from game.sync.room import make_room

    monkeypatch.setenv("QUARTIER_HOME", str(tmp_path))
    me, mate = _pupils(server, 2)
    code = make_room(mate, "Eule").code
    save_participant(me, participant_file(), storage)
    pyglet.options["headless"] = True
    pyglet.options["shadow_window"] = False
    from game.app.launch import PlayOptions, create_editor
    from game.app.window import EditorWindow

    window = EditorWindow(create_editor(PlayOptions(level="demo")), 960, 540, visible=False)
    try:
        editor = window.editor
        window.on_draw()  # the HUD laid out for a pupil in a workshop
        assert editor.participant is not None and editor.room is None
        x, y = button_centre([window.hud.canvas], editor.t("hud.join_room"))
        window.on_mouse_press(x, y, mouse.LEFT, 0)
        dialog = window.dialog
        assert dialog is not None and dialog.title == editor.t("start.join_room")
        dialog.on_ok({"code": "zz-zzz"})
        _frames_until(window, lambda: window._room_pending is None)
        assert window.dialog is dialog and "no room" in dialog.error.lower()
        dialog.on_ok({"code": code.lower()})  # as a teammate reads it out
        _frames_until(window, lambda: editor.room is not None)
        assert window.dialog is None and editor.room.code == code
        assert code in (editor.current_toast() or "")
        labels = {b.label for b in window.hud.canvas.buttons}
        assert editor.t("hud.join_room") not in labels, "in a room: the room's panel instead"
    finally:
        window.editor.close()
        window.close()
