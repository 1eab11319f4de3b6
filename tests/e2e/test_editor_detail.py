"""Generated detail in the real editor (headless): the same pixels for the same grid, a switch
that gives the plain picture back, and props that never take a click meant for a voxel."""

import os

import numpy as np
from PIL import Image

from game.core.ops import Box


def _frame(window):
    from game.app.script import ScriptRunner

    return ScriptRunner(window).frame()


def _close_to_a_house(window):
    window.editor.apply(Box(from_=(60, 60, 1), to=(63, 62, 4), block="housing"))
    window.editor.apply(Box(from_=(60, 65, 1), to=(60, 65, 1), block="tree"))
    window.orbit.yaw_deg, window.orbit.pitch_deg = 200, 25
    window.orbit.target, window.orbit.distance = (61, 63, 2), 22
    window.hud.draw = lambda: None  # the 3D view alone


def test_detail_is_deterministic_and_the_switch_gives_the_plain_picture_back(window):
    assert window.detail  # the editor starts with detail
    _close_to_a_house(window)
    detailed = _frame(window)
    assert np.array_equal(_frame(window), detailed)
    window.detail = False
    plain = _frame(window)
    # Windows, doors and the tree change many pixels of the house's screen rectangle.
    assert (np.abs(plain.astype(int) - detailed.astype(int)).sum(axis=2) > 30).sum() > 2000
    window.detail = True
    assert np.array_equal(_frame(window), detailed)  # same grid, same pixels


def test_f7_switches_detail(window):
    from game.app.actions import BY_KEY

    BY_KEY["F7"].run(window)
    assert not window.detail and not window.scene.detail
    BY_KEY["F7"].run(window)
    assert window.detail


def test_a_crown_above_its_voxel_takes_no_click(window):
    """A tree's crown rises above its voxel; a click there is aimed past the tree (the pointer
    picks voxels of the grid), so it goes to what lies behind, never to the tree."""
    _close_to_a_house(window)
    window.orbit.pitch_deg = 12
    forward = window.orbit.forward()[:2]
    # In every variant's crown, above the voxel, a little beyond its middle: the ray on leaves
    # the tree's column before it comes down to the voxel's top.
    x0, y0 = np.array([60.5, 65.5]) + 0.15 * forward / np.linalg.norm(forward)
    x, y = window.screen_position((x0, y0, 2.2))
    detailed = _frame(window)
    window.detail = False
    plain = _frame(window)
    window.detail = True
    row, col = window.height - 1 - int(y), int(x)
    assert np.abs(detailed[row, col].astype(int) - plain[row, col]).sum() > 60  # the crown
    hit = window.pointer_at(x, y).hit
    assert hit is None or hit.voxel != (60, 65, 1)
    # The tree's own voxel is still picked where its box would be.
    hit = window.pointer_at(*window.screen_position((60.5, 65.5, 1.5))).hit
    assert hit is not None and hit.voxel == (60, 65, 1)


def test_the_help_lists_the_detail_key_and_every_row_stays_in_its_panel(window):
    """F7 is one more action: the help's two columns grow instead of a third falling outside."""
    import pyglet

    window.toggle_help()
    panel = next(
        i for i in window.help_canvas.items if isinstance(i, pyglet.shapes.BorderedRectangle)
    )
    labels = [i for i in window.help_canvas.items if isinstance(i, pyglet.text.Label)]
    assert any(label.text == "F7" for label in labels)
    for label in labels:
        assert panel.x <= label.x and label.x + (label.width or 0) <= panel.x + panel.width
        # Anchored at the first line's baseline: wrapped lines run down from there.
        assert panel.y <= label.y + label.font_size - label.content_height
        assert label.y <= panel.y + panel.height


def test_roofs_streets_and_the_lawn_look_the_same_without_the_walls_part_of_the_shader(window):
    """Faces looking up or down (but water) are drawn with a shader that leaves out windows,
    doors, roof edges and ripples, walls with one without the variation of top faces: the
    picture is the one of the full detail shader on every face, pixel for pixel, with water, a street, a roof and the lawn in view; and the walls and
    water still get their windows and ripples."""
    _close_to_a_house(window)
    window.editor.apply(Box(from_=(58, 66, 0), to=(63, 68, 0), block="water"))
    window.editor.apply(Box(from_=(64, 58, 0), to=(66, 66, 0), block="road"))
    window.orbit.distance = 40
    scene = window.scene
    assert any(0 < a < b < scene.gpu.index_count(key) for key, (a, b) in scene.group_ends.items())
    split = _frame(window)
    if os.environ.get("QUARTIER_SAVE_FRAME"):
        Image.fromarray(split).save(os.environ["QUARTIER_SAVE_FRAME"])
    programs = scene.level_program, scene.wall_program
    scene.level_program = scene.wall_program = scene.detail_program
    try:
        assert np.array_equal(split, _frame(window))
    finally:
        scene.level_program, scene.wall_program = programs
    # The wall's and the water's own part still shows: without detail the same view differs
    # there (windows in the house's screen rectangle, ripples on the water).
    window.detail = False
    plain = _frame(window)
    window.detail = True
    assert (np.abs(plain.astype(int) - split.astype(int)).sum(axis=2) > 30).sum() > 2000


def test_the_shaders_windows_are_the_pictures_windows(window):
    """One table for every medium: the detail programs read each surface kind's window and
    glass from `FACADES`, as the server's pictures and the glTF export draw them."""
    import ctypes

    from pyglet import gl

    from game.core.facades import FACADES, KIND_COUNT

    scene = window.scene
    for shader in (scene.detail_program, scene.wall_program):
        for name, size, column in (("WINDOW", 4, 0), ("GLASS", 3, 1)):
            for kind in range(KIND_COUNT):
                values = (gl.GLfloat * 4)()
                where = gl.glGetUniformLocation(shader.id, f"{name}[{kind}]".encode())
                gl.glGetUniformfv(shader.id, where, ctypes.cast(values, ctypes.POINTER(gl.GLfloat)))
                none = (0.0,) * 4 if name == "WINDOW" else (1.0,) * 3
                expected = FACADES[kind][column] if kind in FACADES else none
                assert np.allclose(values[:size], expected), (name, kind)
