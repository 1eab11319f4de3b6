"""Generated detail: derived from the grid alone, the same every time, and off means today's mesh."""

import numpy as np
import pytest

from game.core.catalogue import Catalogue
from game.core.facades import (
    GLASS,
    GRASS,
    HOME,
    OFFICE,
    PLAIN,
    PUBLIC,
    ROAD,
    SHOP,
    WATER,
    surface_kinds,
)
from game.render.chunks import ZONE_BIT, ChunkGrid
from game.render.detail import CORNICE_BIT, DOOR_BIT, Detail, prop_mesh


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def _street(catalogue: Catalogue) -> np.ndarray:
    """A small quarter: ground, a house, an office, a shop, two trees (one two voxels high), a
    bench, a playground and water."""
    grid = np.zeros((12, 10, 6), np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    grid[0, :, 0] = catalogue.id("footpath")  # along the house's west wall
    grid[1:4, 1:4, 1:4] = catalogue.id("housing")
    grid[5:7, 1:3, 1:5] = catalogue.id("office")
    grid[8:10, 1:3, 1:2] = catalogue.id("shop")
    grid[2, 6, 1] = grid[4, 6, 1:3] = catalogue.id("tree")
    grid[6, 6, 1] = catalogue.id("bench")
    grid[8:10, 5:7, 1] = catalogue.id("playground")
    grid[2:5, 8:10, 0] = catalogue.id("water")
    return grid


def test_every_block_gets_the_surface_of_its_use(catalogue):
    kinds = surface_kinds(catalogue)
    expect = {
        "housing": HOME,
        "student_housing": HOME,
        "office": OFFICE,
        "wall_glass": GLASS,
        "shop": SHOP,
        "school": PUBLIC,
        "library": PUBLIC,
        "water": WATER,
        "grass": GRASS,
        "road": ROAD,
        "roof": PLAIN,
        "tree": PLAIN,
    }
    assert {key: int(kinds[catalogue.id(key)]) for key in expect} == expect
    assert kinds[0] == PLAIN


def test_chunks_with_detail_carry_the_zone_bit_and_the_kind_of_each_quad(catalogue):
    grid = _street(catalogue)
    zone = np.zeros(grid.shape, bool)
    zone[:6] = True
    chunks = ChunkGrid(grid, catalogue.colors, size=4, zone=zone, detail=Detail(catalogue))
    chunks.mesh_all()
    kinds = surface_kinds(catalogue)
    for mesh in chunks.meshes.values():
        alpha = mesh.colors[::4, 3]
        centre = mesh.positions.reshape(-1, 4, 3).mean(axis=1)
        column = np.floor(centre[:, :2]).astype(int).clip(0, (grid.shape[0] - 1, grid.shape[1] - 1))
        inside = zone[column[:, 0], column[:, 1], 0]
        assert np.array_equal(alpha & ZONE_BIT != 0, inside)
        assert set((alpha & ~np.uint8(ZONE_BIT | DOOR_BIT | CORNICE_BIT)).tolist()) <= set(
            kinds.tolist()
        )

    def wall(normal: tuple[int, int, int], x: float, z: int = 1) -> list[int]:
        return [
            int(m.colors[i, 3])
            for m in chunks.meshes.values()
            for i in range(0, m.vertex_count, 4)
            if tuple(m.normals[i]) == normal
            and m.positions[i, 0] == x
            and m.positions[i, 1] < 4
            and m.positions[i : i + 4, 2].min() == z  # quads from row z up
        ]

    # The west wall faces the footpath: doors; the east wall faces the lawn: none.
    assert wall((-1, 0, 0), 1) and set(wall((-1, 0, 0), 1)) == {ZONE_BIT | DOOR_BIT | HOME}
    assert wall((1, 0, 0), 4) and set(wall((1, 0, 0), 4)) == {ZONE_BIT | HOME}
    # The top row (z = 3, under the roof) is a quad of its own, with the roof's darker edge.
    assert set(wall((1, 0, 0), 4, z=3)) == {ZONE_BIT | CORNICE_BIT | HOME}


def test_detail_is_the_same_for_the_same_grid_whatever_the_chunks(catalogue):
    grid = _street(catalogue)

    def meshed(size: int):
        chunks = ChunkGrid(grid.copy(), catalogue.colors, size=size, detail=Detail(catalogue))
        chunks.mesh_all()
        return chunks.meshes

    first, again = meshed(4), meshed(4)
    for key in first:
        for a, b in zip(vars(first[key]).values(), vars(again[key]).values()):
            assert np.array_equal(a, b)
    # Props do not depend on where a chunk ends (chunks are whole columns): the same boxes.
    detail = Detail(catalogue)
    whole = prop_mesh(grid, (0, 0, 0), catalogue, detail.props)
    chunks = ChunkGrid(grid, catalogue.colors, size=4)
    split = []
    for lo, hi in map(chunks.bounds, chunks.keys()):
        part = prop_mesh(grid[tuple(map(slice, lo, hi))], lo, catalogue, detail.props)
        split += [tuple(p) for p in np.c_[part.positions, part.colors]]
    assert sorted(split) == sorted(tuple(p) for p in np.c_[whole.positions, whole.colors])


def test_detail_off_meshes_as_before_and_switching_back_and_forth_changes_nothing(catalogue):
    grid = _street(catalogue)
    plain = ChunkGrid(grid, catalogue.colors, size=5)
    plain.mesh_all()
    chunks = ChunkGrid(grid, catalogue.colors, size=5, detail=Detail(catalogue))
    chunks.mesh_all()
    chunks.detail = None
    assert chunks.dirty == set(chunks.keys())
    chunks.remesh_dirty()
    for key, mesh in plain.meshes.items():
        for a, b in zip(vars(mesh).values(), vars(chunks.meshes[key]).values()):
            assert np.array_equal(a, b)


def test_props_replace_their_voxel_and_stay_in_its_column(catalogue):
    grid = _street(catalogue)
    detail = Detail(catalogue)
    chunks = ChunkGrid(grid, catalogue.colors, detail=detail)
    mesh = chunks.mesh_chunk((0, 0))
    props = prop_mesh(grid, (0, 0, 0), catalogue, detail.props)
    assert props.vertex_count and props.vertex_count < mesh.vertex_count
    # The grass under a tree shows its top face: the tree is no longer a box over it.
    quads = mesh.positions.reshape(-1, 4, 3)
    lo, hi = quads.min(axis=1), quads.max(axis=1)
    ground = (mesh.normals[::4, 2] == 1) & (lo[:, 2] == 1) & (hi[:, 2] == 1)
    under_tree = (
        ground & (lo[:, 0] <= 2.5) & (hi[:, 0] >= 2.5) & (lo[:, 1] <= 6.5) & (hi[:, 1] >= 6.5)
    )
    assert under_tree.any()
    # Every prop vertex lies in the column of a prop voxel; a tree under a tree stays in its
    # voxel, a free one may rise above it, never more than one voxel.
    cells = props.positions.reshape(-1, 20, 3)  # boxes of five faces
    for box in cells:
        x, y = np.floor(box[:, :2].min(axis=0) + 1e-4).astype(int)
        assert (box[:, :2] <= (x + 1, y + 1)).all()
        z = int(np.flatnonzero(detail.props[grid[x, y]]).min())
        assert box[:, 2].min() >= z and box[:, 2].max() <= z + 2
        if (x, y) == (4, 6):  # the lower voxel of the two-voxel tree
            assert box[:, 2].max() <= 3


@pytest.mark.parametrize("width", [2, 3, 4])
def test_roads_get_a_dashed_centre_line_whatever_the_chunks(catalogue, width):
    grid = np.zeros((16, 12, 3), np.uint8)
    grid[:, :, 0] = catalogue.id("footpath")
    grid[:, 3 : 3 + width, 0] = catalogue.id("road")  # a road along x

    def marks(size: int) -> list[tuple[float, ...]]:
        chunks = ChunkGrid(grid, catalogue.colors, size=size, detail=Detail(catalogue))
        chunks.mesh_all()
        white = [
            tuple(round(float(v), 3) for v in q.mean(axis=0))
            for m in chunks.meshes.values()
            for q, c in zip(m.positions.reshape(-1, 4, 3), m.colors[::4])
            if tuple(c[:3]) == (235, 235, 225)
        ]
        return sorted(white)

    whole = marks(32)
    # One dash per voxel along the road but its two ends (where it stops), on its centre.
    assert len(whole) == 14
    assert {(y, z) for _, y, z in whole} == {(3 + width / 2, 1.005)}
    assert marks(4) == whole  # chunks see three voxels around them: the same dashes


def test_an_edit_on_a_road_re_meshes_every_chunk_whose_markings_it_changes(catalogue):
    grid = np.zeros((16, 12, 3), np.uint8)
    grid[:, :, 0] = catalogue.id("footpath")
    grid[:, 3:6, 0] = catalogue.id("road")
    chunks = ChunkGrid(grid, catalogue.colors, size=4, detail=Detail(catalogue))
    chunks.mesh_all()
    # Narrowing the road at (9, 5) moves its centre line to the seam of y = 3 and 4, in the
    # chunk below (y 0..3), two voxels from the edit.
    grid[9, 5, 0] = catalogue.id("footpath")
    chunks.mark_dirty((9, 5, 0), (9, 5, 0))
    chunks.remesh_dirty()
    fresh = ChunkGrid(grid, catalogue.colors, size=4, detail=Detail(catalogue))
    fresh.mesh_all()
    for key, mesh in fresh.meshes.items():
        for a, b in zip(vars(mesh).values(), vars(chunks.meshes[key]).values()):
            assert np.array_equal(a, b), key


def test_edits_anywhere_re_mesh_as_a_fresh_mesh_would_with_props_and_markings_kept_between(
    catalogue,
):
    """Chunks keep their props and road markings until an edit can change them: after edits of
    every kind (props, buildings, roads, on and beside chunk borders, under and on a road's dash)
    every chunk is the one a fresh `ChunkGrid` meshes."""
    grid = _street(catalogue)
    grid = np.concatenate([grid, np.zeros((12, 6, 6), np.uint8)], axis=1)
    grid[:, 10:, 0] = catalogue.id("footpath")
    grid[:, 11:14, 0] = catalogue.id("road")
    chunks = ChunkGrid(grid, catalogue.colors, size=4, detail=Detail(catalogue))
    chunks.mesh_all()
    blocks = [catalogue.id(key) for key in ("tree", "bench", "housing", "road", "footpath")]
    rng = np.random.default_rng(3)
    for _ in range(30):
        x, y, z = (int(rng.integers(0, n)) for n in grid.shape)
        z = min(z, 2)
        grid[x, y, z] = 0 if z and rng.random() < 0.3 else blocks[int(rng.integers(len(blocks)))]
        chunks.mark_dirty((x, y, z), (x, y, z))
        chunks.remesh_dirty()
        fresh = ChunkGrid(grid.copy(), catalogue.colors, size=4, detail=Detail(catalogue))
        fresh.mesh_all()
        for key, mesh in fresh.meshes.items():
            for a, b in zip(vars(mesh).values(), vars(chunks.meshes[key]).values()):
                assert np.array_equal(a, b), (key, (x, y, z))
