"""The mesher draws exactly the visible voxel faces, merged where block and AO agree, lit by AO."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from mesh_faces import unit_faces

from game.core.mesh import AO_FACTORS, Mesh, greedy_mesh, naive_mesh, padded_block

COLORS = np.zeros((256, 3), np.uint8)
COLORS[1] = (200, 60, 40)
COLORS[2] = (40, 160, 220)
COLORS[3] = (90, 200, 90)
WHITE = np.full((256, 3), 200, np.uint8)

small_grids = arrays(
    np.uint8,
    array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=5),
    elements=st.sampled_from([0, 0, 1, 2, 3]),
)


def quads(mesh: Mesh) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(positions, normal, colours) of each quad: four consecutive vertices."""
    return [
        (mesh.positions[i : i + 4].astype(int), mesh.normals[i], mesh.colors[i : i + 4])
        for i in range(0, mesh.vertex_count, 4)
    ]


def triangles(mesh: Mesh) -> np.ndarray:
    return mesh.positions[mesh.indices.reshape(-1, 3)].astype(np.float64)


def area_by_normal_and_colour(mesh: Mesh) -> Counter:
    """Triangle area summed per (normal, the quad's corner colours)."""
    tris = triangles(mesh)
    areas = np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1) / 2
    totals: Counter = Counter()
    for tri, area in zip(mesh.indices.reshape(-1, 3), areas):
        first = tri.min() // 4 * 4
        colours = tuple(sorted(map(tuple, mesh.colors[first : first + 4])))
        totals[tuple(mesh.normals[first]), colours] += area
    return totals


def faces_outward_counter_clockwise(mesh: Mesh) -> bool:
    tris = triangles(mesh)
    cross = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    normals = mesh.normals[mesh.indices[::3]]
    return bool(np.all(np.einsum("ij,ij->i", cross, normals) > 0))


def test_a_single_voxel_gives_twelve_triangles_facing_outwards_counter_clockwise() -> None:
    mesh = greedy_mesh(np.ones((1, 1, 1), np.uint8), COLORS)
    assert mesh.triangle_count == 12
    assert mesh.vertex_count == 24
    assert faces_outward_counter_clockwise(mesh)
    assert sorted(map(tuple, mesh.normals[::4])) == sorted(
        [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
    )
    centre = np.array([0.5, 0.5, 0.5])
    for pos, normal, _ in quads(mesh):
        assert np.all((pos.mean(axis=0) - centre) == normal * 0.5)


def test_mesh_arrays_have_the_documented_types_and_an_opaque_unshaded_lone_voxel() -> None:
    mesh = greedy_mesh(np.ones((1, 1, 1), np.uint8), COLORS)
    assert (mesh.positions.dtype, mesh.normals.dtype, mesh.colors.dtype, mesh.indices.dtype) == (
        np.float32,
        np.int8,
        np.uint8,
        np.uint32,
    )
    assert mesh.positions.shape == mesh.normals.shape == (24, 3)
    assert mesh.colors.shape == (24, 4)
    assert np.all(mesh.colors == (200, 60, 40, 255))


def test_a_4x4x1_slab_is_six_quads_greedy_and_48_faces_naive() -> None:
    slab = np.ones((4, 4, 1), np.uint8)
    assert greedy_mesh(slab, COLORS).triangle_count == 12
    assert naive_mesh(slab, COLORS).triangle_count == 2 * (16 * 2 + 4 * 4)


def test_two_different_blocks_side_by_side_do_not_merge_but_equal_ones_do() -> None:
    different = np.array([[[1]], [[2]]], np.uint8)
    same = np.array([[[1]], [[1]]], np.uint8)
    assert greedy_mesh(different, COLORS).triangle_count == 2 * 10
    assert greedy_mesh(same, COLORS).triangle_count == 2 * 6


def test_an_empty_grid_gives_an_empty_mesh() -> None:
    mesh = greedy_mesh(np.zeros((3, 3, 3), np.uint8), COLORS)
    assert mesh.triangle_count == mesh.vertex_count == 0
    assert mesh.indices.dtype == np.uint32


@settings(max_examples=150, deadline=None)
@given(small_grids)
def test_greedy_covers_the_same_area_per_normal_and_colour_as_naive(grid: np.ndarray) -> None:
    greedy, naive = greedy_mesh(grid, COLORS), naive_mesh(grid, COLORS)
    assert area_by_normal_and_colour(greedy) == area_by_normal_and_colour(naive)


@settings(max_examples=150, deadline=None)
@given(small_grids)
def test_greedy_cut_into_unit_faces_equals_naive_including_ao(grid: np.ndarray) -> None:
    greedy, naive = greedy_mesh(grid, COLORS), naive_mesh(grid, COLORS)
    assert unit_faces(greedy) == unit_faces(naive)
    assert sum(unit_faces(naive).values()) == naive.triangle_count // 2
    assert greedy.triangle_count <= naive.triangle_count


@settings(max_examples=100, deadline=None)
@given(small_grids)
def test_every_triangle_winds_counter_clockwise_seen_from_its_normal(grid: np.ndarray) -> None:
    assert faces_outward_counter_clockwise(greedy_mesh(grid, COLORS))
    assert faces_outward_counter_clockwise(naive_mesh(grid, COLORS))


def floor_with_voxel_next_to_wall() -> np.ndarray:
    """A 5x5 floor, a tall wall along x = 3, and one voxel at (2, 2) in front of it."""
    grid = np.zeros((5, 5, 4), np.uint8)
    grid[:, :, 0] = 1
    grid[3, :, 1:4] = 1
    grid[2, 2, 1] = 1
    return grid


def corner_reds(
    mesh: Mesh, voxel: tuple[int, int, int], normal: tuple[int, int, int]
) -> tuple[int, ...]:
    """Red channel at the four corners, in (u, w) order, of one voxel's unit face."""
    [(reds, count)] = [
        (tuple(int(c[0]) for c in colours), count)
        for (owner, n, colours), count in unit_faces(mesh).items()
        if owner == voxel and n == normal
    ]
    assert count == 1
    return reds


def shade(level: int) -> int:
    return round(200 * float(AO_FACTORS[level]))


def test_a_voxel_on_a_floor_next_to_a_wall_is_darker_on_the_wall_side() -> None:
    mesh = greedy_mesh(floor_with_voxel_next_to_wall(), WHITE)
    # Top face corners (x, y): (2, 2), (3, 2), (3, 3), (2, 3); the wall stands at x = 3.
    assert corner_reds(mesh, (2, 2, 1), (0, 0, 1)) == (200, shade(1), shade(1), 200)


def test_the_floor_is_darkest_in_the_inside_corner_and_unshaded_in_the_open() -> None:
    mesh = greedy_mesh(floor_with_voxel_next_to_wall(), WHITE)
    # Floor cell (2, 3) touches the voxel along y = 3 and the wall along x = 3.
    assert corner_reds(mesh, (2, 3, 0), (0, 0, 1)) == (shade(2), shade(0), shade(1), 200)
    assert corner_reds(mesh, (0, 0, 0), (0, 0, 1)) == (200, 200, 200, 200)


def test_faces_of_one_block_with_different_ao_are_not_merged() -> None:
    grid = np.zeros((3, 1, 2), np.uint8)
    grid[:, :, 0] = 1
    grid[0, 0, 1] = 1
    mesh = greedy_mesh(grid, WHITE)
    floor_tops = [pos for pos, normal, _ in quads(mesh) if normal[2] == 1 and pos[0, 2] == 1]
    assert len(floor_tops) == 2


def test_the_quad_diagonal_avoids_a_single_darkened_corner() -> None:
    grid = np.zeros((3, 3, 2), np.uint8)
    grid[:, :, 0] = 1
    grid[1, 1, 1] = 1
    mesh = naive_mesh(grid, WHITE)
    tris = mesh.indices.reshape(-1, 3)
    floor_tops = {
        tuple(pos[:, :2].min(axis=0)): i
        for i, (pos, normal, _) in enumerate(quads(mesh))
        if normal[2] == 1
    }
    # The floor cells diagonal to the voxel each see it only at one corner.
    for cell, corner in [((0, 0), (1, 1)), ((2, 0), (2, 1)), ((0, 2), (1, 2)), ((2, 2), (2, 2))]:
        first = 4 * floor_tops[cell]
        [dark] = [first + k for k in range(4) if tuple(mesh.positions[first + k, :2]) == corner]
        assert mesh.colors[dark, 0] == shade(2)
        assert np.count_nonzero(np.any(tris == dark, axis=1)) == 1


def test_origin_shifts_positions_to_world_voxel_coordinates() -> None:
    grid = np.ones((1, 1, 1), np.uint8)
    shifted = greedy_mesh(grid, COLORS, origin=(32, 64, 5))
    assert np.array_equal(shifted.positions, greedy_mesh(grid, COLORS).positions + [32, 64, 5])


def test_the_neighbour_border_hides_faces_and_casts_ao_but_is_not_meshed() -> None:
    level = np.zeros((3, 1, 2), np.uint8)
    level[:, 0, 0] = 1
    level[2, 0, 1] = 2
    block = padded_block(level, (1, 0, 0), (2, 1, 2))
    mesh = greedy_mesh(block[1:-1, 1:-1, 1:-1], COLORS, (1, 0, 0), neighbours=block)
    assert np.all((mesh.positions[:, 0] >= 1) & (mesh.positions[:, 0] <= 2))
    assert {tuple(n) for n in mesh.normals} == {(0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)}
    lit, shaded, _, _ = corner_reds(mesh, (1, 0, 0), (0, 0, 1))
    assert shaded < lit
    hollow = block.copy()
    hollow[1:-1, 1:-1, 1:-1] = 0
    assert unit_faces(greedy_mesh(level[1:2], COLORS, (1, 0, 0), neighbours=hollow)) == unit_faces(
        mesh
    )
    alone = greedy_mesh(level[1:2], COLORS, (1, 0, 0))
    assert alone.triangle_count == 12


def test_neighbours_must_be_the_grid_plus_a_one_voxel_border() -> None:
    with pytest.raises(ValueError):
        greedy_mesh(np.ones((2, 2, 2), np.uint8), COLORS, neighbours=np.zeros((3, 3, 3), np.uint8))


def test_padded_block_copies_the_border_and_treats_outside_the_level_as_air() -> None:
    level = np.arange(1, 1 + 4 * 3 * 2, dtype=np.uint8).reshape(4, 3, 2)
    block = padded_block(level, (0, 1, 0), (2, 3, 2))
    assert block.shape == (4, 4, 4)
    assert np.array_equal(block[1:4, 0:3, 1:3], level[0:3, 0:3, :])
    outside = [block[0], block[:, 3], block[:, :, 0], block[:, :, 3]]
    assert not any(side.any() for side in outside)


def test_concatenate_joins_meshes_and_offsets_their_indices() -> None:
    one = greedy_mesh(np.ones((1, 1, 1), np.uint8), COLORS)
    two = greedy_mesh(np.ones((1, 1, 1), np.uint8), COLORS, origin=(5, 0, 0))
    joined = Mesh.concatenate([one, Mesh.empty(), two])
    assert (joined.vertex_count, joined.triangle_count) == (48, 24)
    assert np.array_equal(joined.indices[36:], two.indices + 24)
    assert np.array_equal(joined.positions[24:], two.positions)
    assert Mesh.concatenate([]).triangle_count == 0
