"""Chunked meshing matches meshing the whole level, and an edit re-meshes every chunk it touches."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from mesh_faces import unit_faces

from game.core.mesh import Mesh, greedy_mesh, naive_mesh, padded_block
from game.render.chunks import ChunkGrid

COLORS = np.zeros((256, 3), np.uint8)
COLORS[1] = (200, 60, 40)
COLORS[2] = (40, 160, 220)

levels = st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 4)).flatmap(
    lambda shape: arrays(np.uint8, shape, elements=st.sampled_from([0, 0, 1, 2]))
)


def faces_inside(faces: Counter, lo: tuple[int, ...], hi: tuple[int, ...]) -> Counter:
    """The unit faces whose owning voxel lies in the box lo..hi (hi exclusive)."""
    return Counter(
        {f: n for f, n in faces.items() if all(a <= v < b for a, v, b in zip(lo, f[0], hi))}
    )


def test_chunks_cover_the_level_with_smaller_chunks_at_the_far_edges() -> None:
    chunks = ChunkGrid(np.zeros((70, 40, 8), np.uint8), COLORS, size=32)
    assert list(chunks.keys()) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert chunks.bounds((2, 1)) == ((64, 32, 0), (70, 40, 8))


@settings(max_examples=100, deadline=None)
@given(levels, st.integers(1, 4))
def test_meshing_as_chunks_gives_the_same_faces_and_ao_as_meshing_whole(
    level: np.ndarray, size: int
) -> None:
    chunks = ChunkGrid(level, COLORS, size=size)
    chunks.mesh_all()
    assert unit_faces(Mesh.concatenate(chunks.meshes.values())) == unit_faces(
        naive_mesh(level, COLORS)
    )


def test_mark_dirty_on_a_border_voxel_marks_both_chunks() -> None:
    chunks = ChunkGrid(np.zeros((64, 64, 4), np.uint8), COLORS, size=32)
    chunks.mesh_all()
    assert chunks.mark_dirty((31, 10, 1), (31, 10, 1)) == {(0, 0), (1, 0)}
    assert chunks.mark_dirty((32, 10, 1), (32, 10, 1)) == {(0, 0), (1, 0)}
    assert chunks.dirty == {(0, 0), (1, 0)}


def test_mark_dirty_marks_one_chunk_inside_four_at_a_corner_and_none_outside_the_level() -> None:
    chunks = ChunkGrid(np.zeros((64, 64, 4), np.uint8), COLORS, size=32)
    assert chunks.mark_dirty((10, 10, 0), (20, 20, 3)) == {(0, 0)}
    assert chunks.mark_dirty((31, 32, 0), (31, 32, 0)) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert chunks.mark_dirty((0, 0, 0), (63, 63, 3)) == set(chunks.keys())
    assert chunks.mark_dirty((65, 0, 0), (70, 5, 0)) == set()


def test_a_new_chunk_grid_is_all_dirty_and_remesh_dirty_clears_it() -> None:
    chunks = ChunkGrid(np.ones((8, 8, 2), np.uint8), COLORS, size=4)
    assert chunks.remesh_dirty() == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert chunks.dirty == set()
    assert chunks.remesh_dirty() == []


def test_a_chunk_is_meshed_with_its_neighbours_as_border() -> None:
    level = np.ones((12, 12, 2), np.uint8)
    chunks = ChunkGrid(level, COLORS, size=4)
    lo, hi = chunks.bounds((1, 1))
    expected = greedy_mesh(level[4:8, 4:8], COLORS, lo, neighbours=padded_block(level, lo, hi))
    mesh = chunks.mesh_chunk((1, 1))
    assert np.array_equal(mesh.positions, expected.positions)
    assert np.array_equal(mesh.colors, expected.colors)
    assert mesh.triangle_count == 2 * 2  # top and bottom only: every side faces a solid neighbour


def test_the_level_edge_counts_as_air() -> None:
    chunks = ChunkGrid(np.ones((8, 8, 2), np.uint8), COLORS, size=4)
    assert chunks.mesh_chunk((1, 0)).triangle_count == 2 * 4  # top, bottom, and the +x and -y edges


@settings(max_examples=100, deadline=None)
@given(levels, st.integers(1, 4), st.data())
def test_after_an_edit_and_remesh_dirty_each_chunk_equals_a_fresh_mesh_of_the_whole_level(
    level: np.ndarray, size: int, data: st.DataObject
) -> None:
    chunks = ChunkGrid(level, COLORS, size=size)
    chunks.mesh_all()
    x, y, z = (data.draw(st.integers(0, n - 1)) for n in level.shape)
    lo = (x, y, z)
    x, y, z = (data.draw(st.integers(a, min(a + 2, n - 1))) for a, n in zip(lo, level.shape))
    hi = (x, y, z)
    level[tuple(slice(a, b + 1) for a, b in zip(lo, hi))] = data.draw(st.sampled_from([0, 1, 2]))
    chunks.mark_dirty(lo, hi)
    assert chunks.remesh_dirty()
    fresh = unit_faces(naive_mesh(level, COLORS))
    for key in chunks.keys():  # noqa: SIM118 (ChunkGrid is not a dict)
        assert unit_faces(chunks.meshes[key]) == faces_inside(fresh, *chunks.bounds(key)), key


@settings(max_examples=100, deadline=None)
@given(levels, st.integers(1, 4), st.data())
def test_chunks_with_a_zone_give_the_same_faces_with_the_zone_in_alpha(
    level: np.ndarray, size: int, data: st.DataObject
) -> None:
    """The editor pales the city outside the zone by alpha: each face carries its own voxel's
    zone, so no merged rectangle may reach across the zone's border."""
    zone = data.draw(arrays(bool, level.shape))
    chunks = ChunkGrid(level, COLORS, size=size, zone=zone)
    chunks.mesh_all()
    expected = Counter(
        {
            (voxel, normal, tuple((*c[:3], 255 if zone[voxel] else 0) for c in corners)): n
            for (voxel, normal, corners), n in unit_faces(naive_mesh(level, COLORS)).items()
        }
    )
    assert unit_faces(Mesh.concatenate(chunks.meshes.values())) == expected


def test_a_zone_needs_block_ids_below_the_zone_bit() -> None:
    chunks = ChunkGrid(np.full((2, 2, 2), 200, np.uint8), COLORS, zone=np.ones((2, 2, 2), bool))
    with pytest.raises(ValueError, match="below 128"):
        chunks.mesh_all()


def test_a_chunk_is_meshed_up_to_one_layer_above_its_highest_block_with_the_same_mesh() -> None:
    grid = np.zeros((8, 4, 20), np.uint8)
    grid[:, :, 0] = 1
    grid[1:3, 1:3, 1:4] = 2
    grid[4, 0, 6] = 2  # in the next chunk, on the border: the first chunk's box reaches it
    chunks = ChunkGrid(grid, COLORS, size=4)
    assert chunks.occupied((0, 0)) == ((0, 0, 0), (4, 4, 8))
    assert chunks.occupied((1, 0)) == ((4, 0, 0), (8, 4, 8))
    grid[:] = 0
    assert chunks.occupied((0, 0)) == ((0, 0, 0), (4, 4, 1))
    grid[0, 0, 19] = 1
    assert chunks.occupied((0, 0)) == ((0, 0, 0), (4, 4, 20))
    grid[0, 0, 19] = 0
    grid[:, :, 0] = 1
    grid[1:3, 1:3, 1:4] = 2
    for key in ((0, 0), (1, 0)):
        lo, hi = chunks.bounds(key)
        block = padded_block(grid, lo, hi)
        whole = greedy_mesh(block[1:-1, 1:-1, 1:-1], COLORS, lo, neighbours=block)
        for a, b in zip(vars(whole).values(), vars(chunks.mesh_chunk(key)).values()):
            assert np.array_equal(a, b)


def _camera(eye, target) -> np.ndarray:
    from game.app.camera import look_at, perspective

    return perspective(50.0, 16 / 9, 0.5, 500.0, np.float64) @ look_at(
        eye, target, dtype=np.float64
    )


def test_boxes_in_view_drops_boxes_behind_and_beside_the_camera_and_keeps_what_shows():
    from game.render.chunks import boxes_in_view

    view_proj = _camera((0.0, 0.0, 10.0), (100.0, 0.0, 10.0))  # looking along +x
    lows = np.array([[20, -5, 0], [-40, -5, 0], [20, 200, 0], [-1, -1, 9], [600, -5, 0]])
    highs = lows + np.array([10, 10, 10])
    # in front; behind; far to the side; around the eye (crosses the near plane); beyond far
    assert boxes_in_view(view_proj, lows, highs).tolist() == [True, False, False, True, False]


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(*[st.floats(-60, 60)] * 3),
    st.tuples(*[st.floats(-60, 60)] * 3),
    st.tuples(*[st.floats(-50, 50)] * 3),
    st.tuples(*[st.floats(0.5, 40)] * 3),
)
def test_a_box_left_out_has_no_point_in_the_view(eye, target, low, size):
    """Points all through a box it leaves out project outside the view's volume (a box it keeps
    may still be out of sight: the test is conservative, never the other way round)."""
    from game.render.chunks import boxes_in_view

    eye, target = np.array(eye), np.array(target)
    forward = target - eye
    if np.linalg.norm(forward) < 1 or np.linalg.norm(np.cross(forward, (0, 0, 1))) < 1e-3:
        return
    view_proj = _camera(eye, target)
    lo, hi = np.array(low), np.array(low) + np.array(size)
    if boxes_in_view(view_proj, lo[None], hi[None])[0]:
        return
    t = np.stack(np.meshgrid(*[np.linspace(0, 1, 7)] * 3, indexing="ij"), -1).reshape(-1, 3)
    points = lo + t * (hi - lo)
    clip = np.c_[points, np.ones(len(points))] @ view_proj.T
    w = clip[:, 3:]
    inside = (np.abs(clip[:, :3]) <= w).all(axis=1) & (w[:, 0] > 0)
    assert not inside.any()
