"""All indicators and goals on the bundled demo level: the car park in the middle of the quarter."""

import pytest

from game.core.catalogue import default_catalogue
from game.core.indicators import INDICATORS, Metrics, compute_all
from game.core.level import Level, parse_level
from game.core.ops import Box, Building, Place
from game.core.resources import data_dir
from game.core.session import Session


@pytest.fixture(scope="module")
def demo():
    path = data_dir("levels") / "demo.level.json"
    return Level(parse_level(path.read_text(encoding="utf-8")), default_catalogue())


def test_the_untouched_car_park_gives_plausible_numbers(demo):
    r = {k: reading.value for k, reading in compute_all(demo.city, demo).items()}
    assert r.keys() == {cls.key for cls in INDICATORS}
    # The zone is 32 × 32 columns; the old workshop covers 8 × 8 of them with 2 storeys.
    assert r["grz"] == pytest.approx(64 / 1024) and r["gfz"] == pytest.approx(128 / 1024)
    assert r["jobs"] == 8.0  # 64 × 2 × 4 m² = 512 m² of workshop at 60 m² per job
    assert r["dwellings"] == 0.0  # plenty of flats around, but none in the zone
    assert r["landuse_mix"] == 0.0
    assert 0.8 < r["sealed_share"] < 0.9 and 0.1 < r["green_factor"] < 0.2  # mostly car park
    assert all(
        0.0 <= r[k] <= 1.0
        for k in ("walk_playground", "walk_park", "walk_school", "walk_shop", "sun_open_space")
    )
    assert 0.0 < r["sun_hours"] <= 12.0
    assert r["cost"] == 0.0 and r["budget"] == 12_000_000


def test_without_homes_in_the_zone_the_walks_of_the_whole_quarter_are_shown_with_a_note(demo):
    readings = compute_all(demo.city, demo)
    assert readings["walk_school"].note == "indicator.note.level_homes"
    assert readings["walk_playground"].value > 0.5  # the park's playground is close to most flats


def test_a_design_that_meets_every_goal_of_the_demo_earns_three_stars(demo):
    session = Session(demo)
    metrics = Metrics(session)
    assert metrics.stars() == 0
    assert [g.met for g in metrics.goals()] == [False, False, False, False, True]
    for op in (
        Box(from_=(48, 48, 0), to=(79, 79, 0), block="grass"),
        Building(from_=(50, 52), to=(65, 66), floors=5, block="housing", roof="green_roof"),
        Box(from_=(68, 52, 0), to=(72, 56, 0), block="playground"),
        Place(at=(79, 60, 1), block="bench"),
    ):
        metrics.update(session.apply(op).change)
    goals = {g.id: g for g in metrics.goals()}
    assert all(g.met for g in goals.values()), goals
    assert goals["homes"].value == 64.0  # 240 columns × 5 storeys × 4 m² / 75 m²
    assert goals["bench-bus"].value == pytest.approx(16.0)
    assert metrics.stars() == 3
    metrics.compute_expensive()
    assert metrics.values["walk_playground"] == 1.0 and "walk_playground" not in metrics.notes
    assert metrics.values["cost"] == pytest.approx(session.cost) and session.cost < demo.doc.budget


def test_the_first_house_on_the_car_park_walks_from_the_nearest_footpath(demo):
    """The car park is not walkable: the house's door is on the nearest walkable cell."""
    session = Session(demo)
    session.apply(Building(from_=(60, 60), to=(63, 63), floors=3, block="housing", roof="roof"))
    readings = compute_all(session.grid, demo)
    assert readings["dwellings"].value > 0
    assert readings["walk_playground"].value == 1.0  # the park's playground is a few steps away
    assert readings["walk_park"].value == 1.0


def test_a_tower_one_block_wide_has_no_whole_flat_and_says_why(demo):
    """11 blocks of housing on one 2 m column: 7 floors × 4 m² = 28 m², not one 75 m² flat."""
    session = Session(demo)
    session.apply(Box(from_=(60, 60, 1), to=(60, 60, 11), block="housing"))
    assert compute_all(session.grid, demo)["dwellings"] == (
        0.0,
        "indicator.note.too_small_for_a_flat",
    )
    metrics = Metrics(session)
    assert metrics.notes["dwellings"] == "indicator.note.too_small_for_a_flat"
    session.apply(Box(from_=(60, 60, 1), to=(62, 62, 11), block="housing"))
    assert compute_all(session.grid, demo)["dwellings"] == (3.0, None)
