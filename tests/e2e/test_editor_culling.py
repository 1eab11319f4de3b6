"""The editor draws only the chunks that can show, all chunks from one buffer: the same picture
as drawing every chunk, from every camera, after edits that move a chunk in the buffer."""

import numpy as np
import pytest

from game.core.ops import Box


def _frame(window):
    from game.app.script import ScriptRunner

    return ScriptRunner(window).frame()


def _shown(window) -> int:
    return len(window.scene._front_to_back(window.view_proj(), window.camera.eye()))


@pytest.mark.parametrize("view", ["street", "bird", "top", "walk", "close", "behind the level"])
def test_culling_never_drops_a_chunk_that_shows(window, view):
    """The picture with chunks outside the view left out is the one with every chunk drawn,
    pixel for pixel, from the street, above, straight down, at eye height, close to a house and
    from outside the level looking away from most of it; some views leave chunks out."""
    window.hud.draw = lambda: None  # the 3D view alone
    window.scene.people = False  # they move with every frame
    if view in ("close", "behind the level"):
        window.orbit.yaw_deg, window.orbit.pitch_deg = (200, 25) if view == "close" else (0, 10)
        window.orbit.target = (61, 63, 2) if view == "close" else (-20, -20, 2)
        window.orbit.distance = 22 if view == "close" else 30
    else:
        window.view_preset("bird" if view == "walk" else view)
    if view == "walk":
        window.toggle_walk()
    culled = _frame(window)
    shown = _shown(window)
    window.scene.culling = False
    assert np.array_equal(culled, _frame(window))
    every = _shown(window)
    assert shown <= every == len(window.scene.boxes)
    if view in ("street", "walk", "close", "behind the level"):
        assert shown < every, "this view leaves chunks out"


def test_a_chunk_that_grows_out_of_its_place_in_the_buffer_is_drawn_as_a_new_scene_draws_it(
    window,
):
    """Chunks share one vertex buffer: an edit that adds faces moves a chunk behind the others
    (or makes the buffer again), one that removes them keeps its place; either way the frame
    is the one a scene made from the edited grid draws."""
    from game.app.scene import Scene

    window.hud.draw = lambda: None
    window.view_preset("bird")
    window.scene.people = False
    editor = window.editor
    # Many small towers: many new faces in a few chunks, then some taken away again.
    buffer = window.scene.gpu
    ends = [buffer._end]
    for x in range(40, 90, 3):
        editor.apply(Box(from_=(x, 50, 1), to=(x, 50 + x % 7, 3 + x % 5), block="housing"))
        _frame(window)
        ends.append(buffer._end)
    assert ends[-1] > ends[0], "chunks moved behind the others"
    buffer._capacity = buffer._end  # no room left behind them: the next move makes it again
    editor.apply(Box(from_=(40, 50, 1), to=(60, 56, 8), block="air"))
    for x in range(64, 96, 2):  # more new faces in one chunk than its slot has room for
        for y in (66, 70):
            editor.apply(Box(from_=(x, y, 1), to=(x, y, 2 + x % 5), block="housing"))
    edited = _frame(window)
    assert buffer._capacity > ends[-1] > buffer._end, "the buffer was made again"
    fresh = Scene(window.level, editor.session.grid)
    fresh.people = False
    window.scene = fresh
    assert np.array_equal(edited, _frame(window))
