"""People and cars: on their ways only, moving, the same for the same seed, none on roads a
level has not got, and out of the way of what a pupil builds."""

import numpy as np
import pytest

from game.render.traffic import Traffic


@pytest.fixture
def town(level_factory):
    """Grass with a road along y = 10..12 and a footpath across x = 20 on either side of it,
    on 40×30 voxels of 2 m."""
    level = level_factory(shape=(40, 30, 8), zone=(slice(5, 35), slice(5, 25)), voxel_size_m=2.0)
    grid = level.city.copy()
    cat = level.catalogue
    grid[:, 10:13, 0] = cat.id("road")
    grid[20, 13:, 0] = grid[20, :10, 0] = cat.id("footpath")
    grid[5:9, 20:24, 1:5] = cat.id("housing")  # nobody walks through a house
    return level, grid


def _traffic(level, grid, seed=17):
    return Traffic(grid, level.catalogue, level.doc.voxel_size_m, seed=seed)


def _on_their_ways(traffic):
    return traffic._on_way(traffic.cell).all() and traffic._on_way(traffic.target).all()


def test_figures_stay_on_their_ways_and_move(town):
    level, grid = town
    traffic = _traffic(level, grid)
    assert traffic.car.any() and (~traffic.car).any()
    assert traffic.drive[:, 10:13].all() and not traffic.drive[:, :10].any()
    assert not traffic.walk[5:9, 20:24].any()  # the house
    before = traffic.positions()
    for _ in range(300):
        traffic.step(1 / 10)
        assert _on_their_ways(traffic)
        pos = traffic.positions()
        # Between two cell centres on a way: the point is inside the cell or the next one.
        assert (np.abs(pos - (traffic.cell + 0.5)) <= 1.0 + 1e-9).all()
    moved = np.hypot(*(traffic.positions() - before).T)
    assert (moved[traffic.car] > 0).all()
    assert (moved > 0).mean() > 0.9  # nearly everyone got somewhere (a boxed-in one may not)


def test_the_same_seed_gives_the_same_street(town):
    level, grid = town
    a, b, c = _traffic(level, grid), _traffic(level, grid), _traffic(level, grid, seed=5)
    for t in (a, b, c):
        for _ in range(40):
            t.step(1 / 30)
    assert np.array_equal(a.positions(), b.positions())
    assert np.array_equal(a.mesh().positions, b.mesh().positions)
    assert not np.array_equal(a.positions(), c.positions())


def test_no_cars_without_roads(level_factory):
    """Berlin's level has no streets: no car is invented; people walk on the plaza."""
    level = level_factory(shape=(30, 30, 8))
    grid = level.city.copy()
    grid[:, :, 0] = level.catalogue.id("plaza")
    traffic = _traffic(level, grid)
    assert len(traffic) and not traffic.car.any()


def test_building_over_a_way_turns_the_figures_away(town):
    level, grid = town
    traffic = _traffic(level, grid)
    for _ in range(20):
        traffic.step(1 / 10)
    # A wall across the road and the path, over the figures that stand there too.
    wall = np.zeros(grid.shape[:2], bool)
    wall[14:27, :] = True
    inside = wall[traffic.cell[:, 0], traffic.cell[:, 1]]
    assert inside.any()
    grid[wall, 1] = level.catalogue.id("housing")
    traffic.edited((14, 0, 1), (26, 29, 1))
    assert _on_their_ways(traffic)  # those built in stepped aside at once
    for _ in range(200):
        traffic.step(1 / 10)
        assert _on_their_ways(traffic)
        assert not wall[traffic.cell[:, 0], traffic.cell[:, 1]].any()


def test_the_mesh_stands_on_the_ground_in_metres(town):
    level, grid = town
    traffic = _traffic(level, grid)
    mesh = traffic.mesh()
    assert mesh.vertex_count == 20 * (3 * (~traffic.car).sum() + 2 * traffic.car.sum())
    z = mesh.positions[:, 2]
    assert z.min() == pytest.approx(1.0)  # on the ground layer's top
    assert z.max() == pytest.approx(1.0 + 1.76 / 2.0)  # a person's head, 1.76 m at 2 m voxels
    assert mesh.indices.max() < mesh.vertex_count


def test_the_moving_mesh_is_every_figures_boxes_where_it_stands_and_faces(town):
    """The figures' boxes are built once and moved each frame: after many steps (turns
    included) the mesh is the boxes built anew where each figure stands, facing its way."""
    from game.render.traffic import _boxes_mesh

    level, grid = town
    traffic = _traffic(level, grid)
    turned = set()
    for _ in range(300):
        traffic.step(1 / 10)
        turned |= set((traffic.heading % 2).tolist())
        moved = traffic.mesh()
        boxes, _ = traffic._boxes(traffic.positions(), traffic.heading % 2 == 0)
        built = _boxes_mesh(boxes)
        assert np.allclose(moved.positions, built.positions, atol=1e-4)
        assert np.array_equal(moved.colors, built.colors)
        assert np.array_equal(moved.indices, built.indices)
    assert turned == {0, 1}  # figures went along x and along y
