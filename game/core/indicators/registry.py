"""The one list of indicators, in the order front ends show them. A new indicator is one line here."""

from game.core.indicators.base import Indicator
from game.core.indicators.budget import Budget, Cost
from game.core.indicators.density import FloorAreaRatio, SiteCoverage
from game.core.indicators.green import GreenFactor, SealedShare
from game.core.indicators.sunlight import SunHours, SunOnOpenSpace
from game.core.indicators.uses import Dwellings, Jobs, LandUseMix
from game.core.indicators.walking import (
    WalkToPark,
    WalkToPlayground,
    WalkToSchool,
    WalkToShop,
)

INDICATORS: tuple[type[Indicator], ...] = (
    SiteCoverage,
    FloorAreaRatio,
    SealedShare,
    GreenFactor,
    LandUseMix,
    Dwellings,
    Jobs,
    WalkToPlayground,
    WalkToPark,
    WalkToSchool,
    WalkToShop,
    SunOnOpenSpace,
    SunHours,
    Cost,
    Budget,
)


def by_key(key: str) -> type[Indicator]:
    """The indicator class with `key`; KeyError for an unknown key."""
    for cls in INDICATORS:
        if cls.key == key:
            return cls
    raise KeyError(key)
