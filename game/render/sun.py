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
    """(X, Y): one above each column's highest block (0 for a column of air): where a walker's
    feet stand, and the top a shade is tested on."""
    solid = grid != 0
    top = grid.shape[2] - np.argmax(solid[:, :, ::-1], axis=2)
    return np.where(solid.any(axis=2), top, 0).astype(np.int64)


def shaded(
    grid: np.ndarray,
    catalogue: Catalogue,
    heights: np.ndarray,
    sun: np.ndarray,
    box: tuple[slice, slice],
) -> tuple[np.ndarray, np.ndarray]:
    """Bools over the columns `box`: whose top lies in the shadow of the city (`heights` from
    `column_tops`, of the whole grid: shadows come from beyond the box), and whose top can
    take a shadow at all.

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
    return result, receives


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
        self.receives = np.zeros(self.heights.shape, bool)
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
        self.shade[box], self.receives[box] = shaded(
            self.grid, self.catalogue, self.heights, self.sun, box
        )
        X, Y = self.heights.shape
        t = self.TILE
        # A cell's soft edge depends on its neighbours: their tiles are meshed again too.
        bx = range(max(0, (box[0].start or 0) - 1), min(X, (box[0].stop or X) + 1))
        by = range(max(0, (box[1].start or 0) - 1), min(Y, (box[1].stop or Y) + 1))
        if len(bx) and len(by):
            self.dirty |= {
                (i, j)
                for i in range(bx[0] // t, (bx[-1] // t) + 1)
                for j in range(by[0] // t, (by[-1] // t) + 1)
            }

    def meshes(self) -> dict[tuple[int, int], Mesh]:
        """The tiles changed since the last call, meshed."""
        t = self.TILE
        kind = self.kinds()
        # The edge half as dark as the shade: a soft edge, one cell wide.
        edge = tuple((c + 255) // 2 for c in self.color[:3]) + (255,)
        out = {}
        for i, j in sorted(self.dirty):
            box = (slice(i * t, (i + 1) * t), slice(j * t, (j + 1) * t))
            out[(i, j)] = shade_mesh(
                kind[box], self.heights[box], (self.color, edge), origin=(i * t, j * t)
            )
        self.dirty.clear()
        return out

    def kinds(self) -> np.ndarray:
        """(X, Y) uint8: 0 in the sun, 1 in the shade, 2 on the shade's edge (a shaded top
        beside a sunny one of the same height)."""
        sunny = np.pad(self.receives & ~self.shade, 1)
        h = np.pad(self.heights, 1, constant_values=-1)
        edge = np.zeros(self.shade.shape, bool)
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            near = (slice(1 + dx, h.shape[0] - 1 + dx), slice(1 + dy, h.shape[1] - 1 + dy))
            edge |= sunny[near] & (h[near] == self.heights)
        return np.where(self.shade, np.where(edge, 2, 1), 0).astype(np.uint8)


def shade_mesh(
    kind: np.ndarray, heights: np.ndarray, colors: tuple, origin: tuple[int, int] = (0, 0)
) -> Mesh:
    """The shaded cells (`kind` 1 or 2, drawn in `colors[kind - 1]`) as few quads just above
    their tops: runs along x within a row, then equal runs of consecutive rows merged into one
    rectangle."""
    # Runs along x: a run starts where the shade starts or its height or kind changes.
    s = (kind > 0).T  # (Y, X): rows of constant y
    key = (heights.astype(np.int64) * 4 + kind).T
    before = np.zeros_like(s)
    before[:, 1:] = s[:, :-1] & (key[:, 1:] == key[:, :-1])
    after = np.zeros_like(s)
    after[:, :-1] = s[:, 1:] & (key[:, 1:] == key[:, :-1])
    ys, x0 = np.nonzero(s & ~before)
    _, x1 = np.nonzero(s & ~after)  # same row-major order: the i-th start and end pair up
    hk = key[ys, x0]
    if not ys.size:
        return Mesh.empty()
    # Equal runs (x0, x1, height and kind) in consecutive rows become one rectangle.
    order = np.lexsort((ys, hk, x1, x0))
    ys, x0, x1, hk = ys[order], x0[order], x1[order], hk[order]
    same = np.zeros(ys.size, bool)
    same[1:] = (x0[1:] == x0[:-1]) & (x1[1:] == x1[:-1]) & (hk[1:] == hk[:-1])
    same[1:] &= ys[1:] == ys[:-1] + 1
    first = np.flatnonzero(~same)
    last = np.append(first[1:] - 1, ys.size - 1)
    ox, oy = origin
    ax0, ax1 = (x0[first] + ox).astype(np.float32), (x1[first] + ox + 1).astype(np.float32)
    ay0, ay1 = (ys[first] + oy).astype(np.float32), (ys[last] + oy + 1).astype(np.float32)
    z = (hk[first] // 4).astype(np.float32) + LIFT
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
    table = np.array([(0, 0, 0, 0), *colors], np.uint8)
    colors_ = np.repeat(table[hk[first] % 4], 4, axis=0)
    return Mesh(corners, normals, colors_, indices)
