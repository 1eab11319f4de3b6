"""The game in the editor: live numbers, goals and stars, the budget, achievements."""

import json
import threading

import numpy as np

from game.core.indicators import compute_all
from game.core.ops import Box, Building


def test_an_edit_the_budget_cannot_pay_is_refused_and_changes_nothing(window):
    editor = window.editor
    too_big = Building(from_=(48, 48), to=(79, 79), floors=6, block="office")
    before = editor.session.grid.copy()
    assert editor.apply(too_big) is None
    assert np.array_equal(editor.session.grid, before)
    assert "Too expensive" in editor.current_toast() and "budget is left" in editor.current_toast()
    assert editor.apply(Box(from_=(50, 52, 1), to=(51, 53, 1), block="housing")) is not None


def test_cheap_numbers_are_current_in_the_next_frame(window):
    from game.app.script import ScriptRunner

    runner = ScriptRunner(window)
    runner.frame()
    window.editor.apply(Building(from_=(50, 52), to=(60, 58), floors=4, block="housing"))
    runner.frame()
    dwellings = window.editor.metrics.values["dwellings"]
    assert dwellings > 0
    shown = [item.text for item in window.hud.canvas.items if hasattr(item, "text")]
    assert f"{dwellings:.0f}" in shown


def test_expensive_numbers_never_block_the_student(window):
    editor = window.editor
    editor.background.wait()
    release = threading.Event()
    compute = editor.metrics.compute_expensive
    editor.metrics.compute_expensive = lambda snapshot=None: (release.wait(10), compute(snapshot))[
        1
    ]
    editor.apply(
        Box(from_=(50, 52, 0), to=(60, 60, 0), block="grass")
    )  # returns while the worker waits
    assert "walk_park" in editor.metrics.stale
    release.set()
    assert editor.background.wait()
    assert not editor.metrics.stale
    full = compute_all(editor.session.grid, editor.level)
    for key, value in editor.metrics.values.items():
        assert value == full[key].value, key


def test_first_building_and_first_green_are_achievements_stored_with_the_design(play, tmp_path):
    script = [
        {"do": "camera", "preset": "top"},
        {"do": "tool", "tool": "building"},
        {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [54, 55, 0]}},
        {"do": "tool", "tool": "place"},
        {"do": "block", "block": "tree"},
        {"do": "click", "voxel": [60, 62, 0]},
    ]
    result = play(script, "--save", "d.design.json")
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "d.design.json").read_text())
    assert {"first_building", "first_park"} <= set(doc["achievements"])


def test_walking_over_what_you_built_is_an_achievement(window):
    editor = window.editor
    editor.apply(Box(from_=(56, 56, 0), to=(62, 62, 0), block="plaza"))
    window.orbit.target, window.orbit.yaw_deg = (59.5, 59.5, 1), 0
    window.toggle_walk()
    editor.walked_on(*window.feet())
    assert "walked_street" in editor.doc.achievements


def test_all_goals_met_gives_three_stars_and_an_achievement(window):
    editor = window.editor
    level = editor.level
    # What the demo level asks for: green, a playground, a bench by the bus stop, homes, low buildings.
    editor.session.history.max_bytes = 2**30
    for op in (
        Box(from_=(48, 50, 0), to=(79, 79, 0), block="grass"),
        Box(from_=(60, 66, 0), to=(64, 70, 0), block="playground"),
        Building(from_=(48, 52), to=(79, 57), floors=6, block="housing"),
    ):
        assert editor.apply(op) is not None, editor.current_toast()
    bus = np.argwhere(level.city == level.catalogue.id("bus_stop"))[0]
    editor.apply(Box(from_=(79, int(bus[1]), 1), to=(79, int(bus[1]), 1), block="bench"))
    editor.background.wait()
    editor.check_goals()
    missing = [g.id for g in editor.metrics.goals() if not g.met]
    assert not missing, missing
    assert editor.metrics.stars() == 3 and "all_goals" in editor.doc.achievements


def test_clicking_a_number_explains_it(window):
    from pyglet.window import mouse

    from game.app.script import ScriptRunner

    ScriptRunner(window).frame()
    row = next(b for b in window.hud.canvas.buttons if b.w == 300)
    window.on_mouse_press(row.x + 20, row.y + 8, mouse.LEFT, 0)
    window.on_mouse_release(row.x + 20, row.y + 8, mouse.LEFT, 0)
    explanation = window.hud.marker_text.en
    assert explanation.startswith("Ground built on") and "(GRZ" in explanation
    ScriptRunner(window).frame()
