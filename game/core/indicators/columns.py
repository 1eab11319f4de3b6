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
- cost: what `Session.cost_of` charges: blocks that differ from the level and are not air.
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
        self.use_area = np.zeros((X, Y, len(USES)), np.float64)
        self.sealed = np.zeros((X, Y), np.float64)
        self.green = np.zeros((X, Y), np.float64)
        self.cost = np.zeros((X, Y), np.float64)
        rows = max(1, _SLAB_VOXELS // max(1, Y * Z))
        for x0 in range(0, X, rows):
            self._fill(grid, x0, min(X, x0 + rows), 0, Y)
        zone = self.zone
        self.zone_columns = int(zone.sum())
        self.footprint_sum = int(self.footprint[zone].sum())
        self.floors_sum = int(self.floors[zone].sum())
        self.use_area_sum = self.use_area[zone].sum(axis=0)
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
        """Recompute the columns [x0, x1) × [y0, y1) from `grid`."""
        t = self.tables
        doc = self.level.doc
        sub = grid[x0:x1, y0:y1, :]
        city = self.level.city[x0:x1, y0:y1, :]
        # Only the layers up to the highest block matter; most of a city's volume is sky.
        layers = np.flatnonzero(sub.any(axis=(0, 1)))
        height = int(layers[-1]) + 1 if layers.size else 1
        above = sub[:, :, 1:height]
        building = t.building[above]
        footprint = building.any(axis=2)
        use = t.use[above]
        n_use = (use >= 0).sum(axis=2)
        floors = np.floor(n_use * doc.voxel_size_m / doc.storey_height_m + EPS).astype(np.int64)
        area = np.zeros(sub.shape[:2] + (len(USES),))
        with np.errstate(invalid="ignore", divide="ignore"):
            per_voxel = np.where(n_use > 0, floors * self.cell_m2 / n_use, 0.0)
        for u in t.uses_present:
            area[:, :, u] = (use == u).sum(axis=2) * per_voxel
        # Topmost building voxel: the last True along z, found on the reversed axis.
        top = (
            above.shape[2] - 1 - np.argmax(building[:, :, ::-1], axis=2) if above.shape[2] else None
        )
        surface = sub[:, :, 0].copy()
        if top is not None:
            roof = np.take_along_axis(above, top[:, :, None], axis=2)[:, :, 0]
            surface[footprint] = roof[footprint]
        green = t.green[surface]
        if above.shape[2]:
            green = np.maximum(green, t.green_object[above].max(axis=2))
        # Paid voxels are few (what the design added), so sum their prices sparsely per column.
        paid = np.flatnonzero((sub != city) & (sub != 0))
        price = t.cost[sub[np.unravel_index(paid, sub.shape)]]
        cost = np.bincount(paid // sub.shape[2], weights=price, minlength=footprint.size)
        self.footprint[x0:x1, y0:y1] = footprint
        self.floors[x0:x1, y0:y1] = floors
        self.use_area[x0:x1, y0:y1] = area
        self.sealed[x0:x1, y0:y1] = t.sealed[surface]
        self.green[x0:x1, y0:y1] = green
        self.cost[x0:x1, y0:y1] = cost.reshape(footprint.shape)

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
            self.use_area[box][zone].sum(axis=0),
            self.sealed[box][zone].sum(),
            self.green[box][zone].sum(),
            self.cost[box].sum(),
        )
        self._fill(grid, x0, x1, y0, y1)
        self.footprint_sum += int(self.footprint[box][zone].sum() - old[0])
        self.floors_sum += int(self.floors[box][zone].sum() - old[1])
        self.use_area_sum = self.use_area_sum + (self.use_area[box][zone].sum(axis=0) - old[2])
        self.sealed_sum += float(self.sealed[box][zone].sum() - old[3])
        self.green_sum += float(self.green[box][zone].sum() - old[4])
        self.cost_sum += float(self.cost[box].sum() - old[5])

    def use_area_of(self, use: str) -> float:
        """Floor area (m²) of `use` in the zone."""
        return float(self.use_area_sum[USES.index(use)])

    def max_floors_in_zone(self) -> int:
        return int(self.floors[self.zone].max()) if self.zone_columns else 0


class ColumnIndicator(Indicator):
    """A cheap indicator read off the per-column statistics, so the engine can update it per edit."""

    @classmethod
    def evaluate(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> Reading:
        return Reading(cls.from_stats(ColumnStats.of(grid, level, catalogue, cache)))

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        raise NotImplementedError
