"""The sun of the editor's view: the time of day, its light and sky, and the shadow it casts.

The sun stands where the sunlight indicator aims it (`game.core.indicators.solar`: the level's
latitude, the equinox), so the shadows a pupil sees are the ones the indicator counts. The
shadow is a heightfield shadow: each column's top (bare ground or a roof) is tested with the
indicator's own ray walk (`sunlight.lit`) against the column heights, and the cells in shade
become a few merged quads just above them, which the window multiplies into the picture. On
llvmpipe this costs the pixels of the shade only, not a shadow map per pixel.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np

from game.core.catalogue import Catalogue
from game.core.indicators.base import tables
from game.core.indicators.solar import latitude, sun_direction
from game.core.indicators.sunlight import lit
from game.core.level import Level
from game.core.mesh import Mesh

TimeOfDay = Literal["morning", "noon", "evening"]
TIMES: tuple[TimeOfDay, ...] = ("morning", "noon", "evening")

#: How high above a cell's top the shade lies, so it never fights with the face under it.
LIFT = 0.03


@dataclass(frozen=True)
class Daylight:
    """What a time of day looks like: solar hour (the indicator's equinox hours), the colour of
    the sunlight (multiplied into every lit face), the sky (top, horizon) and the shade."""

    hour: float
    light: tuple[float, float, float]
    sky_top: tuple[int, int, int, int]
    sky_horizon: tuple[int, int, int, int]
    shade: tuple[int, int, int, int]


DAYLIGHT: dict[TimeOfDay, Daylight] = {
    "morning": Daylight(
        8.5, (1.0, 0.94, 0.86), (98, 150, 212, 255), (236, 214, 196, 255), (165, 172, 205, 255)
    ),
    "noon": Daylight(
        12.0, (1.0, 1.0, 1.0), (92, 148, 214, 255), (206, 226, 240, 255), (168, 176, 200, 255)
    ),
    "evening": Daylight(
        16.5, (1.0, 0.86, 0.7), (84, 112, 178, 255), (246, 196, 150, 255), (160, 150, 190, 255)
    ),
}


def sun_of(level: Level, time: TimeOfDay) -> np.ndarray:
    """The unit vector towards the sun in grid axes, as the sunlight indicator aims it."""
    georef = level.doc.georeference
    rotation = georef.rotation_deg if georef else 0.0
    return sun_direction(DAYLIGHT[time].hour, latitude(georef), rotation)


def column_tops(grid: np.ndarray) -> np.ndarray:
    """(X, Y): one above each column's highest block (0 for a column of air)."""
    solid = grid != 0
    top = grid.shape[2] - np.argmax(solid[:, :, ::-1], axis=2)
    return np.where(solid.any(axis=2), top, 0).astype(np.int64)


def shaded(
    grid: np.ndarray,
    catalogue: Catalogue,
    heights: np.ndarray,
    sun: np.ndarray,
    box: tuple[slice, slice],
) -> np.ndarray:
    """Bool over the columns `box`: whose top lies in the shadow of the city (`heights` from
    `column_tops`, of the whole grid: shadows come from beyond the box).

    Only tops a shadow can lie on flat are asked: bare ground (nothing above the ground layer)
    and roofs (a building block on top). A tree or a bench casts shade but takes none, so no
    dark square floats at the height of a crown.
    """
    h = heights[box]
    x0, y0 = box[0].start or 0, box[1].start or 0
    cx, cy = np.indices(h.shape)
    top = grid[box][cx, cy, np.maximum(h - 1, 0)]
    receives = (h == 1) | ((h > 1) & tables(catalogue).building[top])
    result = np.zeros(h.shape, bool)
    for level in np.unique(h[receives]).tolist():
        xs, ys = np.nonzero(receives & (h == level))
        result[xs, ys] = ~lit(heights, xs + x0, ys + y0, sun, start=float(level))
    return result


class Shadow:
    """The shade of one grid under one sun, kept up to date after edits in tiles of `TILE`²
    columns: an edit recomputes only the columns its shadow can reach and re-meshes their tiles.
    """

    TILE = 64

    def __init__(
        self, grid: np.ndarray, catalogue: Catalogue, sun: np.ndarray, color: tuple
    ) -> None:
        self.grid = grid
        self.catalogue = catalogue
        self.sun = sun
        self.color = color
        self.heights = column_tops(grid)
        self.shade = np.zeros(self.heights.shape, bool)
        self.dirty: set[tuple[int, int]] = set()
        self.relight(sun, color)

    def relight(self, sun: np.ndarray, color: tuple) -> None:
        """Another time of day: every column again."""
        self.sun, self.color = sun, color
        self._recompute((slice(None), slice(None)))

    def edited(self, lo, hi) -> None:
        """Columns lo..hi (inclusive) changed: their tops, and the shade their shadow can reach."""
        box = (slice(lo[0], hi[0] + 1), slice(lo[1], hi[1] + 1))
        # Only these columns changed, so only a shadow as long as the taller of their old and
        # new tops can have come or gone.
        tallest = int(self.heights[box].max())
        self.heights[box] = column_tops(self.grid[box])
        tallest = max(tallest, int(self.heights[box].max()))
        X, Y = self.heights.shape
        sx, sy, sz = (float(v) for v in self.sun)
        horizontal = float(np.hypot(sx, sy))
        reach = 0.0
        if sz > 0 and horizontal > 1e-9:
            reach = min(max(tallest - 1, 0) * horizontal / sz + 1, float(X + Y))
        # Shadows fall away from the sun: the edited box, swept that far along -sun.
        dx, dy = (-sx / horizontal, -sy / horizontal) if horizontal > 1e-9 else (0.0, 0.0)
        xs = (lo[0], hi[0] + 1, lo[0] + dx * reach, hi[0] + 1 + dx * reach)
        ys = (lo[1], hi[1] + 1, lo[1] + dy * reach, hi[1] + 1 + dy * reach)
        region = (
            slice(max(0, int(np.floor(min(xs))) - 1), min(X, int(np.ceil(max(xs))) + 1)),
            slice(max(0, int(np.floor(min(ys))) - 1), min(Y, int(np.ceil(max(ys))) + 1)),
        )
        if sz <= 0:
            region = (slice(None), slice(None))
        self._recompute(region)

    def _recompute(self, box: tuple[slice, slice]) -> None:
        self.shade[box] = shaded(self.grid, self.catalogue, self.heights, self.sun, box)
        X, Y = self.heights.shape
        t = self.TILE
        bx = range(box[0].start or 0, box[0].stop or X)
        by = range(box[1].start or 0, box[1].stop or Y)
        if len(bx) and len(by):
            self.dirty |= {
                (i, j)
                for i in range(bx[0] // t, (bx[-1] // t) + 1)
                for j in range(by[0] // t, (by[-1] // t) + 1)
            }

    def meshes(self) -> dict[tuple[int, int], Mesh]:
        """The tiles changed since the last call, meshed."""
        t = self.TILE
        out = {}
        for i, j in sorted(self.dirty):
            box = (slice(i * t, (i + 1) * t), slice(j * t, (j + 1) * t))
            out[(i, j)] = shade_mesh(
                self.shade[box], self.heights[box], self.color, origin=(i * t, j * t)
            )
        self.dirty.clear()
        return out


def shade_mesh(
    shade: np.ndarray, heights: np.ndarray, color: tuple, origin: tuple[int, int] = (0, 0)
) -> Mesh:
    """The shaded cells as few quads just above their tops: runs along x within a row, then
    equal runs of consecutive rows merged into one rectangle."""
    # Runs along x: a run starts where the shade starts or the height changes.
    s = shade.T  # (Y, X): rows of constant y
    h = heights.T
    before = np.zeros_like(s)
    before[:, 1:] = s[:, :-1] & (h[:, 1:] == h[:, :-1])
    after = np.zeros_like(s)
    after[:, :-1] = s[:, 1:] & (h[:, 1:] == h[:, :-1])
    ys, x0 = np.nonzero(s & ~before)
    _, x1 = np.nonzero(s & ~after)  # same row-major order: the i-th start and end pair up
    hz = h[ys, x0]
    if not ys.size:
        return Mesh.empty()
    # Equal runs (x0, x1, height) in consecutive rows become one rectangle.
    order = np.lexsort((ys, hz, x1, x0))
    ys, x0, x1, hz = ys[order], x0[order], x1[order], hz[order]
    same = np.zeros(ys.size, bool)
    same[1:] = (x0[1:] == x0[:-1]) & (x1[1:] == x1[:-1]) & (hz[1:] == hz[:-1])
    same[1:] &= ys[1:] == ys[:-1] + 1
    first = np.flatnonzero(~same)
    last = np.append(first[1:] - 1, ys.size - 1)
    ox, oy = origin
    ax0, ax1 = (x0[first] + ox).astype(np.float32), (x1[first] + ox + 1).astype(np.float32)
    ay0, ay1 = (ys[first] + oy).astype(np.float32), (ys[last] + oy + 1).astype(np.float32)
    z = hz[first].astype(np.float32) + LIFT
    corners = np.stack(
        [
            np.stack([ax0, ay0, z], 1),
            np.stack([ax1, ay0, z], 1),
            np.stack([ax1, ay1, z], 1),
            np.stack([ax0, ay1, z], 1),
        ],
        axis=1,
    ).reshape(-1, 3)
    n = len(first)
    base = (np.arange(n, dtype=np.uint32) * 4)[:, None]
    indices = (base + np.array([0, 1, 2, 0, 2, 3], np.uint32)).ravel()
    normals = np.tile(np.array([[0, 0, 1]], np.int8), (4 * n, 1))
    colors = np.tile(np.array([color], np.uint8), (4 * n, 1))
    return Mesh(corners, normals, colors, indices)
