"""Homes, jobs and the mix of uses, from floor areas a student can count."""

import math

import pytest

from game.core.indicators import Dwellings, Jobs, LandUseMix
from game.core.ops import Box, Building
from game.core.session import Session

USE_BLOCKS = [
    "housing",
    "office",
    "shop",
    "workshop",
    "school",
    "youth_club",
    "library",
    "health_centre",
]


def _session(level_factory, voxel_size_m=2.0):
    return Session(
        level_factory(
            shape=(12, 12, 12),
            zone=(slice(1, 11), slice(1, 11)),
            zone_top=12,
            voxel_size_m=voxel_size_m,
        )
    )


def _compute(cls, s):
    return cls.compute(s.grid, s.level, s.level.catalogue)


def test_three_hundred_square_metres_of_housing_give_four_homes(level_factory):
    s = _session(level_factory)  # 2 m voxels: a column is 4 m² per floor
    s.apply(Building(from_=(1, 1), to=(5, 5), floors=3, block="housing"))  # 25 × 3 × 4 = 300 m²
    assert _compute(Dwellings, s) == 4.0
    assert _compute(Jobs, s) == 0.0


def test_jobs_add_up_offices_at_25_shops_at_40_and_workshops_at_60_square_metres(level_factory):
    s = _session(level_factory)
    s.apply(Building(from_=(1, 1), to=(5, 5), floors=2, block="office"))  # 200 m² → 8
    s.apply(Building(from_=(6, 1), to=(10, 2), floors=1, block="shop"))  # 40 m² → 1
    s.apply(Building(from_=(6, 6), to=(10, 8), floors=1, block="workshop"))  # 60 m² → 1
    assert _compute(Jobs, s) == 10.0
    assert _compute(Dwellings, s) == 0.0


def test_a_shop_under_flats_shares_the_storeys_of_its_column(level_factory):
    s = _session(level_factory)
    # 5 × 5 columns, 2 shop voxels under 4 housing voxels: 12 m → 4 storeys, a third of them shops.
    s.apply(Box(from_=(1, 1, 1), to=(5, 5, 2), block="shop"))
    s.apply(Box(from_=(1, 1, 3), to=(5, 5, 6), block="housing"))
    housing_m2, shop_m2 = 25 * 4 * 4 * 4 / 6, 25 * 4 * 4 * 2 / 6
    assert _compute(Dwellings, s) == math.floor(housing_m2 / 75)
    assert _compute(Jobs, s) == math.floor(shop_m2 / 40)


def test_one_use_or_none_is_no_mix_at_all(level_factory):
    s = _session(level_factory)
    assert _compute(LandUseMix, s) == 0.0
    s.apply(Building(from_=(1, 1), to=(5, 5), floors=3, block="housing"))
    assert _compute(LandUseMix, s) == 0.0


def test_two_uses_of_equal_floor_area_give_a_third_of_the_eight_use_mix(level_factory):
    s = _session(level_factory)
    s.apply(Building(from_=(1, 1), to=(2, 2), floors=2, block="housing"))
    s.apply(Building(from_=(6, 6), to=(7, 7), floors=2, block="office"))
    assert _compute(LandUseMix, s) == pytest.approx(math.log(2) / math.log(8))


def test_all_eight_uses_in_equal_amounts_are_a_perfect_mix(level_factory):
    s = _session(level_factory, voxel_size_m=1.0)
    for i, key in enumerate(USE_BLOCKS):
        s.apply(Box(from_=(1 + i, 1, 1), to=(1 + i, 1, 3), block=key))  # one storey each
    assert _compute(LandUseMix, s) == pytest.approx(1.0)
