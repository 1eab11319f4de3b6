"""Indicators: numbers that say what a design does for the neighbourhood, one small class each.

`INDICATORS` is the one registry the HUD, the CLI (`design info --json`), the server and the
exports read; `Metrics` keeps them up to date while a student builds; `evaluate_goals` and
`stars` check the level's goals; `over_budget` lets the editor refuse an edit the budget
cannot pay for.
"""

from game.core.indicators.base import Indicator, Reading
from game.core.indicators.budget import (
    Budget,
    Cost,
    beyond_budget,
    over_budget,
    refuse_over_budget,
)
from game.core.indicators.density import FloorAreaRatio, SiteCoverage
from game.core.indicators.engine import Metrics, Snapshot, compute_all, measure
from game.core.indicators.goals import (
    MAX_STARS,
    GoalResult,
    check_goals,
    evaluate_goals,
    stars,
)
from game.core.indicators.green import GreenFactor, SealedShare
from game.core.indicators.registry import INDICATORS, by_key
from game.core.indicators.sunlight import SunHours, SunOnOpenSpace
from game.core.indicators.uses import Dwellings, Jobs, LandUseMix
from game.core.indicators.walking import (
    WalkToPark,
    WalkToPlayground,
    WalkToSchool,
    WalkToShop,
)

__all__ = [
    "INDICATORS",
    "MAX_STARS",
    "Budget",
    "Cost",
    "Dwellings",
    "FloorAreaRatio",
    "GoalResult",
    "GreenFactor",
    "Indicator",
    "Jobs",
    "LandUseMix",
    "Metrics",
    "Reading",
    "SealedShare",
    "SiteCoverage",
    "Snapshot",
    "SunHours",
    "SunOnOpenSpace",
    "WalkToPark",
    "WalkToPlayground",
    "WalkToSchool",
    "WalkToShop",
    "beyond_budget",
    "by_key",
    "check_goals",
    "compute_all",
    "evaluate_goals",
    "measure",
    "over_budget",
    "refuse_over_budget",
    "stars",
]
