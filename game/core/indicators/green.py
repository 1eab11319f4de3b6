"""How much ground lets rain soak in, and how green the zone is (after Berlin's Biotopflächenfaktor).

Both read the column's surface (see `columns.py`): the topmost building block, else the
ground layer. The green factor is Σ(area × green weight) / zone area with the catalogue's
`green` as the weight; a tree or flower bed above the ground raises its column's weight to
its own, so street trees on a car park count.
"""

from game.core.indicators.base import share
from game.core.indicators.columns import ColumnIndicator, ColumnStats


class SealedShare(ColumnIndicator):
    """Mean `sealed` share of the zone's column surfaces (0 = all open soil, 1 = all sealed)."""

    key = "sealed_share"
    icon = "☂"
    better = -1
    unit = "%"

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        return share(stats.sealed_sum, stats.zone_columns)


class GreenFactor(ColumnIndicator):
    """Σ(column area × green weight) / zone area, 0..1."""

    key = "green_factor"
    icon = "♣"

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        return share(stats.green_sum, stats.zone_columns)
