"""Per-column statistics that the cheap indicators are sums of, kept as 2D arrays.

Every cheap indicator (density, green, uses, cost) is a sum over columns of a value that
depends only on that column's voxels. So the engine keeps the (X, Y) arrays and their zone
sums, and after an edit recomputes only the columns inside the edit's bounding box and moves
the sums by the difference. The rules (one place for all of them):

- footprint: the column holds a `building` block at z >= 1 (roofs and facades included);
- floors: floor(n × voxel_size_m / storey_height_m), n = voxels at z >= 1 whose block has a
  `use` (roof, facade, solar and green roof blocks have none, so the roof on top of a house
  does not add a storey: 3 floors at 1 m voxels are 9 wall voxels + 1 roof = 3 floors);
- floor area by use: the column's floors × voxel area, shared among its uses in proportion
  to their voxel counts (a shop under flats gets its share of the storeys);
- surface: the topmost building block of the column if it has one (a green roof counts with
  its own values), else the ground layer (z = 0); free-standing things above the ground such
  as benches or seating do not change it, so a bench does not unseal a plaza;
- sealed: the surface's `sealed`; green: the surface's `green`, raised to the `green` of a
  non-building block above the ground layer if higher (a tree over a road or a car park
  counts as green for its column, as a street tree does in Berlin's Biotopflächenfaktor);
  a column of air has sealed 0 and green 0;
- cost: what `Session.cost_of` charges: blocks that differ from the level and are not air;
- height: one above the highest non-air voxel (0 for a column of air), for the sun's shadows;
- amenities: a bit per amenity kind the column holds at any height (`Tables.amenity_bit`), for
  the walks.

One pass for every indicator: a level is mostly air, so one `np.flatnonzero` over the non-air
mask of the layers above the ground (the only full passes, a tenth as long as one `np.bincount`
over the grid) finds the blocks above the ground, sorted column by column and bottom to top;
every statistic is a `bincount` or a last-of-each-column pick over those few voxels plus a
lookup of the ground layer. The walking and sunlight indicators read their columns from here
too, so `compute_all` reads the grid once.
"""

import numpy as np

from game.core.catalogue import Catalogue
from game.core.indicators.base import (
    EPS,
    USES,
    Cache,
    Indicator,
    Reading,
    Tables,
    shared,
    tables,
)
from game.core.level import Level

# Columns per slab in a full computation: bounds temporary memory on 512×512×128 levels.
_SLAB_VOXELS = 2_000_000


def _runs(col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the first and of the last entry of each run of equal values in the sorted `col`."""
    if not col.size:
        return col, col
    last = np.flatnonzero(np.append(col[1:] != col[:-1], True))
    return np.append(0, last[:-1] + 1), last


class ColumnStats:
    """The per-column arrays for the whole level and their sums over the editable zone."""

    def __init__(self, grid: np.ndarray, level: Level, catalogue: Catalogue | None = None) -> None:
        self.level = level
        self.tables: Tables = tables(catalogue or level.catalogue)
        X, Y, Z = grid.shape
        self.cell_m2 = level.doc.voxel_size_m**2
        self.zone = level.zone_columns
        self.footprint = np.zeros((X, Y), bool)
        self.floors = np.zeros((X, Y), np.int64)
        #: Floor area by use, one (X, Y) plane per entry of USES.
        self.use_area = np.zeros((len(USES), X, Y), np.float64)
        self.sealed = np.zeros((X, Y), np.float64)
        self.green = np.zeros((X, Y), np.float64)
        self.cost = np.zeros((X, Y), np.float64)
        self.height = np.zeros((X, Y), np.int64)
        self.amenities = np.zeros((X, Y), np.uint32)
        self.ground = np.zeros((X, Y), np.uint8)
        rows = max(1, _SLAB_VOXELS // max(1, Y * Z))
        for x0 in range(0, X, rows):
            self._fill(grid, x0, min(X, x0 + rows), 0, Y)
        zone = self.zone
        self.zone_columns = int(zone.sum())
        self.footprint_sum = int(self.footprint[zone].sum())
        self.floors_sum = int(self.floors[zone].sum())
        self.use_area_sum = self.use_area[:, zone].sum(axis=1)
        self.sealed_sum = float(self.sealed[zone].sum())
        self.green_sum = float(self.green[zone].sum())
        self.cost_sum = float(self.cost.sum())

    @classmethod
    def of(
        cls,
        grid: np.ndarray,
        level: Level,
        catalogue: Catalogue | None = None,
        cache: Cache | None = None,
    ) -> "ColumnStats":
        """The statistics of `grid`, shared through `cache` by indicators computed on the same grid."""
        return shared(cache, "columns", lambda: cls(grid, level, catalogue))

    def _fill(self, grid: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> None:
        """Recompute the columns [x0, x1) × [y0, y1) from `grid`'s solid voxels (see the module)."""
        t = self.tables
        doc = self.level.doc
        sub = grid[x0:x1, y0:y1, :]
        shape = sub.shape[:2]
        Z, n = sub.shape[2], shape[0] * shape[1]
        flat = sub.reshape(-1)  # a view for whole rows of the grid, a small copy for an edit's box
        ground = flat[::Z]
        # The blocks above the ground layer, sorted by column and bottom to top. numpy finds the
        # set entries of a bool mask far faster than the non-zero bytes of a uint8 array.
        above = flat != 0
        above[::Z] = False
        at = np.flatnonzero(above)
        col = at // Z
        ids = flat[at]
        first, last = _runs(col)
        tops = col[last]  # the columns with a block above the ground, once each
        height = (ground != 0).astype(np.int64)
        height[tops] = at[last] - tops * Z + 1
        amenities = t.amenity_bit[ground]
        if ids.size:
            amenities[tops] |= np.bitwise_or.reduceat(t.amenity_bit[ids], first)

        building = t.building[ids]
        b_ids, b_col = ids[building], col[building]
        top = _runs(b_col)[1]
        footprint = np.zeros(n, bool)
        footprint[b_col[top]] = True
        surface = ground.copy()
        surface[b_col[top]] = b_ids[top]

        # Voxel counts by use, over the columns that have a use (a city is mostly streets).
        use = t.use[ids]
        has_use = use >= 0
        u_col = col[has_use]
        u_first, u_last = _runs(u_col)
        next_column = np.zeros(u_col.size, np.intp)
        next_column[u_first[1:]] = 1
        counts = np.bincount(  # one row per column with a use, one entry per use
            np.cumsum(next_column) * len(USES) + use[has_use], minlength=u_first.size * len(USES)
        ).reshape(-1, len(USES))
        # Floors and each voxel's share of the floor area, per column with a use (the others
        # have none of either).
        with_use = u_col[u_last]
        n_use = u_last - u_first + 1
        use_floors = np.floor(n_use * doc.voxel_size_m / doc.storey_height_m + EPS)
        floors = np.zeros(n, np.int64)
        floors[with_use] = use_floors
        per_voxel = use_floors.astype(np.int64) * self.cell_m2 / n_use
        row, use_index = np.nonzero(counts)  # mostly one use per column
        area = np.zeros((len(USES), n))
        area[use_index, with_use[row]] = counts[row, use_index] * per_voxel[row]

        green = t.green[surface]
        leafy = t.leafy[ids]  # trees and beds: few
        np.maximum.at(green, col[leafy], t.green_object[ids[leafy]])

        # Paid voxels are solid and differ from the level: a gather at the solid voxels only,
        # added ground first and bottom to top, so every column's sum is the same to the bit.
        city = self.level.city[x0:x1, y0:y1, :].reshape(-1)
        ground_paid = (ground != 0) & (ground != city[::Z])
        cost = np.where(ground_paid, t.cost[ground], 0.0)
        paid = ids != city[at]
        np.add.at(cost, col[paid], t.cost[ids[paid]])

        box = (slice(x0, x1), slice(y0, y1))
        self.footprint[box] = footprint.reshape(shape)
        self.floors[box] = floors.reshape(shape)
        self.use_area[(slice(None), *box)] = area.reshape((len(USES), *shape))
        self.sealed[box] = t.sealed[surface].reshape(shape)
        self.green[box] = green.reshape(shape)
        self.cost[box] = cost.reshape(shape)
        self.height[box] = height.reshape(shape)
        self.amenities[box] = amenities.reshape(shape)
        self.ground[box] = ground.reshape(shape)

    def update(self, grid: np.ndarray, lo: tuple[int, ...], hi: tuple[int, ...]) -> None:
        """Recompute the columns of the inclusive box lo..hi (x, y of an edit) and move the sums."""
        x0, y0, x1, y1 = lo[0], lo[1], hi[0] + 1, hi[1] + 1
        if x1 <= x0 or y1 <= y0:
            return
        box = (slice(x0, x1), slice(y0, y1))
        zone = self.zone[box]
        old = (
            self.footprint[box][zone].sum(),
            self.floors[box][zone].sum(),
            self.use_area[(slice(None), *box)][:, zone].sum(axis=1),
            self.sealed[box][zone].sum(),
            self.green[box][zone].sum(),
            self.cost[box].sum(),
        )
        self._fill(grid, x0, x1, y0, y1)
        self.footprint_sum += int(self.footprint[box][zone].sum() - old[0])
        self.floors_sum += int(self.floors[box][zone].sum() - old[1])
        self.use_area_sum = self.use_area_sum + (
            self.use_area[(slice(None), *box)][:, zone].sum(axis=1) - old[2]
        )
        self.sealed_sum += float(self.sealed[box][zone].sum() - old[3])
        self.green_sum += float(self.green[box][zone].sum() - old[4])
        self.cost_sum += float(self.cost[box].sum() - old[5])

    def use_area_of(self, use: str) -> float:
        """Floor area (m²) of `use` in the zone."""
        return float(self.use_area_sum[USES.index(use)])

    def columns_with(self, amenity: str) -> np.ndarray:
        """(X, Y) bool: the columns holding a block that offers `amenity`, at any height."""
        with_it: np.ndarray = (self.amenities & self.tables.amenity_bit_of(amenity)) != 0
        return with_it

    def max_floors_in_zone(self) -> int:
        return int(self.floors[self.zone].max()) if self.zone_columns else 0


class ColumnIndicator(Indicator):
    """A cheap indicator read off the per-column statistics, so the engine can update it per edit."""

    @classmethod
    def evaluate(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> Reading:
        stats = ColumnStats.of(grid, level, catalogue, cache)
        return Reading(cls.from_stats(stats), cls.note_of(stats))

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        raise NotImplementedError

    @classmethod
    def note_of(cls, stats: ColumnStats) -> str | None:
        """A string-table key when the value alone would mislead (see `Reading`); mostly none."""
        return None
