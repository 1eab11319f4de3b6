"""The editor's sun: the sunlight indicator's sun, shade on the side away from it, kept exact
after edits, and meshed into quads that cover exactly the shaded cells."""

import numpy as np
import pytest

from game.core.indicators.solar import latitude, sun_direction
from game.core.indicators.sunlight import Sunlight
from game.render.sun import DAYLIGHT, TIMES, Shadow, column_tops, shade_mesh, sun_of


@pytest.fixture
def tower(level_factory):
    """Grass 40×40 with one 4×4 tower of 8 voxels in the middle (columns 18..21)."""
    level = level_factory(shape=(40, 40, 12), zone=(slice(10, 30), slice(10, 30)))
    grid = level.city.copy()
    grid[18:22, 18:22, 1:9] = level.catalogue.id("housing")
    return level, grid


def _shade(level, grid, time):
    shadow = Shadow(grid, level.catalogue, sun_of(level, time), DAYLIGHT[time].shade)
    return shadow.shade


def test_the_sun_is_the_sunlight_indicators_sun(tower):
    level, grid = tower
    georef = level.doc.georeference
    for time in TIMES:
        expected = sun_direction(DAYLIGHT[time].hour, latitude(georef))
        assert np.allclose(sun_of(level, time), expected)
    # And the indicator's own shade at noon agrees with the editor's on the open ground.
    sunlight = Sunlight(grid, level, level.catalogue)
    indicator = ~sunlight.lit_at(DAYLIGHT["noon"].hour)
    editor = _shade(level, grid, "noon")[sunlight.xs, sunlight.ys]
    assert indicator.any() and np.array_equal(indicator, editor)


def test_shade_falls_away_from_the_sun_and_moves_with_the_time_of_day(tower):
    level, grid = tower
    centre = np.array([19.5, 19.5])
    for time in TIMES:
        shade = _shade(level, grid, time)
        xs, ys = np.nonzero(shade)
        assert xs.size, time
        away = (np.stack([xs, ys], 1) + 0.5 - centre) @ sun_of(level, time)[:2]
        assert (away < 0).all(), time  # every shaded cell lies on the far side from the sun
    noon, morning, evening = (_shade(level, grid, t) for t in ("noon", "morning", "evening"))
    # Noon: to the north (+y); morning: to the west (-x, a little north); evening: east.
    assert noon[19, 23] and not noon[19, 16]
    assert morning[15, 22] and not morning[24, 22]
    assert evening[24, 19] and not evening[15, 19]
    assert evening.sum() > noon.sum()
    assert not noon[18:22, 18:22].any()  # the tower's own roof is in the sun


def test_an_edit_recomputes_the_shade_it_can_reach(tower):
    level, city = tower
    rng = np.random.default_rng(3)
    for time in TIMES:
        grid = city.copy()
        shadow = Shadow(grid, level.catalogue, sun_of(level, time), DAYLIGHT[time].shade)
        shadow.meshes()
        for _ in range(6):
            x, y = rng.integers(0, 37, size=2)
            top = int(rng.integers(1, 11))
            block = level.catalogue.id("housing") if rng.random() < 0.7 else 0
            grid[x : x + 3, y : y + 2, 1:top] = block
            shadow.edited((x, y, 1), (x + 2, y + 1, top))
            fresh = Shadow(grid, level.catalogue, shadow.sun, shadow.color)
            assert np.array_equal(shadow.shade, fresh.shade)
            assert shadow.dirty  # its tiles are meshed again


def test_the_mesh_covers_exactly_the_shaded_cells_just_above_their_tops(tower):
    level, grid = tower
    shadow = Shadow(grid, level.catalogue, sun_of(level, "evening"), DAYLIGHT["evening"].shade)
    kind = shadow.kinds()
    shade = shadow.shade
    assert (kind > 0).sum() == shade.sum() and (kind == 2).any() and (kind == 1).any()
    edge = tuple((c + 255) // 2 for c in shadow.color[:3]) + (255,)
    heights = column_tops(grid)
    mesh = shade_mesh(kind, heights, (shadow.color, edge))
    covered = np.zeros(shade.shape, int)
    quads = mesh.positions.reshape(-1, 4, 3)
    for quad, colour in zip(quads, mesh.colors[::4]):
        (x0, y0, z), (x1, y1, _) = quad[0], quad[2]
        cells = (slice(int(x0), int(x1)), slice(int(y0), int(y1)))
        covered[cells] += 1
        assert np.allclose(z, heights[int(x0), int(y0)] + 0.03)
        # The shade's edge (beside a sunny cell) half as dark: a soft edge.
        assert tuple(colour) == (edge if kind[cells].max() == 2 else shadow.color)
        assert kind[cells].min() == kind[cells].max()
    assert np.array_equal(covered, shade.astype(int))  # each shaded cell once, nothing else
    assert len(quads) < shade.sum() / 3  # merged into rectangles
    assert (mesh.normals[:, 2] == 1).all()
