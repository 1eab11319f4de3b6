"""The one-pass column statistics and the framed shadow walk give exactly what the plain per-layer code gave.

The references below are the implementations they replaced (one numpy pass per statistic over
the whole grid, and a ray walk with bounds checks), kept here only to check the fast ones
against them on every bundled level with random edits and on random height maps.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from game.core.indicators.base import EPS, USES, tables
from game.core.indicators.columns import ColumnStats
from game.core.indicators.solar import sun_direction
from game.core.indicators.sunlight import _ray_cells, lit
from game.io.levels import available_levels, find_level


def _reference_columns(grid, level):
    """The statistics as `columns.py` computed them before, one pass over the grid each."""
    t = tables(level.catalogue)
    doc = level.doc
    cell_m2 = doc.voxel_size_m**2
    above = grid[:, :, 1:]
    building = t.building[above]
    footprint = building.any(axis=2)
    use = t.use[above]
    n_use = (use >= 0).sum(axis=2)
    floors = np.floor(n_use * doc.voxel_size_m / doc.storey_height_m + EPS).astype(np.int64)
    area = np.zeros(grid.shape[:2] + (len(USES),))
    with np.errstate(invalid="ignore", divide="ignore"):
        per_voxel = np.where(n_use > 0, floors * cell_m2 / n_use, 0.0)
    for u in t.uses_present:
        area[:, :, u] = (use == u).sum(axis=2) * per_voxel
    top = above.shape[2] - 1 - np.argmax(building[:, :, ::-1], axis=2)
    surface = grid[:, :, 0].copy()
    roof = np.take_along_axis(above, top[:, :, None], axis=2)[:, :, 0]
    surface[footprint] = roof[footprint]
    green = np.maximum(t.green[surface], t.green_object[above].max(axis=2))
    paid = (grid != level.city) & (grid != 0)
    cost = np.where(paid, t.cost[grid], 0.0).sum(axis=2)
    solid = grid != 0
    height = np.where(solid.any(axis=2), grid.shape[2] - np.argmax(solid[:, :, ::-1], axis=2), 0)
    return {
        "footprint": footprint,
        "floors": floors,
        "use_area": np.moveaxis(area, 2, 0),
        "sealed": t.sealed[surface],
        "green": green,
        "cost": cost,
        "height": height,
        "ground": grid[:, :, 0],
    }


def _reference_lit(heights, xs, ys, sun, start=1.0):
    """The shadow walk before the height map got its frame: bounds checked at every step."""
    result = np.zeros(xs.shape, bool)
    horizontal = math.hypot(sun[0], sun[1])
    if sun[2] <= EPS:
        return result
    result[:] = True
    if horizontal <= EPS or heights.size == 0:
        return result
    slope = sun[2] / horizontal
    X, Y = heights.shape
    max_t = min((int(heights.max()) - start) / slope, math.hypot(X, Y) + 1)
    active = np.flatnonzero(result)
    ax, ay = xs.copy(), ys.copy()
    for di, dj, t in _ray_cells(sun[0] / horizontal, sun[1] / horizontal, max_t):
        if not active.size:
            break
        nx, ny = ax + di, ay + dj
        inside = (nx >= 0) & (nx < X) & (ny >= 0) & (ny < Y)
        blocked = np.zeros(active.shape, bool)
        blocked[inside] = heights[nx[inside], ny[inside]] > start + t * slope + EPS
        result[active[blocked]] = False
        keep = inside & ~blocked
        active, ax, ay = active[keep], ax[keep], ay[keep]
    return result


def _edited(level, seed):
    """The level's city with random blocks (air included) set at random voxels and in a random box."""
    rng = np.random.default_rng(seed)
    grid = level.city.copy()
    ids = np.array([0] + [b.id for b in level.catalogue.blocks], np.uint8)
    spots = rng.integers(0, level.volume, 2_000)
    grid.reshape(-1)[spots] = rng.choice(ids, spots.size)
    lo = rng.integers(0, np.array(level.shape) - 4)
    hi = lo + rng.integers(1, 4, 3)
    grid[lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]] = rng.choice(ids)
    return grid


def _assert_same(stats, grid, level):
    expected = _reference_columns(grid, level)
    for name, want in expected.items():
        np.testing.assert_allclose(getattr(stats, name), want, rtol=1e-12, err_msg=name)
    t = tables(level.catalogue)
    for kind in t.amenity_kinds:
        want = t.amenity(kind)[grid].any(axis=2)
        assert np.array_equal(stats.columns_with(kind), want), kind


BUNDLED = sorted(e.doc.id for e in available_levels()[0] if e.bundled)


@pytest.mark.parametrize("level_id", BUNDLED)
@pytest.mark.parametrize("seed", [0, 1])
def test_column_statistics_equal_the_per_layer_computation_on_bundled_levels_with_random_edits(
    level_id, seed
):
    level = find_level(level_id)
    grid = level.city if seed == 0 else _edited(level, seed)
    _assert_same(ColumnStats(grid, level), grid, level)


def test_an_incremental_update_equals_the_per_layer_computation(level_factory, catalogue):
    level = level_factory(shape=(12, 10, 9))
    rng = np.random.default_rng(5)
    grid = level.city.copy()
    stats = ColumnStats(grid, level)
    ids = np.array([0] + [b.id for b in catalogue.blocks], np.uint8)
    for _ in range(40):
        lo = rng.integers(0, [12, 10, 9])
        hi = np.minimum(lo + rng.integers(0, 4, 3), [11, 9, 8])
        grid[lo[0] : hi[0] + 1, lo[1] : hi[1] + 1, lo[2] : hi[2] + 1] = rng.choice(ids)
        stats.update(grid, tuple(lo), tuple(hi))
        _assert_same(stats, grid, level)


@settings(max_examples=150, deadline=None)
@given(
    heights=arrays(
        np.int64, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.integers(0, 9)
    ),
    hour=st.floats(5.0, 19.0),
    lat=st.floats(-60.0, 70.0),
    start=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_the_framed_shadow_walk_equals_the_bounds_checked_one(heights, hour, lat, start):
    xs, ys = (a.reshape(-1) for a in np.indices(heights.shape))
    sun = sun_direction(hour, lat)
    assert np.array_equal(
        lit(heights, xs, ys, sun, start), _reference_lit(heights, xs, ys, sun, start)
    )
