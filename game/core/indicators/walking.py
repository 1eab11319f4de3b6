"""Can people walk from their homes to a playground, a park, a school or a shop in 300 m?

The rule, for the whole level (amenities outside the zone count too):

- walkable cells: columns whose ground-layer block is `walkable` or a street (`ALONG_STREETS`:
  streets have pavements, and in a level imported from OpenStreetMap the pavement is part
  of the street, not a footpath of its own) and that hold no building (you cannot walk
  through a house standing on a lawn);
- amenity cells: columns holding any block whose `amenity` is the kind, at any height (a
  shop in a house is a shop: the import gives a building the use of a shop mapped inside it);
- the walk starts on the walkable cells that are amenity cells or touch one (4-neighbours)
  and spreads over walkable cells in 4-neighbour steps of `voxel_size_m`, at most 300 m;
- a building is a 4-connected group of footprint columns; its homes reach the amenity when
  a walkable cell touching the building was reached;
- a building with homes that touches no walkable cell (the first house in the middle of a car
  park) has its entrance on the nearest walkable cells: the ones first met when its ground
  grows in 4-neighbour steps over columns without a building, at most 300 m; otherwise
  its homes would count as reaching nothing although a playground is a few steps away;
- the value is the share of housing floor area (so bigger houses weigh more) in reached
  buildings. The homes in the zone are evaluated; if the zone has none yet, those of the
  whole level (note `indicator.note.level_homes`); with no homes at all the value is 0
  (note `indicator.note.no_homes`).

The breadth-first search runs as a frontier of flat indices over a padded 2D grid: one numpy
step per 300 m / voxel size ring, never one Python step per cell.
"""

import math

import numpy as np

from game.core.catalogue import Catalogue
from game.core.indicators.base import (
    EPS,
    USES,
    Cache,
    Indicator,
    Reading,
    dilate4,
    share,
    shared,
    tables,
)
from game.core.indicators.columns import ColumnStats
from game.core.indicators.components import label_groups
from game.core.level import Level

WALK_M = 300.0
ALONG_STREETS = ("road",)
"""Ground blocks people walk along on their pavements, though the block itself is not
`walkable` (a lawn or a square is; a car park or water is not): without them the walks of
Kaiserslautern's centre ended at the first street and no home reached a shop."""


def reach(walkable: np.ndarray, start: np.ndarray, steps: int) -> np.ndarray:
    """Cells of 2D `walkable` within `steps` 4-neighbour steps of `start` (start ∩ walkable) without leaving walkable."""
    X, Y = walkable.shape
    W = Y + 2
    # Walkable cells not reached yet; the frame (never walkable) stops the walk at the edges.
    free = np.zeros((X + 2, W), bool)
    free[1:-1, 1:-1] = walkable
    open_ = free.reshape(-1).copy()
    free = free.reshape(-1)
    # Which entry of the last step's new cells wrote each cell last: keeps one of its copies.
    stamp = np.zeros(free.size, np.int32)
    padded_start = np.zeros((X + 2, W), bool)
    padded_start[1:-1, 1:-1] = start & walkable
    frontier = np.flatnonzero(padded_start)
    free[frontier] = False
    moves = np.array([1, -1, W, -W])
    for _ in range(steps):
        if not frontier.size:
            break
        nxt = (frontier[:, None] + moves).reshape(-1)
        nxt = nxt[free[nxt]]
        free[nxt] = False
        # A cell reached from two sides is kept once (a stamp, not a sort as np.unique would).
        order = np.arange(nxt.size, dtype=np.int32)
        stamp[nxt] = order
        frontier = nxt[stamp[nxt] == order]
    reached: np.ndarray = (open_ & ~free).reshape(X + 2, W)[1:-1, 1:-1]
    return reached


class Homes:
    """Where people live and where they can walk: computed once per grid and shared by the walk indicators."""

    def __init__(
        self, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> None:
        t = tables(catalogue)
        stats = ColumnStats.of(grid, level, catalogue, cache)
        self.stats = stats
        along = [catalogue.id(key) for key in ALONG_STREETS if key in catalogue]
        self.walkable = (t.walkable[stats.ground] | np.isin(stats.ground, along)) & ~stats.footprint
        self.buildings, count = label_groups(stats.footprint)
        housing = stats.use_area[USES.index("housing")]
        self.note = None
        weight = np.where(level.zone_columns, housing, 0.0)
        if weight.sum() <= EPS:
            weight = housing
            self.note = "indicator.note.level_homes"
        if weight.sum() <= EPS:
            self.note = "indicator.note.no_homes"
        # Housing floor area per building (index 0: not a building).
        self.weight = np.bincount(
            self.buildings.reshape(-1), weights=weight.reshape(-1), minlength=count + 1
        )
        self.weight[0] = 0.0
        self.steps = math.floor(WALK_M / level.doc.voxel_size_m + EPS)
        self.entrances = self._entrances()

    def _entrances(self) -> tuple[np.ndarray, np.ndarray]:
        """(flat walkable cells, building labels): the nearest walkable cells of homes that touch none.

        All such buildings grow at once, one ring per step, each into the columns around it
        that no building stands on and no other growing building took first; a building stops
        growing in the step its ring first touches walkable cells, which become its entrances.
        As in `reach`, each step looks only at the newest ring (flat indices into a padded
        grid), so a big car park costs its ring sizes, not a whole-grid pass per step.
        """
        touching = np.zeros(self.weight.size, bool)
        touching[self.buildings[dilate4(self.walkable)]] = True
        looking = (self.weight > 0) & ~touching
        looking[0] = False
        empty = np.zeros(0, np.intp)
        if not looking.any() or not self.walkable.any():
            return empty, empty
        Y = self.walkable.shape[1]
        W = Y + 2
        walkable = np.pad(self.walkable, 1).reshape(-1)
        # Columns a ring may grow into: no building, not walkable (reaching one ends the search).
        free = np.pad(~self.stats.footprint & ~self.walkable, 1).reshape(-1)
        start = np.pad(np.where(looking[self.buildings], self.buildings, 0), 1).reshape(-1)
        ring = np.flatnonzero(start)
        owner = start[ring]
        stamp = np.zeros(free.size, np.int32)
        moves = np.array([1, -1, W, -W])
        cells, labels = [], []
        for _ in range(self.steps + 1):
            beside = (ring[:, None] + moves).reshape(-1)
            by = np.repeat(owner, moves.size)
            door = walkable[beside]
            cells.append(beside[door])
            labels.append(by[door])
            looking[by[door]] = False
            grow = looking[by] & free[beside]
            beside, by = beside[grow], by[grow]
            free[beside] = False
            # A column reached from two rings is kept once (the stamp, as in `reach`).
            order = np.arange(beside.size, dtype=np.int32)
            stamp[beside] = order
            kept = stamp[beside] == order
            ring, owner = beside[kept], by[kept]
            if not ring.size:
                break
        padded = np.concatenate(cells)
        flat = (padded // W - 1) * Y + padded % W - 1
        return flat.astype(np.intp), np.concatenate(labels).astype(np.intp)

    @classmethod
    def of(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> "Homes":
        return shared(cache, "homes", lambda: cls(grid, level, catalogue, cache))

    def share_reaching(self, amenity: str) -> float:
        """Share of home floor area whose building is within the walk of a column with an `amenity` block."""
        total = self.weight.sum()
        if total <= EPS:
            return 0.0
        at = self.stats.columns_with(amenity)
        reached = reach(self.walkable, dilate4(at), self.steps)
        # The buildings beside a reached cell, marked by label; their weights are summed in label
        # order without label 0 (no building), as over np.unique's sorted labels: the same sum.
        touched = np.zeros(self.weight.size, bool)
        touched[self.buildings[dilate4(reached)]] = True
        cells, labels = self.entrances
        touched[labels[reached.reshape(-1)[cells]]] = True
        touched[0] = False
        return min(1.0, share(self.weight[touched].sum(), total))


class WalkIndicator(Indicator):
    """Share of homes (by housing floor area) with a block of `amenity` within 300 m on foot."""

    amenity: str
    unit = "%"
    expensive = True

    @classmethod
    def evaluate(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> Reading:
        homes = Homes.of(grid, level, catalogue, cache)
        return Reading(homes.share_reaching(cls.amenity), homes.note)


class WalkToPlayground(WalkIndicator):
    key, amenity, icon = "walk_playground", "playground", "☺"


class WalkToPark(WalkIndicator):
    key, amenity, icon = "walk_park", "park", "✿"


class WalkToSchool(WalkIndicator):
    key, amenity, icon = "walk_school", "school", "✎"


class WalkToShop(WalkIndicator):
    key, amenity, icon = "walk_shop", "shop", "€"
