"""Goals of a level checked on a design, and the stars they earn."""

import numpy as np
import pytest

from game.core.bilingual import Text
from game.core.indicators import evaluate_goals, stars
from game.core.indicators.goals import GoalResult
from game.core.ops import Box, Building
from game.core.session import Session


def _goal(goal_id, rule):
    return {"id": goal_id, "text": {"de": goal_id, "en": goal_id}, "rule": rule}


def _level(level_factory, catalogue, goals):
    city = np.zeros((20, 20, 12), np.uint8)
    city[:, :, 0] = catalogue.id("grass")
    city[19, 10, 0:2] = catalogue.id("bus_stop")  # outside the zone, at the east edge
    city[0, 0, 1:3] = catalogue.id("tree")  # outside the zone: never counts
    return level_factory(
        shape=city.shape, zone=(slice(2, 18), slice(2, 18)), zone_top=12, city=city, goals=goals
    )


def _results(session):
    values = {"green_factor": 0.5}
    return {r.id: r for r in evaluate_goals(session.level, session.grid, values)}


def test_a_tree_two_voxels_tall_is_one_tree_and_a_row_of_three_is_three(level_factory, catalogue):
    s = Session(
        _level(
            level_factory,
            catalogue,
            [_goal("trees", {"kind": "count", "block": "tree", "at_least": 3})],
        )
    )
    s.apply(Box(from_=(4, 4, 1), to=(4, 4, 2), block="tree"))
    assert _results(s)["trees"] == GoalResult("trees", Text(de="trees", en="trees"), False, 1.0)
    s.apply(Box(from_=(6, 4, 1), to=(8, 4, 1), block="tree"))
    assert _results(s)["trees"].met and _results(s)["trees"].value == 4.0


def test_two_playgrounds_must_be_two_separate_playgrounds(level_factory, catalogue):
    s = Session(
        _level(
            level_factory,
            catalogue,
            [_goal("play", {"kind": "count", "amenity": "playground", "at_least": 2})],
        )
    )
    s.apply(Box(from_=(3, 3, 0), to=(8, 6, 0), block="playground"))
    s.apply(Box(from_=(9, 3, 0), to=(10, 3, 0), block="playground"))  # touches the first one
    assert not _results(s)["play"].met and _results(s)["play"].value == 1.0
    s.apply(Box(from_=(14, 14, 0), to=(15, 15, 0), block="playground"))
    assert _results(s)["play"].met and _results(s)["play"].value == 2.0


def test_a_bench_counts_as_near_the_bus_stop_within_the_distance_between_centres(
    level_factory, catalogue
):
    goal = _goal(
        "bench", {"kind": "placement", "block": "bench", "near": "bus_stop", "within_m": 3}
    )
    s = Session(_level(level_factory, catalogue, [goal]))
    assert _results(s)["bench"].value is None and not _results(s)["bench"].met
    s.apply(Box(from_=(15, 12, 1), to=(15, 12, 1), block="bench"))  # dx 4, dy 2: 4.47 m
    assert _results(s)["bench"].value == pytest.approx(20**0.5) and not _results(s)["bench"].met
    s.apply(Box(from_=(17, 11, 1), to=(17, 11, 1), block="bench"))  # dx 2, dy 1: 2.24 m
    assert _results(s)["bench"].met and _results(s)["bench"].value == pytest.approx(5**0.5)


def test_no_building_may_be_taller_than_the_limit(level_factory, catalogue):
    s = Session(
        _level(level_factory, catalogue, [_goal("height", {"kind": "limit", "max_floors": 2})])
    )
    s.apply(Building(from_=(3, 3), to=(5, 5), floors=2, block="housing"))
    assert _results(s)["height"].met and _results(s)["height"].value == 2.0
    s.apply(Building(from_=(8, 8), to=(8, 8), floors=3, block="office"))
    assert not _results(s)["height"].met and _results(s)["height"].value == 3.0


def test_thresholds_need_the_value_in_range_and_an_uncomputed_indicator_is_not_met(
    level_factory, catalogue
):
    goals = [
        _goal(
            "green",
            {"kind": "threshold", "indicator": "green_factor", "at_least": 0.4, "at_most": 0.5},
        ),
        _goal("greener", {"kind": "threshold", "indicator": "green_factor", "at_least": 0.6}),
        _goal("sun", {"kind": "threshold", "indicator": "sun_hours", "at_least": 4}),
    ]
    s = Session(_level(level_factory, catalogue, goals))
    results = _results(s)
    assert results["green"].met and not results["greener"].met
    assert not results["sun"].met and results["sun"].value is None


def _with(met: list[bool]) -> list[GoalResult]:
    return [GoalResult(str(i), Text(de="", en=""), m, None) for i, m in enumerate(met)]


@pytest.mark.parametrize(
    "met, expected",
    [
        ([], 0),
        ([False, False, False], 0),
        ([True, False, False], 1),
        ([True, False, False, False], 0),
        ([True, True, False], 2),
        ([True, True, False, False], 1),
        ([True, True, True, True, False], 2),
        ([True, True, True], 3),
    ],
)
def test_stars_come_in_thirds_of_the_goals_met(met, expected):
    assert stars(_with(met)) == expected
