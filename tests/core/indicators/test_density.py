"""GRZ and GFZ on small levels where the answer can be counted by hand."""

import numpy as np
import pytest

from game.core.indicators import FloorAreaRatio, SiteCoverage
from game.core.ops import Box, Building
from game.core.session import Session


def _ten_by_ten(level_factory, voxel_size_m=1.0):
    return level_factory(
        shape=(12, 12, 12),
        zone=(slice(1, 11), slice(1, 11)),
        zone_top=12,
        voxel_size_m=voxel_size_m,
    )


@pytest.mark.parametrize("voxel_size_m", [1.0, 2.0])
def test_one_three_storey_house_of_five_by_two_on_a_ten_by_ten_zone_gives_grz_0_1_and_gfz_0_3(
    level_factory, voxel_size_m
):
    level = _ten_by_ten(level_factory, voxel_size_m)
    s = Session(level)
    s.apply(Building(from_=(2, 2), to=(6, 3), floors=3, block="housing"))
    assert SiteCoverage.compute(s.grid, level, level.catalogue) == pytest.approx(0.1)
    assert FloorAreaRatio.compute(s.grid, level, level.catalogue) == pytest.approx(0.3)


def test_the_roof_on_top_adds_no_storey_but_counts_as_footprint(level_factory):
    level = _ten_by_ten(level_factory)
    s = Session(level)
    s.apply(
        Box(from_=(2, 2, 1), to=(3, 3, 1), block="roof")
    )  # a carport roof: 4 columns, no floors
    assert SiteCoverage.compute(s.grid, level, level.catalogue) == pytest.approx(0.04)
    assert FloorAreaRatio.compute(s.grid, level, level.catalogue) == 0.0


def test_floors_are_rounded_down_from_voxels_times_voxel_size_over_storey_height(level_factory):
    level = _ten_by_ten(level_factory, voxel_size_m=2.0)  # storeys of 3 m
    s = Session(level)
    s.apply(Box(from_=(2, 2, 1), to=(2, 2, 2), block="office"))  # 4 m: one storey
    s.apply(Box(from_=(4, 4, 1), to=(4, 4, 3), block="office"))  # 6 m: two storeys
    assert FloorAreaRatio.compute(s.grid, level, level.catalogue) == pytest.approx(3 / 100)


def test_buildings_outside_the_zone_do_not_count(level_factory, catalogue):
    city = np.zeros((12, 12, 12), np.uint8)
    city[:, :, 0] = catalogue.id("grass")
    city[0, :, 1:4] = catalogue.id(
        "housing"
    )  # a row of houses along the west edge, outside the zone
    level = level_factory(
        shape=(12, 12, 12), zone=(slice(1, 11), slice(1, 11)), zone_top=12, city=city
    )
    assert SiteCoverage.compute(level.city, level, catalogue) == 0.0
    assert FloorAreaRatio.compute(level.city, level, catalogue) == 0.0


def test_an_empty_zone_gives_zero_not_a_division_error(level_factory, catalogue):
    level = level_factory(zone=(slice(0, 0), slice(0, 0)))
    assert SiteCoverage.compute(level.city, level, catalogue) == 0.0
    assert FloorAreaRatio.compute(level.city, level, catalogue) == 0.0
