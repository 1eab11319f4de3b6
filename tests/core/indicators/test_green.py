"""Sealed share and green factor read each column's surface; trees count as green over any ground."""

import numpy as np
import pytest

from game.core.indicators import GreenFactor, SealedShare
from game.core.ops import Box, Building, Place
from game.core.session import Session


def _values(session):
    level = session.level
    return (
        SealedShare.compute(session.grid, level, level.catalogue),
        GreenFactor.compute(session.grid, level, level.catalogue),
    )


def _level(level_factory, catalogue, ground="grass"):
    city = np.zeros((12, 12, 12), np.uint8)
    city[:, :, 0] = catalogue.id(ground)
    return level_factory(
        shape=(12, 12, 12), zone=(slice(1, 11), slice(1, 11)), zone_top=12, city=city
    )


def test_a_zone_of_lawn_is_unsealed_and_all_green(level_factory, catalogue):
    assert _values(Session(_level(level_factory, catalogue))) == (0.0, 1.0)


def test_a_zone_paved_everywhere_is_fully_sealed_and_not_green(level_factory, catalogue):
    assert _values(Session(_level(level_factory, catalogue, ground="road"))) == (1.0, 0.0)


def test_a_house_seals_its_footprint_and_a_green_roof_counts_with_its_own_values(
    level_factory, catalogue
):
    s = Session(_level(level_factory, catalogue))
    s.apply(Building(from_=(1, 1), to=(5, 4), floors=2, block="housing"))  # 20 columns, plain roof
    assert _values(s) == pytest.approx((0.2, 0.8))
    s.apply(Building(from_=(1, 1), to=(5, 4), floors=2, block="housing", roof="green_roof"))
    assert _values(s) == pytest.approx((0.0, 0.8 + 0.2 * 0.7))


def test_footpaths_count_with_their_share(level_factory, catalogue):
    s = Session(_level(level_factory, catalogue, ground="footpath"))
    assert _values(s) == pytest.approx((0.7, 0.3))


def test_a_tree_on_a_car_park_makes_its_column_green_but_the_ground_stays_sealed(
    level_factory, catalogue
):
    s = Session(_level(level_factory, catalogue, ground="parking"))
    s.apply(Box(from_=(2, 2, 1), to=(2, 2, 2), block="tree"))
    s.apply(Place(at=(3, 3, 1), block="tree"))
    assert _values(s) == pytest.approx((1.0, 2 / 100))


def test_a_bench_on_a_plaza_does_not_unseal_it(level_factory, catalogue):
    s = Session(_level(level_factory, catalogue, ground="plaza"))
    s.apply(Box(from_=(1, 1, 1), to=(10, 10, 1), block="bench"))
    assert _values(s) == (1.0, 0.0)


def test_digging_out_the_ground_leaves_neither_sealed_nor_green_ground(level_factory, catalogue):
    level = level_factory(shape=(12, 12, 12), zone=(slice(1, 11), slice(1, 11)), zone_top=12)
    s = Session(level)
    s.apply(Box(from_=(1, 1, 0), to=(10, 5, 0), block="air"))
    assert _values(s) == pytest.approx((0.0, 0.5))
