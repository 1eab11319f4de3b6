"""The living scene in the real editor (headless): the sun's shade on the screen, away from the
sun, moving with the time of day and following an edit; people and cars that move, switch off,
take no click and look the same for the same seed."""

import numpy as np

from game.core.ops import Box


def _frame(window):
    from game.app.script import ScriptRunner

    return ScriptRunner(window).frame()


def _look_at_the_car_park(window):
    """Steeply down on the demo's car park (flat parking, nothing above it), no HUD, no markers."""
    window.hud.draw = lambda: None
    window.editor.markers_shown = False
    window.orbit.yaw_deg, window.orbit.pitch_deg = 0, 80
    window.orbit.target, window.orbit.distance = (58, 56, 1), 45


def _brightness(window, image, x, y):
    sx, sy = window.screen_position((x, y, 1.0))
    row, col = window.height - 1 - int(sy), int(sx)
    return int(image[row - 2 : row + 3, col - 2 : col + 3].astype(int).sum())


def test_the_shade_falls_away_from_the_sun_follows_edits_and_the_time_of_day(window):
    _look_at_the_car_park(window)
    window.people = False
    north, south, west, east = (58.5, 60.5), (58.5, 51.5), (54.5, 57.5), (64.5, 57.5)
    before = _frame(window)
    spots = [_brightness(window, before, *p) for p in (north, south, west, east)]
    assert max(spots) < 1.1 * min(spots)  # the empty car park: the same everywhere

    window.editor.apply(Box(from_=(57, 54, 1), to=(60, 57, 6), block="housing"))
    noon = _frame(window)  # the shade follows the edit at once
    assert window.time_of_day == "noon"
    assert _brightness(window, noon, *north) < 0.8 * _brightness(window, noon, *south)

    window.time_of_day = "morning"  # the sun in the east: the shade to the west
    morning = _frame(window)
    assert _brightness(window, morning, *west) < 0.8 * _brightness(window, morning, *east)
    assert _brightness(window, morning, *north) > 0.9 * _brightness(window, morning, *east)

    window.time_of_day = "evening"  # in the west: to the east
    evening = _frame(window)
    assert _brightness(window, evening, *east) < 0.8 * _brightness(window, evening, *west)

    window.editor.undo()  # the tower gone, its shade too
    window.time_of_day = "noon"
    after = _frame(window)
    assert abs(_brightness(window, after, *north) - spots[0]) < 0.05 * spots[0]


def test_t_cycles_the_time_of_day_and_a_script_sets_it(window):
    from game.app.actions import BY_KEY
    from game.app.script import ScriptRunner, parse_ui_script

    seen = []
    for _ in range(3):
        BY_KEY["T"].run(window)
        seen.append(window.time_of_day)
        assert window.editor.current_toast()
    assert seen == ["evening", "morning", "noon"]
    assert "Evening" in window.editor.t("editor.time.evening")
    runner = ScriptRunner(window)
    sky = runner.frame()[60, 10]
    (step,) = parse_ui_script('[{"do": "time", "time": "evening"}]')
    runner.step(step)
    assert window.time_of_day == "evening"
    assert not np.array_equal(runner.frame()[60, 10], sky)  # the sky follows the sun


def _person_on_screen(window, on, off):
    """Where a person's shirt is seen (the pixel differs with people on and off)."""
    traffic = window.scene.traffic
    pos = traffic.positions()
    for i in np.flatnonzero(~traffic.car):
        at = window.screen_position((*pos[i], 1.0 + 1.2 / window.level.doc.voxel_size_m))
        if at and 10 < at[0] < window.width - 10 and 10 < at[1] < window.height - 10:
            row, col = window.height - 1 - int(at[1]), int(at[0])
            if np.abs(on[row, col].astype(int) - off[row, col]).sum() > 60:
                return at
    raise AssertionError("no person in view")


def _click(window, x, y):
    """A left click with the place tool; what it changed (undone again)."""
    grid = window.editor.session.grid
    before = grid.copy()
    window.editor.select_tool("place")
    window.on_mouse_motion(x, y, 0, 0)
    window.on_mouse_press(x, y, 1, 0)
    window.on_mouse_release(x, y, 1, 0)
    changed = [tuple(c) for c in np.argwhere(grid != before).tolist()]
    if changed:
        window.editor.undo()
    return changed


def test_people_and_cars_move_switch_off_and_take_no_click(window):
    from game.app.actions import BY_KEY

    window.hud.draw = lambda: None
    window.editor.markers_shown = False
    window.orbit.target, window.orbit.distance = (64, 64, 1), 70
    assert window.people and len(window.scene.traffic) > 10
    assert window.scene.traffic.car.any()  # the demo has roads
    first = _frame(window)
    window.update(0.5)
    moved = _frame(window)
    assert (np.abs(moved.astype(int) - first).sum(axis=2) > 40).sum() > 20

    BY_KEY["P"].run(window)
    assert not window.people
    off = _frame(window)
    window.update(0.5)  # switched off, they wait where they are, unseen
    assert np.array_equal(_frame(window), off)
    BY_KEY["P"].run(window)
    assert np.array_equal(_frame(window), moved)

    # A click on a person does what the same click does without people: the pointer sees
    # only the grid, so the tool acts on the ground (or whatever is) behind the person.
    x, y = _person_on_screen(window, moved, off)
    assert window.pointer_at(x, y).hit is not None
    with_people = _click(window, x, y)
    window.people = False
    assert _click(window, x, y) == with_people


def test_the_same_seed_gives_the_same_picture(window):
    from game.render.traffic import Traffic

    window.hud.draw = lambda: None
    window.orbit.target, window.orbit.distance = (64, 64, 1), 70
    for _ in range(5):
        window.update(0.2)
    first = _frame(window)
    level = window.level  # the same street again, from its seed
    window.scene.traffic = Traffic(
        window.editor.session.grid, level.catalogue, level.doc.voxel_size_m, level.zone_columns
    )
    for _ in range(5):
        window.update(0.2)
    assert np.array_equal(_frame(window), first)


def test_a_restored_design_keeps_the_time_of_day_and_the_people_switch(window):
    from game.app.launch import PlayOptions, create_editor

    window.time_of_day, window.people = "evening", False
    window.replace_editor(create_editor(PlayOptions(level="demo")))
    assert window.time_of_day == "evening" and not window.people
    assert np.allclose(window.scene.sun, window.scene.shadow.sun)


def test_play_people_off_reaches_the_window(monkeypatch):
    """`quartier play --people off` (and the default, on) as the window gets it."""
    import game.app.launch as launch
    from game.cli import main

    seen = []
    monkeypatch.setattr(launch, "play", lambda options: seen.append(options.people) or 0)
    assert main(["play", "--headless", "--level", "demo", "--people", "off"]) == 0
    assert main(["play", "--headless", "--level", "demo"]) == 0
    assert seen == [False, True]


def test_the_figures_the_shader_moves_stand_where_the_traffic_mesh_has_them(window):
    """The editor uploads the figures' shapes once and moves them in the vertex shader: the
    picture is the one of the mesh `Traffic` builds where they stand, facing their ways."""
    from game.app.gpu import GpuMesh

    window.hud.draw = lambda: None
    window.editor.markers_shown = False
    window.orbit.target, window.orbit.distance = (64, 64, 1), 50
    for _ in range(12):
        window.update(0.3)
    traffic, scene = window.scene.traffic, window.scene
    assert set((traffic.heading % 2).tolist()) == {0, 1}  # along x and along y
    moved = _frame(window)
    reference = GpuMesh()
    reference.upload(traffic.mesh())
    scene.figures, scene.figure_program, scene._placed = reference, scene.voxel_program, -1
    assert np.array_equal(_frame(window), moved)
    scene.people = False
    assert not np.array_equal(_frame(window), moved)  # the figures are in the picture
