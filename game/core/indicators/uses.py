"""What the buildings hold: homes, jobs, and how mixed the uses are.

Assumptions (rules of thumb used in German planning, rounded so students can check them):
one dwelling per 75 m² of housing floor area (gross, incl. stairs and walls); one job per
25 m² of office, 40 m² of retail, 60 m² of industry/workshop and 50 m² of education,
community, culture or health floor area. Both are rounded down to whole homes and jobs.
Floor area comes from `columns.py` (storeys × voxel area, shared among a column's uses).
"""

import math

import numpy as np

from game.core.indicators.base import DWELLING_M2, EPS, JOB_M2, USES
from game.core.indicators.columns import ColumnIndicator, ColumnStats


class LandUseMix(ColumnIndicator):
    """Shannon entropy of floor area by use, divided by ln(number of uses in the catalogue).

    0 when the zone has one use or none, 1 when every use the catalogue offers has the same floor area.
    """

    key = "landuse_mix"
    icon = "◑"

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        present = stats.tables.uses_present
        if len(present) < 2:
            return 0.0
        area = np.clip(stats.use_area_sum[list(present)], 0.0, None)
        total = area.sum()
        if total <= EPS * stats.cell_m2:
            return 0.0
        p = area[area > EPS * total] / total
        return float(min(1.0, max(0.0, -(p * np.log(p)).sum() / math.log(len(present)))))


class Dwellings(ColumnIndicator):
    """Housing floor area in the zone / 75 m², rounded down."""

    key = "dwellings"
    icon = "⌂"
    decimals = 0

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        return float(math.floor(stats.use_area_of("housing") / DWELLING_M2 + EPS))

    @classmethod
    def note_of(cls, stats: ColumnStats) -> str | None:
        """Homes built but no flat counted: a tower one block wide (4 m² a floor at 2 m
        voxels) never adds up to one 75 m² flat, which looks like a bug without a word."""
        housing = stats.use_area_of("housing")
        return (
            "indicator.note.too_small_for_a_flat"
            if housing > EPS and not cls.from_stats(stats)
            else None
        )


class Jobs(ColumnIndicator):
    """Σ floor area of each working use / its m² per job (see the module docstring), rounded down."""

    key = "jobs"
    icon = "⚒"
    decimals = 0

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        jobs = sum(stats.use_area_sum[USES.index(use)] / m2 for use, m2 in JOB_M2.items())
        return float(math.floor(jobs + EPS))
