"""The level's goals, checked against a design, and the stars they earn.

The rules, so that a student can check each one by counting:

- threshold: the indicator's value is at least `at_least` and at most `at_most` (whichever
  are given); an indicator not computed yet (an expensive one) is not met;
- count of a block: the number of zone columns holding that block at any height, so a tree
  two voxels tall is one tree and a row of three trees is three trees;
- count of an amenity: the number of separate groups (4-connected columns in the zone)
  holding a block with that amenity, so "2 playgrounds" means two playgrounds apart, not one
  big one; in both counts only the zone counts, as the goal is about what the students build;
- placement: some voxel of `block` in the zone lies within `within_m` metres of some voxel
  of `near` anywhere in the level, measured straight in the x/y plane between voxel centres;
  the value is the shortest such distance (None when either block is missing);
- limit: no column in the zone has more than `max_floors` floors (floors as in `columns.py`);
  the value is the highest number of floors in the zone.

Stars: none without met goals; 1 star when at least a third of the goals are met, 2 stars
at two thirds, 3 stars when all are met. A level without goals gives no stars.

`check_goals` refuses, when a level is loaded, a goal that names a block, an amenity or an
indicator Quartier does not know: it could never be met, and nobody would be told why.
"""

from dataclasses import dataclass

import numpy as np

from game.core.bilingual import Text
from game.core.errors import QuartierError
from game.core.indicators.base import EPS, tables
from game.core.indicators.columns import ColumnStats
from game.core.indicators.components import label_groups
from game.core.indicators.registry import INDICATORS
from game.core.level import CountGoal, Level, LimitGoal, PlacementGoal, ThresholdGoal

# Pairs of columns compared at once in a placement goal: bounds memory on large levels.
_PAIRS = 4_000_000


@dataclass(frozen=True)
class GoalResult:
    """One goal of the level and how the design does: `value` is what the rule measured."""

    id: str
    text: Text
    met: bool
    value: float | None


def _zone_box(level: Level) -> tuple[slice, slice]:
    xs, ys = np.nonzero(level.zone_columns)
    if not xs.size:
        return slice(0, 0), slice(0, 0)
    return slice(int(xs.min()), int(xs.max()) + 1), slice(int(ys.min()), int(ys.max()) + 1)


def _columns_with(
    grid: np.ndarray, table: np.ndarray, box: tuple[slice, slice] = (slice(None), slice(None))
) -> np.ndarray:
    """(x, y) bool over `box`: columns holding a block for which the (256,) `table` is True."""
    columns: np.ndarray = table[grid[box]].any(axis=2)
    return columns


def shortest_distance(a: np.ndarray, b: np.ndarray) -> float | None:
    """Smallest Euclidean distance (in cells) between the (n, 2) points `a` and the (m, 2) points `b`."""
    if not len(a) or not len(b):
        return None
    a, b = a.astype(np.float64), b.astype(np.float64)
    best = np.inf
    step = max(1, _PAIRS // len(b))
    for i in range(0, len(a), step):
        chunk = a[i : i + step]
        d2 = ((chunk[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
        best = min(best, float(d2.min()))
    return float(np.sqrt(best))


def _count(rule: CountGoal, grid: np.ndarray, level: Level) -> float:
    cat = level.catalogue
    box = _zone_box(level)
    zone = level.zone_columns[box]
    if rule.block is not None:
        table = np.zeros(256, bool)
        table[cat.id(rule.block)] = True
        return float((_columns_with(grid, table, box) & zone).sum())
    assert rule.amenity is not None  # see CountGoal._one_subject
    _, groups = label_groups(_columns_with(grid, tables(cat).amenity(rule.amenity), box) & zone)
    return float(groups)


def _placement(rule: PlacementGoal, grid: np.ndarray, level: Level) -> float | None:
    cat = level.catalogue
    ids = {key: np.zeros(256, bool) for key in (rule.block, rule.near)}
    for key, table in ids.items():
        table[cat.id(key)] = True
    mine = np.argwhere(_columns_with(grid, ids[rule.block]) & level.zone_columns)
    near = np.argwhere(_columns_with(grid, ids[rule.near]))
    if len(mine):
        # Only `near` columns that can possibly be in range matter.
        reach = rule.within_m / level.doc.voxel_size_m + 1
        lo, hi = mine.min(axis=0) - reach, mine.max(axis=0) + reach
        close = near[((near >= lo) & (near <= hi)).all(axis=1)]
        near = close if len(close) else near
    cells = shortest_distance(mine, near)
    return None if cells is None else cells * level.doc.voxel_size_m


_UNKNOWN = {
    "indicator": "error.goal_indicator",
    "amenity": "error.goal_amenity",
    "block": "error.goal_block",
}


def check_goals(level: Level, what: str = "level") -> None:
    """Refuse the first goal that names an unknown indicator, block or amenity."""
    known = {
        "indicator": [i.key for i in INDICATORS],
        "amenity": sorted({b.amenity for b in level.catalogue.blocks if b.amenity}),
        "block": [b.key for b in level.catalogue.blocks],
    }
    for goal in level.doc.goals:
        rule = goal.rule
        names: list[tuple[str, str | None]] = []
        if isinstance(rule, ThresholdGoal):
            names = [("indicator", rule.indicator)]
        elif isinstance(rule, CountGoal):
            names = [("block", rule.block)] if rule.amenity is None else [("amenity", rule.amenity)]
        elif isinstance(rule, PlacementGoal):
            names = [("block", rule.block), ("block", rule.near)]
        for kind, name in names:
            if name not in known[kind]:
                raise QuartierError(
                    _UNKNOWN[kind], what=what, goal=goal.id, name=name, known=", ".join(known[kind])
                )


def evaluate_goals(
    level: Level, grid: np.ndarray, values: dict[str, float], stats: ColumnStats | None = None
) -> list[GoalResult]:
    """Every goal of `level` for the design `grid`, given the indicator `values` computed so far."""
    results = []
    for goal in level.doc.goals:
        rule = goal.rule
        value: float | None
        if isinstance(rule, ThresholdGoal):
            value = values.get(rule.indicator)
            met = value is not None and (
                (rule.at_least is None or value >= rule.at_least - EPS)
                and (rule.at_most is None or value <= rule.at_most + EPS)
            )
        elif isinstance(rule, CountGoal):
            value = _count(rule, grid, level)
            met = value >= rule.at_least
        elif isinstance(rule, PlacementGoal):
            value = _placement(rule, grid, level)
            met = value is not None and value <= rule.within_m + EPS
        elif isinstance(rule, LimitGoal):
            stats = stats or ColumnStats(grid, level)
            value = float(stats.max_floors_in_zone())
            met = value <= rule.max_floors
        else:  # pragma: no cover - the level schema admits no other kind
            raise TypeError(f"unknown goal kind {rule!r}")
        results.append(GoalResult(goal.id, goal.text, bool(met), value))
    return results


MAX_STARS = 3


def stars(results: list[GoalResult]) -> int:
    """0–3 stars: a third of the goals met gives 1, two thirds 2, all of them 3."""
    total, met = len(results), sum(r.met for r in results)
    if not total or not met:
        return 0
    if met == total:
        return MAX_STARS
    return 2 if 3 * met >= 2 * total else 1 if 3 * met >= total else 0
