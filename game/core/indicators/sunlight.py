"""Is the open space sunny? Shadows of the whole level on the zone's squares, paths and lawns.

Open space: zone columns without a building whose ground block is `walkable` or whose
column counts as green (see `columns.py`). Each such cell is tested at the centre of the top
of its ground voxel (height 1 voxel) on the equinox (21 March), the sun aimed by the level's
latitude (`solar.py`). The test walks the ray towards the sun cell by cell through the
height map (top of the highest block of each column: trees and benches cast shadows too,
overhangs count as solid down to the ground), exactly like a 2D DDA: at each cell the ray
enters, it is in shadow if that column is higher than the ray there. The cell's own column
is skipped, so a bench does not shade the square it stands on. All open-space cells walk
together, up to 64 cells of their rays per numpy step; the heights come from the column
statistics (`columns.py`), so the grid is not read again.

`sun_open_space`: share of open-space cells in sun at solar noon. `sun_hours`: mean over
those cells of the daylight hours in sun, sampled at the middle of every hour from 6 to 18
solar time (12 samples, each worth one hour, so an open field gets 12 h).
"""

import math

import numpy as np

from game.core.catalogue import Catalogue
from game.core.indicators.base import EPS, Cache, Indicator, Reading, shared, tables
from game.core.indicators.columns import ColumnStats
from game.core.indicators.solar import SUN_HOURS, latitude, sun_direction
from game.core.level import Level

# Most steps of the shadow walk taken at once, and most ray cells looked at in one of them.
_CHUNK = 64
_CHUNK_CELLS = 1 << 20


def _ray_cells(dx: float, dy: float, max_t: float) -> list[tuple[int, int, float]]:
    """Cells (offset from the start cell) a ray from a cell centre along (dx, dy) enters, with the distance on entry."""
    cells: list[tuple[int, int, float]] = []
    sx, sy = (1 if dx > 0 else -1), (1 if dy > 0 else -1)
    ax, ay = abs(dx), abs(dy)
    delta_x = 1 / ax if ax > EPS else math.inf
    delta_y = 1 / ay if ay > EPS else math.inf
    next_x, next_y = delta_x / 2, delta_y / 2
    i = j = 0
    while True:
        if next_x <= next_y:
            i, t = i + sx, next_x
            next_x += delta_x
        else:
            j, t = j + sy, next_y
            next_y += delta_y
        if t > max_t:
            return cells
        cells.append((i, j, t))


def lit(
    heights: np.ndarray, xs: np.ndarray, ys: np.ndarray, sun: np.ndarray, start: float = 1.0
) -> np.ndarray:
    """Which of the cells (xs, ys) see the sun along `sun` (unit vector, grid axes) from height `start` (voxels)."""
    result = np.zeros(xs.shape, bool)
    horizontal = math.hypot(sun[0], sun[1])
    if sun[2] <= EPS:
        return result  # below the horizon
    result[:] = True
    if horizontal <= EPS or heights.size == 0:
        return result  # overhead sun: nothing stands higher than the ray
    slope = sun[2] / horizontal
    X, Y = heights.shape
    max_t = min((int(heights.max()) - start) / slope, math.hypot(X, Y) + 1)
    cells = _ray_cells(sun[0] / horizontal, sun[1] / horizontal, max_t)
    if not cells:
        return result
    di, dj, _ = (np.array(c) for c in zip(*cells))
    # Steps each ray takes inside the level: the offsets only grow away from the start, so
    # the first step outside is a binary search on each axis.
    inside = np.minimum(_steps_inside(di, xs, X), _steps_inside(dj, ys, Y))
    # The height map in a frame of -1 (lower than any ray), `_CHUNK` cells wide, so that the
    # steps of a chunk beyond the level's edge still read a cell. Flat indices make `k` steps
    # of all live rays one gather and one comparison.
    W = Y + 2 * _CHUNK
    framed = np.full((X + 2 * _CHUNK, W), -1, np.int16)  # heights are at most 128
    framed[_CHUNK:-_CHUNK, _CHUNK:-_CHUNK] = heights
    framed = framed.reshape(-1)
    offsets = (di * W + dj).astype(np.int32)  # the framed map has under 2**31 cells
    # Heights are whole voxels, so "higher than the ray" is "higher than its floor".
    ceilings = np.array([math.floor(start + t * slope + EPS) for _, _, t in cells], np.int16)
    active = np.flatnonzero(inside > 0)
    at = ((xs[active] + _CHUNK) * W + ys[active] + _CHUNK).astype(np.int32)
    step, k = 0, 4  # short chunks first: in a city most rays stop within a few cells
    while active.size and step < len(cells):
        k = min(2 * k, _CHUNK, max(4, _CHUNK_CELLS // active.size))
        # One row per step, so that "blocked anywhere" is a reduction down the short axis.
        h = np.take(framed, offsets[step : step + k, None] + at[None, :])
        blocked = np.logical_or.reduce(h > ceilings[step : step + k, None], axis=0)
        result[active[blocked]] = False
        step += k
        keep = ~blocked & (inside[active] > step)
        active, at = active[keep], at[keep]
    return result


def _steps_inside(offset: np.ndarray, start: np.ndarray, size: int) -> np.ndarray:
    """How many of the ray's monotonic `offset`s (one axis) keep each `start` within 0..size-1."""
    if offset[-1] >= 0:
        return np.searchsorted(offset, size - start, side="left")
    return np.searchsorted(-offset, start + 1, side="left")


class Sunlight:
    """Open-space cells, the height map and the sun's aim for one grid; shared by both sun indicators."""

    def __init__(
        self, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> None:
        t = tables(catalogue)
        stats = ColumnStats.of(grid, level, catalogue, cache)
        open_space = (
            level.zone_columns & ~stats.footprint & (t.walkable[stats.ground] | (stats.green > 0))
        )
        self.xs, self.ys = np.nonzero(open_space)
        self.heights = stats.height
        georef = level.doc.georeference
        self.latitude = latitude(georef)
        self.rotation = georef.rotation_deg if georef else 0.0
        self.note = None if self.xs.size else "indicator.note.no_open_space"

    @classmethod
    def of(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> "Sunlight":
        return shared(cache, "sunlight", lambda: cls(grid, level, catalogue, cache))

    def lit_at(self, solar_hour: float) -> np.ndarray:
        return lit(
            self.heights, self.xs, self.ys, sun_direction(solar_hour, self.latitude, self.rotation)
        )


class SunOnOpenSpace(Indicator):
    """Share of the zone's open space in sun at solar noon on the equinox."""

    key = "sun_open_space"
    icon = "☼"
    unit = "%"
    expensive = True

    @classmethod
    def evaluate(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> Reading:
        sun = Sunlight.of(grid, level, catalogue, cache)
        if not sun.xs.size:
            return Reading(0.0, sun.note)
        return Reading(float(sun.lit_at(12.0).mean()))


class SunHours(Indicator):
    """Mean hours of sun of the zone's open space over the equinox day."""

    key = "sun_hours"
    icon = "☀"
    unit = "h"
    expensive = True
    decimals = 1

    @classmethod
    def evaluate(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> Reading:
        sun = Sunlight.of(grid, level, catalogue, cache)
        if not sun.xs.size:
            return Reading(0.0, sun.note)
        hours = sum(sun.lit_at(h).astype(np.int64) for h in SUN_HOURS)
        return Reading(float(np.mean(hours)))
