"""The real editor, headless: scripted building, picking from many angles, screenshots."""

import json
import subprocess
import sys

import numpy as np
import pytest

BOX_DRAG = {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [55, 56, 0]}}


def test_student_drags_a_box_saves_it_then_undo_removes_it(play, tmp_path):
    result = play(
        [
            {"do": "tool", "tool": "box"},
            {"do": "block", "block": "housing"},
            {"do": "key", "key": "BRACKETRIGHT"},
            BOX_DRAG,
        ],
        "--save",
        "built.design.json",
    )
    assert result.returncode == 0, result.stderr
    info = _info(tmp_path / "built.design.json")
    assert info["blocks"] == {"housing": 6 * 5 * 2}
    assert info["changed_voxels"] == info["added_voxels"] == 60

    undone = play(
        [{"do": "tool", "tool": "box"}, BOX_DRAG, {"do": "key", "key": "Z", "mods": ["ctrl"]}],
        "--save",
        "undone.design.json",
    )
    assert undone.returncode == 0, undone.stderr
    assert _info(tmp_path / "undone.design.json")["changed_voxels"] == 0


def test_every_tool_works_through_the_window(play, tmp_path):
    script = [
        {"do": "camera", "preset": "top"},
        {"do": "tool", "tool": "building"},
        {"do": "block", "block": "office"},
        {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [53, 55, 0]}},
        {"do": "tool", "tool": "line"},
        {"do": "block", "block": "bench"},
        {"do": "drag", "from": {"voxel": [50, 60, 0]}, "to": {"voxel": [56, 60, 0]}},
        {"do": "tool", "tool": "place"},
        {"do": "block", "block": "tree"},
        {"do": "click", "voxel": [60, 62, 0]},
        {"do": "click", "voxel": [62, 62, 0], "button": "right"},
        {"do": "tool", "tool": "paint"},
        {"do": "block", "block": "plaza"},
        {"do": "click", "voxel": [58, 50, 0]},
        {"do": "tool", "tool": "eyedropper"},
        {"do": "click", "voxel": [50, 60, 1]},
        {"do": "tool", "tool": "stamp"},
        {"do": "drag", "from": {"voxel": [50, 60, 1]}, "to": {"voxel": [52, 60, 1]}},
        {"do": "key", "key": "R"},
        {"do": "click", "voxel": [60, 52, 0]},
    ]
    result = play(script, "--save", "tools.design.json")
    assert result.returncode == 0, result.stderr
    blocks = _info(tmp_path / "tools.design.json")["blocks"]
    assert blocks["office"] == 4 * 4 * 5 and blocks["roof"] == 16
    assert blocks["bench"] == 7 + 3  # the line, then three of them stamped turned by 90°
    assert blocks["tree"] == 1 and blocks["plaza"] == 1
    # right click removed the parking voxel under the cursor
    assert _info(tmp_path / "tools.design.json")["removed_voxels"] == 1


def test_a_click_on_a_hidden_face_is_a_clear_error(play):
    result = play(
        [{"do": "camera", "preset": "top"}, {"do": "click", "voxel": [50, 52, 0], "face": "bottom"}]
    )
    assert result.returncode == 1
    assert "Step 2" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "yaw, pitch", [(0, 30), (45, 60), (135, 20), (210, 70), (300, 45), (90, 89)]
)
def test_clicking_the_centre_of_a_face_picks_that_voxel_and_face(window, yaw, pitch):
    from game.core.ops import Box

    window.editor.apply(Box(from_=(60, 60, 1), to=(61, 61, 6), block="housing"))
    window.orbit.yaw_deg, window.orbit.pitch_deg = yaw, pitch
    window.orbit.target, window.orbit.distance = (61, 61, 3), 45
    forward = window.orbit.forward()
    # The wall of the tower that faces the camera, and a patch of ground in front of the tower.
    axis = int(np.argmax(np.abs(forward[:2])))
    normal = [0, 0, 0]
    normal[axis] = -int(np.sign(forward[axis]))
    wall = [60, 60, 3]
    wall[axis] = 61 if normal[axis] > 0 else 60
    front = np.round(np.array([60.5, 60.5]) - 6 * forward[:2] / np.linalg.norm(forward[:2])).astype(
        int
    )
    targets = [((60, 61, 6), (0, 0, 1)), ((int(front[0]), int(front[1]), 0), (0, 0, 1))]
    if pitch < 80:  # seen from straight above a wall is edge-on
        targets.append((tuple(wall), tuple(normal)))
    for voxel, face in targets:
        centre = np.asarray(voxel) + 0.5 + 0.5 * np.asarray(face)
        pos = window.screen_position(centre)
        assert pos is not None and 0 <= pos[0] < window.width and 0 <= pos[1] < window.height
        hit = window.pointer_at(*pos).hit
        assert hit is not None and (hit.voxel, hit.normal) == (voxel, face), (voxel, face, hit)


def test_building_a_box_changes_the_image_where_the_box_is(window):
    from game.core.ops import Box

    window.view_preset("bird")
    window.hud.draw = lambda: None  # the 3D view alone: the HUD shows new numbers and a toast
    window.editor.markers_shown = False  # and the box hides an info marker behind it
    # Its shade falls beside it, and people turn away from it (tests/e2e/test_editor_living.py).
    window.scene.shadows = window.people = False
    before = _frame(window)
    op = Box(from_=(52, 54, 1), to=(60, 62, 8), block="housing")
    window.editor.apply(op)
    after = _frame(window)
    changed = np.abs(after.astype(int) - before.astype(int)).sum(axis=2) > 30
    corners = [
        window.screen_position((x, y, z)) for x in (52, 61) for y in (54, 63) for z in (1, 9)
    ]
    xs = [c[0] for c in corners]
    ys = [window.height - c[1] for c in corners]
    box = np.zeros_like(changed)
    box[int(min(ys)) - 2 : int(max(ys)) + 3, int(min(xs)) - 2 : int(max(xs)) + 3] = True
    assert changed[box].sum() > 0.3 * box.sum()  # the box fills much of its screen rectangle
    assert changed[~box].sum() < 0.02 * changed.sum() + 50  # and little changes elsewhere


def test_the_3d_view_skips_only_rows_the_hud_bars_cover(window):
    """The scene is drawn only between the top bar and the palette: between them the picture is
    the same as drawing it everywhere, so no pixel a pupil sees is left out. The bars themselves
    are the window's clear colour (hud.BARS), not rectangles drawn over the scene."""
    from game.app.hud import BARS

    window.view_preset("bird")
    hud = window.hud
    bottom, top = hud.view_rows(window.height)
    assert 0 < bottom < top < window.height
    assert tuple(_frame(window)[-1, -1]) == BARS[:3]  # a corner of the palette, with the HUD
    hud.draw = lambda: None
    between = _frame(window)
    rows = slice(window.height - top, window.height - bottom)  # image rows run top down
    assert (between[: rows.start] == BARS[:3]).all() and (between[rows.stop :] == BARS[:3]).all()
    hud.view_rows = lambda height: (0, height)
    everywhere = _frame(window)
    assert np.array_equal(between[rows], everywhere[rows])


@pytest.mark.parametrize(
    "view", ["bird", "top", "walk", "walk looking up", "street", "low in a small window", "far out"]
)
def test_the_sky_is_rasterised_only_beyond_the_lawn(window, monkeypatch, view):
    """The sky is a box standing on the lawn's border, so it covers only what the lawn leaves
    open: the picture is the one of the sky drawn over the whole window, from the bird's eye
    turning round, looking straight down, at eye height in walk mode (also looking up), from
    the street and low over the lawn in a window of another shape. From a camera outside the
    box (zoomed far out) the sky is drawn over the whole window."""
    if view == "low in a small window":
        from game.app.launch import PlayOptions, create_editor
        from game.app.window import EditorWindow

        window = EditorWindow(create_editor(PlayOptions(level="demo")), 640, 600, visible=False)
        window.orbit.pitch_deg = 8
    else:
        window.view_preset({"top": "top", "street": "street"}.get(view, "bird"))
    if view.startswith("walk"):
        window.toggle_walk()
        window.walker.look(0, 90 if view == "walk looking up" else 0)  # to the zenith
    if view == "far out":
        window.orbit.distance = 3000
    window.hud.draw = lambda: None
    scene = window.scene
    assert scene._in_sky_box(window.camera.eye()) == (view != "far out")
    for _ in range(3 if view == "bird" else 1):
        boxed = _frame(window)
        with monkeypatch.context() as patched:
            patched.setattr(scene, "_in_sky_box", lambda eye: False)
            assert np.array_equal(boxed, _frame(window)), view
        window.orbit.orbit(37.0, 0)
    if view == "low in a small window":
        window.close()


def test_the_huds_letters_of_every_size_and_weight_are_one_draw_call(window):
    """All the HUD's fonts keep their glyphs in one texture, so a batch draws all its letters
    at once: with a texture per font it drew each of the eleven sizes and weights apart."""
    from pyglet.text.layout import TextLayoutGroup

    _frame(window)
    hud = window.hud
    sizes = {(i.font_size, i.weight) for i in hud.canvas.items if hasattr(i, "font_size")}
    letters = [g for g in hud.canvas.batch.group_map if isinstance(g, TextLayoutGroup)]
    assert len(sizes) > 5 and len(letters) == 1


def test_the_hud_checks_the_goals_again_after_an_edit_not_after_a_cost_preview(window):
    from game.core.ops import Box

    window._update_ghost = lambda: None  # no mouse here: the cost preview stays as set
    metrics = window.editor.metrics
    checked = []
    goals = metrics.goals
    window.editor.metrics.goals = lambda: checked.append(1) or goals()

    def shown() -> list[str]:
        _frame(window)
        texts = [i.text for i in window.hud.canvas.items if hasattr(i, "text")]
        return [t for t in texts if t[:1] in ("✓", "○")]

    assert "✓ No building over 6 floors" in shown()
    window.hud.preview_cost = 80000.0
    before = len(checked)
    shown()
    assert len(checked) == before  # the design did not change: the goals were not read again
    window.editor.apply(Box(from_=(52, 54, 1), to=(55, 57, 26), block="housing"))
    assert "○ No building over 6 floors" in shown()
    assert [g.met for g in goals()] == [t.startswith("✓") for t in shown()]


def test_walk_mode_stands_on_the_ground_at_eye_height(window):
    window.toggle_walk()
    eye = window.camera.eye()
    x, y = int(eye[0]), int(eye[1])
    assert eye[2] == pytest.approx(window.heights[x, y] + 1.6 / 2.0, abs=0.3)
    _frame(window)


def test_play_without_a_display_says_what_to_do(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "QUARTIER_LANG": "en",
        "QUARTIER_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "game.cli", "play", "--level", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--headless" in result.stderr and "Traceback" not in result.stderr


def test_screenshot_of_the_demo_level_shows_the_city(play, tmp_path, read_png):
    result = play(
        [{"do": "camera", "preset": "bird"}], "--screenshot", "shot.png", "--size", "800x450"
    )
    assert result.returncode == 0, result.stderr
    image = read_png(tmp_path / "shot.png")
    assert image.shape == (450, 800, 3)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 500  # a city, not an empty clear colour


def _frame(window):
    from game.app.script import ScriptRunner

    return ScriptRunner(window).frame()


def _info(path):
    result = subprocess.run(
        [sys.executable, "-m", "game.cli", "design", "info", str(path), "--json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("pitch, yaw", [(20, 30), (35, 250), (70, 120)])
def test_a_box_drag_ends_on_the_cell_under_the_cursor_from_low_and_high_angles(window, pitch, yaw):
    from pyglet.window import mouse

    window.orbit.yaw_deg, window.orbit.pitch_deg = yaw, pitch
    window.orbit.target, window.orbit.distance = (56, 56, 1), 50
    window.editor.select_tool("box")
    start = window.screen_position((50.5, 52.5, 1.0))
    end = window.screen_position((57.5, 60.5, 1.0))
    window.on_mouse_press(*start, mouse.LEFT, 0)
    window.on_mouse_drag(*end, 1, 1, mouse.LEFT, 0)
    window.on_mouse_release(*end, mouse.LEFT, 0)
    built = np.argwhere(window.editor.session.grid[:, :, 1] != window.level.city[:, :, 1])
    assert built.min(axis=0).tolist() == [50, 52] and built.max(axis=0).tolist() == [57, 60]
