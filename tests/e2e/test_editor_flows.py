"""Saving, submitting, recovering unsaved work, info markers and the start screen, as students use them."""

import json

import numpy as np
import pytest

from game.core.ops import Box


def test_student_submits_through_the_dialog_and_the_design_waits_in_the_outbox(play, quartier_home):
    script = [
        {"do": "tool", "tool": "box"},
        {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [52, 53, 0]}},
        {"do": "key", "key": "E", "mods": ["ctrl"]},
        {"do": "text", "text": "Green Yard"},
        {"do": "key", "key": "TAB"},
        {"do": "text", "text": "Trees & a <b>playground</b>"},
        {"do": "key", "key": "TAB"},
        {"do": "text", "text": "Fox"},
        {"do": "key", "key": "ENTER"},
    ]
    result = play(script)
    assert result.returncode == 0, result.stderr
    [queued] = list((quartier_home / "outbox").glob("*.design.json"))
    doc = json.loads(queued.read_text())
    assert doc["title"] == "Green Yard" and doc["pseudonyms"] == ["Fox"]
    assert doc["description"] == "Trees & a <b>playground</b>" and doc["changes"]["count"] == 6
    saved = list((quartier_home / "designs").glob("green-yard-*.design.json"))
    assert len(saved) == 1


def test_save_as_asks_for_a_title_and_names_the_file_after_it(play, quartier_home):
    result = play(
        [
            {"do": "key", "key": "S", "mods": ["ctrl", "shift"]},
            {"do": "text", "text": "Mein Platz"},
            {"do": "key", "key": "ENTER"},
        ]
    )
    assert result.returncode == 0, result.stderr
    [saved] = list((quartier_home / "designs").glob("mein-platz-*.design.json"))
    assert json.loads(saved.read_text())["title"] == "Mein Platz"


def test_unsaved_work_is_autosaved_on_exit_and_offered_back_next_time(window):
    from game.app.launch import offer_recovery, unsaved_work

    window.editor.apply(Box(from_=(50, 52, 1), to=(53, 55, 2), block="housing"))
    window.editor.close()
    [(_path, doc)] = unsaved_work("demo")
    assert doc.changes.count == 32
    fresh_grid = window.editor.session.grid.copy()
    window.editor.undo()
    offer_recovery(window)
    assert window.dialog is not None
    window.dialog.confirm()
    assert np.array_equal(window.editor.session.grid, fresh_grid)


def test_saving_removes_the_autosave(window):
    from game.app.launch import unsaved_work

    window.editor.apply(Box(from_=(50, 52, 1), to=(50, 52, 1), block="tree"))
    window.editor.close()
    assert unsaved_work("demo")
    window.editor.save(title="Done")
    assert not unsaved_work("demo")


def test_autosave_runs_every_30_seconds_while_building(window):
    clock = [0.0]
    window.editor.autosaver.clock = lambda: clock[0]
    window.editor.autosaver._last_save = 0.0
    window.editor.apply(Box(from_=(50, 52, 1), to=(50, 52, 1), block="tree"))
    clock[0] = 29.0
    window.editor.tick()
    assert not window.editor.autosaver.path.exists()
    clock[0] = 30.5
    window.editor.tick()
    assert window.editor.autosaver.path.exists()


def test_clicking_an_info_marker_shows_its_text(window):
    from pyglet.window import mouse

    from game.app.script import ScriptRunner

    runner = ScriptRunner(window)
    runner.frame()
    marker = window.level.doc.markers[0]
    x, y = window.screen_position(np.asarray(marker.position) + 0.5)
    before = window.editor.session.grid.copy()
    window.on_mouse_press(x, y, mouse.LEFT, 0)
    window.on_mouse_release(x, y, mouse.LEFT, 0)
    assert window.hud.marker_text == marker.text
    assert np.array_equal(
        window.editor.session.grid, before
    )  # the click was for the marker, not the tool
    runner.frame()


def _click(window, x, y):
    from pyglet.window import mouse

    window.on_mouse_press(x, y, mouse.LEFT, 0)
    window.on_mouse_release(x, y, mouse.LEFT, 0)


def test_a_click_beside_an_info_marker_goes_to_the_tool(window):
    """Inside the marker's square but outside its circle: the pupil aimed at the voxel there."""
    from game.app.script import ScriptRunner

    runner = ScriptRunner(window)
    runner.frame()
    marker = window.level.doc.markers[0]
    x, y = window.screen_position(np.asarray(marker.position) + 0.5)
    before = window.editor.session.grid.copy()
    _click(window, x + 11, y - 11)
    assert window.hud.marker_text is None
    assert not np.array_equal(window.editor.session.grid, before)  # the tool built there
    runner.frame()


def test_a_marker_behind_a_building_is_hidden_and_takes_no_click(window):
    from game.app.script import ScriptRunner
    from game.core.ops import Box

    runner = ScriptRunner(window)
    marker = window.level.doc.markers[0]
    mx, my, _ = marker.position
    window.editor.apply(Box(from_=(mx - 3, my - 3, 1), to=(mx + 3, my + 3, 6), block="housing"))
    runner.frame()
    assert window._marker_parts and len(window._marker_parts) == len(window.level.doc.markers) - 1
    x, y = window.screen_position(np.asarray(marker.position) + 0.5)
    _click(window, x, y)
    assert window.hud.marker_text is None


def test_the_info_markers_can_be_hidden_with_a_key_and_come_back(window):
    from pyglet.window import key

    from game.app.script import ScriptRunner

    runner = ScriptRunner(window)
    runner.frame()
    shown = len(window._marker_parts)
    assert shown
    window.on_key_press(key.I, 0)
    runner.frame()
    assert window._marker_parts == [] and not window.editor.markers_shown
    assert "Press I" in window.editor.current_toast()
    marker = window.level.doc.markers[0]
    x, y = window.screen_position(np.asarray(marker.position) + 0.5)
    _click(window, x, y)
    assert window.hud.marker_text is None
    window.on_key_press(key.I, 0)
    runner.frame()
    assert len(window._marker_parts) == shown


def test_info_markers_follow_the_camera_without_being_made_again(window):
    """Markers move with the view (their labels are kept, only moved) and still answer clicks."""
    from pyglet.window import mouse

    from game.app.script import ScriptRunner

    runner = ScriptRunner(window)
    runner.frame()
    parts = list(window._marker_parts)
    marker = window.level.doc.markers[0]
    window.orbit.orbit(4.0, 0)
    runner.frame()
    x, y = window.screen_position(np.asarray(marker.position) + 0.5)
    assert window._marker_parts == parts  # the same circles and labels, moved
    circle, label, _ = parts[0]
    assert (circle.x, circle.y) == pytest.approx((x, y))
    assert (label.x, label.y) == pytest.approx((x, y))
    window.on_mouse_press(x, y, mouse.LEFT, 0)
    window.on_mouse_release(x, y, mouse.LEFT, 0)
    assert window.hud.marker_text == marker.text


def test_help_lists_every_action(window):
    from game.app.actions import ACTIONS
    from game.app.script import ScriptRunner

    window.toggle_help()
    texts = [item.text for item in window.help_canvas.items if hasattr(item, "text")]
    for action in ACTIONS:
        assert window.editor.t(f"action.{action.id}") in texts
    ScriptRunner(window).frame()


def test_a_clipped_edit_says_so_on_screen(window):
    window.editor.apply(Box(from_=(40, 52, 1), to=(52, 52, 1), block="housing"))
    assert "outside the building zone" in window.editor.current_toast()


def test_start_screen_lists_levels_and_own_designs_and_starts_the_chosen_level(
    headless_gl, quartier_home
):
    import pyglet

    pyglet.options["headless"] = True
    from game.app.start import StartWindow

    (quartier_home / "designs").mkdir(parents=True)
    window = StartWindow("en", 1280, 720, visible=False)
    try:
        assert {e.doc.id for e in window.start.levels} >= {"demo", "tutorial"}
        window.on_draw()
        play_first = next(b for b in window.start.buttons() if b.label == "Build here")
        window.on_mouse_press(play_first.x + 5, play_first.y + 5, 1, 0)
        assert window.choice.level == window.start.levels[0].doc.id
    finally:
        window.close()


def test_selecting_with_the_stamp_outlines_what_will_be_copied(window):
    from pyglet.window import mouse

    from game.app.script import ScriptRunner

    runner = ScriptRunner(window)
    runner.frame()
    window.editor.select_tool("stamp")
    start, end = (
        window.screen_position((50.5, 52.5, 1.0)),
        window.screen_position((54.5, 55.5, 1.0)),
    )
    window.on_mouse_motion(*start, 0, 0)
    window.on_mouse_press(*start, mouse.LEFT, 0)
    window.on_mouse_drag(*end, 1, 1, mouse.LEFT, 0)
    runner.frame()
    assert window.editor.tool.frame() == ((50, 52, 0), (54, 55, 0))
    assert window.scene.ghost_lines.count == 24  # the twelve edges of the selection


def test_a_wall_between_the_eye_and_a_marker_hides_it_and_its_own_block_does_not(window):
    from game.app.hud import marker_in_sight

    grid = np.zeros((10, 3, 4), np.uint8)
    eye, marker = (0.5, 1.5, 1.5), (8, 1, 1)
    assert marker_in_sight(grid, eye, marker)
    grid[8, 1, 1] = 1  # the marker stands on (in) a block of its own: still seen
    assert marker_in_sight(grid, eye, marker)
    grid[4, :, :] = 1  # a wall in between, as in walk mode
    assert not marker_in_sight(grid, eye, marker)


def test_in_walk_mode_only_the_markers_no_wall_hides_are_shown(window):
    from game.app.hud import marker_in_sight
    from game.app.script import ScriptRunner

    runner = ScriptRunner(window)
    window.toggle_walk()
    runner.frame()
    grid, eye = window.editor.session.grid, window.camera.eye()
    seen = [marker_in_sight(grid, eye, m.position) for m in window.level.doc.markers]
    assert not all(seen)  # the demo's walker starts with a building before a marker
    assert len(window._marker_parts) <= sum(seen)
