"""Walking 300 m from home to a playground, a park, a school or a shop, along paths, not as the crow flies."""

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from game.core.indicators import WalkToPark, WalkToPlayground, WalkToSchool, WalkToShop
from game.core.indicators.base import Reading
from game.core.indicators.walking import reach


def _winding_path(catalogue, steps: int, width: int = 30):
    """Car park everywhere, a 2-column house at the west, and a footpath snaking away from it.

    Path rows run along x at odd y, joined at alternating ends; car park rows between them
    keep the rows apart. The path has `steps` steps from its first cell (next to the house) to its
    last cell, and the playground sits right after the last cell.
    """
    X, Y = width + 4, 2 * (steps // (width + 1) + 2) + 2
    city = np.zeros((X, Y, 6), np.uint8)
    city[:, :, 0] = catalogue.id("parking")
    cells = []
    for row, y in enumerate(range(1, Y - 1, 2)):
        xs = range(2, width + 2) if row % 2 == 0 else range(width + 1, 1, -1)
        cells += [(x, y) for x in xs]
        cells.append((xs[-1], y + 1))  # the connector to the next row
    for x, y in cells[: steps + 1]:
        city[x, y, 0] = catalogue.id("footpath")
    end_x, end_y = cells[steps + 1]
    assert cells[steps][1] == end_y, "choose `steps` so the path ends inside a row"
    city[end_x, end_y, 0] = catalogue.id("playground")
    city[0:2, 1, 1:4] = catalogue.id("housing")
    return city


def _level(level_factory, city, **kw):
    return level_factory(
        shape=city.shape,
        zone=(slice(0, 2), slice(0, 3)),
        zone_top=6,
        city=city,
        voxel_size_m=2.0,
        **kw,
    )


def _walk(cls, level):
    return cls.evaluate(level.city, level, level.catalogue)


def test_a_playground_290_m_along_a_winding_path_is_in_reach(level_factory, catalogue):
    level = _level(level_factory, _winding_path(catalogue, steps=145))  # 145 steps of 2 m
    assert _walk(WalkToPlayground, level) == Reading(1.0)


def test_a_playground_310_m_along_a_winding_path_is_out_of_reach_though_it_looks_close(
    level_factory, catalogue
):
    level = _level(level_factory, _winding_path(catalogue, steps=155))
    assert _walk(WalkToPlayground, level) == Reading(0.0)


def test_a_home_with_no_playground_anywhere_has_none_in_reach(level_factory, catalogue):
    city = _winding_path(catalogue, steps=20)
    city[city == catalogue.id("playground")] = catalogue.id("footpath")
    assert _walk(WalkToPlayground, _level(level_factory, city)) == Reading(0.0)


def test_a_house_standing_on_a_lawn_is_no_shortcut(level_factory, catalogue):
    city = np.zeros((40, 3, 20), np.uint8)
    city[:, :, 0] = catalogue.id("grass")  # a lawn is a park, so look for a school instead
    city[0, 1, 1:4] = catalogue.id("housing")
    city[39, 1, 1:4] = catalogue.id("school")
    city[20, :, 1:4] = catalogue.id("office")  # a wall of offices across the whole lawn
    level = level_factory(shape=city.shape, zone=(slice(0, 1), slice(0, 3)), zone_top=20, city=city)
    assert _walk(WalkToSchool, level).value == 0.0
    assert _walk(WalkToPark, level).value == 1.0


def test_bigger_homes_weigh_more_in_the_share(level_factory, catalogue):
    # Two houses on one walkable strip, 2 m voxels: a shop 10 steps from the small one and
    # 200 steps (400 m) from the big one, so only the small one's homes are in reach.
    city = np.zeros((220, 4, 10), np.uint8)
    city[:, :, 0] = catalogue.id("footpath")
    city[0, 1, 1:3] = catalogue.id("shop")
    city[11, 1, 1:3] = catalogue.id("housing")  # 1 column, 1 storey
    city[201:204, 1:4, 1:6] = catalogue.id("housing")  # 9 columns, 3 storeys
    level = level_factory(
        shape=city.shape,
        zone=(slice(0, 220), slice(0, 4)),
        zone_top=10,
        city=city,
        voxel_size_m=2.0,
    )
    assert _walk(WalkToShop, level).value == pytest.approx(1 / (1 + 27))


def test_with_no_homes_in_the_zone_the_homes_of_the_whole_quarter_are_checked(
    level_factory, catalogue
):
    city = _winding_path(catalogue, steps=145)
    level = level_factory(
        shape=city.shape, zone=(slice(10, 20), slice(0, 3)), zone_top=6, city=city, voxel_size_m=2.0
    )
    assert _walk(WalkToPlayground, level) == Reading(1.0, "indicator.note.level_homes")


def test_with_no_homes_at_all_every_walk_is_zero_and_says_why(level_factory, catalogue):
    level = level_factory()
    for cls in (WalkToPlayground, WalkToPark, WalkToSchool, WalkToShop):
        assert _walk(cls, level) == Reading(0.0, "indicator.note.no_homes")


def test_reach_spreads_only_over_walkable_cells_and_stops_after_the_steps():
    walkable = np.ones((5, 5), bool)
    walkable[2, :4] = False
    start = np.zeros((5, 5), bool)
    start[0, 0] = True
    got = reach(walkable, start, 6)
    # Around the wall: (0,0) → (0,4) is 4 steps, → (2,4) 6 steps; (3,4) would be 7.
    assert got[2, 4] and not got[3, 4] and not got[2, 0]
    assert reach(walkable, start, 0).sum() == 1


def _reference_reach(walkable: np.ndarray, start: np.ndarray, steps: int) -> np.ndarray:
    """A plain breadth-first search, one cell at a time."""
    distance = np.full(walkable.shape, -1)
    queue = deque(zip(*np.nonzero(start & walkable)))
    for cell in queue:
        distance[cell] = 0
    while queue:
        x, y = queue.popleft()
        if distance[x, y] == steps:
            continue
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            inside = 0 <= nx < walkable.shape[0] and 0 <= ny < walkable.shape[1]
            if inside and walkable[nx, ny] and distance[nx, ny] < 0:
                distance[nx, ny] = distance[x, y] + 1
                queue.append((nx, ny))
    return distance >= 0


@settings(max_examples=150, deadline=None)
@given(
    walkable=arrays(bool, st.tuples(st.integers(1, 14), st.integers(1, 14))),
    seed=st.integers(0, 2**32 - 1),
    steps=st.integers(0, 30),
)
def test_reach_equals_a_plain_breadth_first_search(walkable, seed, steps):
    start = np.random.default_rng(seed).random(walkable.shape) < 0.05
    assert np.array_equal(reach(walkable, start, steps), _reference_reach(walkable, start, steps))


def test_a_house_in_a_car_park_walks_from_its_nearest_walkable_cells_only(level_factory, catalogue):
    # Footpath | car park with a house near its west edge | footpath: the door is on the west.
    city = np.zeros((40, 3, 6), np.uint8)
    city[:, :, 0] = catalogue.id("footpath")
    city[10:30, :, 0] = catalogue.id("parking")
    city[12, 1, 1:4] = catalogue.id("housing")
    city[0, 1, 1] = catalogue.id("playground")
    city[39, 1, 1:3] = catalogue.id("school")
    level = level_factory(
        shape=city.shape, zone=(slice(10, 30), slice(0, 3)), zone_top=6, city=city
    )
    assert _walk(WalkToPlayground, level) == Reading(1.0)
    assert _walk(WalkToSchool, level) == Reading(0.0)  # behind the far side of the car park


def test_a_house_more_than_300_m_from_any_walkable_cell_has_no_door(level_factory, catalogue):
    city = np.zeros((200, 3, 6), np.uint8)
    city[:, :, 0] = catalogue.id("parking")
    city[0:3, :, 0] = catalogue.id("playground")  # 2 m voxels: 160 steps of car park between
    city[165, 1, 1:4] = catalogue.id("housing")
    level = level_factory(
        shape=city.shape,
        zone=(slice(150, 200), slice(0, 3)),
        zone_top=6,
        city=city,
        voxel_size_m=2.0,
    )
    assert _walk(WalkToPlayground, level) == Reading(0.0)
    city[:, :, 0] = catalogue.id("water")  # no walkable ground at all
    level = level_factory(
        shape=city.shape, zone=(slice(150, 200), slice(0, 3)), zone_top=6, city=city
    )
    assert _walk(WalkToPlayground, level) == Reading(0.0)


def test_people_walk_along_streets_on_their_pavements(level_factory, catalogue):
    """A street is walked along (its pavement), a car park is not: the home 100 m down the
    street reaches the shop, the same home across a car park does not."""
    city = np.zeros((60, 3, 6), np.uint8)
    city[:, :, 0] = catalogue.id("road")
    city[0, 1, 1:3] = catalogue.id("shop")
    city[50, 1, 1:4] = catalogue.id("housing")
    level = level_factory(
        shape=city.shape, zone=(slice(40, 60), slice(0, 3)), zone_top=6, city=city
    )
    assert _walk(WalkToShop, level) == Reading(1.0)
    city[:, :, 0] = catalogue.id("parking")
    level = level_factory(
        shape=city.shape, zone=(slice(40, 60), slice(0, 3)), zone_top=6, city=city
    )
    assert _walk(WalkToShop, level) == Reading(0.0)


@pytest.fixture(scope="module")
def kaiserslautern():
    from game.io.levels import find_level

    return find_level("kaiserslautern-innenstadt")


def test_kaiserslautern_homes_reach_the_shops_of_its_centre(kaiserslautern):
    """Kaiserslautern's shops are uses of the buildings they stand in, along streets whose
    pavements are part of the street: the centre's homes reach a shop (it showed 0 %)."""
    from game.core.indicators.engine import compute_all
    from game.core.ops.building import Building
    from game.core.session import Session

    level = kaiserslautern
    city = compute_all(level.city, level)
    assert city["walk_shop"].value > 0.9  # a city centre: nearly every home has a shop close by
    assert 0.5 < city["walk_playground"].value < 0.9
    session = Session(level)  # homes on the car park beside the school
    outline = [(386, 176), (404, 176), (404, 181), (386, 181)]
    index, values, clipped = session.preview(
        Building(op="building", polygon=outline, floors=3, block="housing")
    )
    session.commit(index, values, clipped)
    built = compute_all(session.grid, level)
    assert built["walk_shop"] == Reading(1.0) and built["walk_school"] == Reading(1.0)
    assert built["walk_playground"] == Reading(0.0)  # the level's goal: build one
