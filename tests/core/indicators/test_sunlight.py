"""Shadows on the zone's open space on the equinox, aimed by the level's latitude."""

import math

import numpy as np
import pytest

from game.core.indicators import SunHours, SunOnOpenSpace
from game.core.indicators.base import Reading
from game.core.indicators.solar import DEFAULT_LATITUDE, latitude, sun_direction
from game.core.level import Georeference


def _plaza_north_of_a_tower(level_factory, catalogue, **kw):
    """A 10-voxel-high block along the south edge; the zone is the 10 × 20 plaza north of it."""
    city = np.zeros((10, 30, 14), np.uint8)
    city[:, :, 0] = catalogue.id("plaza")
    city[:, 0:5, 1:11] = catalogue.id("office")
    return level_factory(
        shape=city.shape, zone=(slice(0, 10), slice(5, 25)), zone_top=14, city=city, **kw
    )


def test_a_tall_building_shades_the_plaza_north_of_it_at_noon(level_factory, catalogue):
    level = _plaza_north_of_a_tower(level_factory, catalogue)
    # Noon sun at 52.5° N stands 37.5° high: a 10-voxel wall shades 10 / tan(37.5°) = 13.03 voxels,
    # so the rows whose centre is 0.5 … 12.5 voxels from the wall are in shade: 13 of 20 rows.
    assert SunOnOpenSpace.compute(level.city, level, catalogue) == pytest.approx(7 / 20)


def test_the_same_plaza_is_all_sunny_in_sydney_where_the_noon_sun_stands_in_the_north(
    level_factory, catalogue
):
    sydney = Georeference(epsg=32756, origin=(334000.0, 6250000.0, 0.0))
    level = _plaza_north_of_a_tower(level_factory, catalogue, georeference=sydney)
    assert SunOnOpenSpace.compute(level.city, level, catalogue) == 1.0


def test_an_open_field_gets_sun_all_twelve_hours_of_the_equinox(level_factory, catalogue):
    level = level_factory()
    assert SunOnOpenSpace.compute(level.city, level, catalogue) == 1.0
    assert SunHours.compute(level.city, level, catalogue) == 12.0


def test_the_plaza_behind_the_tower_gets_fewer_hours_near_the_wall(level_factory, catalogue):
    level = _plaza_north_of_a_tower(level_factory, catalogue)
    hours = SunHours.compute(level.city, level, catalogue)
    assert 6.0 < hours < 12.0


def test_a_zone_without_open_space_has_no_sun_to_measure_and_says_so(level_factory, catalogue):
    city = np.zeros((16, 16, 8), np.uint8)
    city[:, :, 0] = catalogue.id("parking")  # neither walkable nor green
    level = level_factory(city=city)
    for cls in (SunOnOpenSpace, SunHours):
        assert cls.evaluate(level.city, level, catalogue) == Reading(
            0.0, "indicator.note.no_open_space"
        )


def test_a_bench_does_not_shade_the_square_it_stands_on(level_factory, catalogue):
    city = np.zeros((16, 16, 8), np.uint8)
    city[:, :, 0] = catalogue.id("plaza")
    city[4:12, 4:12, 1] = catalogue.id("bench")  # a square full of benches
    level = level_factory(city=city)
    # Noon: a 1-voxel bench shades 1 / tan(37.5°) = 1.3 voxels, so the cell north of each bench
    # (entered 0.5 voxels from its centre) is in shade, but the bench row farthest south is not.
    assert SunOnOpenSpace.compute(level.city, level, catalogue) == pytest.approx(8 / 64)


@pytest.mark.parametrize(
    "epsg, origin, expected",
    [
        (25833, (392000.0, 5820000.0, 0.0), 52.52),  # Berlin, ETRS89 / UTM 33N
        (4326, (13.4, 52.5, 0.0), 52.5),
        (3857, (1491000.0, 6894000.0, 0.0), 52.52),
        (31468, (4595000.0, 5820000.0, 0.0), 52.52),  # Gauss–Krüger zone 4
        (32756, (334000.0, 6250000.0, 0.0), -33.87),  # Sydney, UTM 56S
        (
            2056,
            (2600000.0, 1200000.0, 0.0),
            DEFAULT_LATITUDE,
        ),  # Swiss LV95: not derived, Berlin assumed
    ],
)
def test_the_latitude_comes_from_the_georeference_without_pyproj(epsg, origin, expected):
    assert latitude(Georeference(epsg=epsg, origin=origin)) == pytest.approx(expected, abs=0.05)
    assert latitude(None) == DEFAULT_LATITUDE


def test_the_noon_sun_stands_due_south_at_ninety_minus_latitude_and_turns_with_the_grid():
    x, y, z = sun_direction(12.0, 52.5)
    assert x == pytest.approx(0.0, abs=1e-12) and y < 0
    assert math.degrees(math.asin(z)) == pytest.approx(37.5)
    x, y, _ = sun_direction(12.0, 52.5, rotation_deg=90.0)  # grid x points north: south is −x
    assert x < 0 and y == pytest.approx(0.0, abs=1e-12)
    assert sun_direction(9.0, 52.5)[0] > 0  # morning sun in the east
