"""The server's pictures framed on a design's change: the editable zone close up, with a faded
margin of the city around it, and the voxels the design changed outlined.

Why a picture of its own: the whole-level miniature (`snapshot.render`) shows the Berlin level's
60 × 60 zone as a patch of a few pixels, so three designs of one level look alike on a phone.
Here the frame is the zone's box (plus `CONTEXT` voxels of city on every side), the same for
every design of a level and for the untouched level ("before"), so before and after can be laid
side by side and differ only where the design changed:

- the box reaches up to the zone's top, the highest a design may build, whatever is built;
- faces are shaded flat by the editor's sun, without the ambient occlusion of the whole-level
  picture: a new block darkens its neighbours' corners there, which would change pixels
  outside the block;
- the city outside the zone is faded towards white, as the editor shows it; in front of the
  zone (south and west, towards the viewer) it is cut down to `FRONT_CUT` voxels, so no
  building outside the zone hides the zone;
- what is seen of the changed voxels (and the cubes of those taken away) gets a `MARK` rim
  around it, outside, so their colours stay as they are; a single block is then at least
  4 × 4 pixels on the gallery's 400-pixel card.

Drawing only the box is also what makes it cheap: on Berlin 70 × 70 of the level's 426 × 438
columns, up to the zone's top (`benchmarks/pictures.py`).
"""

from dataclasses import dataclass

import numpy as np

from game.render import snapshot
from game.render.detail import Detail
from game.render.raster import paint, segments_as_polygons
from game.render.snapshot import HIGHLIGHT, Size

CONTEXT = 5
"""Voxels of city shown around the zone's box on every side."""
FRONT_CUT = 2
"""Height in voxels the city in front of the zone is cut down to."""
FADE = 0.55
"""How far the city outside the zone is blended towards `FADED`."""
FADED = np.array([250, 250, 248])
MARK = (214, 20, 130)
"""The rim around changed voxels: magenta, apart from the yellow zone outline and from every
block colour of the catalogue."""
MARK_PX = 3
"""Rim width in pixels at 800 × 600 (1.5 at the gallery's 400 pixels); smaller pictures get a
narrower one, down to one pixel."""
PAD = 8
"""Pixels between the framed box and the picture's edge."""


@dataclass(frozen=True)
class Frame:
    """The voxel box a framed picture shows and where it lands on the picture.

    `low`/`high` are the box's voxel corners (x, y, z); `scale` and `offset` turn voxel-space
    points into pixels, as `project` does. Worked out from the level alone, so every design of
    a level gets the same frame."""

    low: tuple[int, int, int]
    high: tuple[int, int, int]
    scale: float
    offset: np.ndarray

    def project(self, points: np.ndarray) -> np.ndarray:
        """Voxel-space points (..., 3) of the level to pixel positions (..., 2)."""
        return snapshot.project(np.asarray(points, np.float64) - self.low, self.scale, self.offset)


def zone_frame(
    shape: tuple[int, ...], zone_columns: np.ndarray, zone_top: int, size: Size
) -> Frame:
    """The frame of a level's zone (an (X, Y) column mask, builds up to `zone_top`) at `size`."""
    columns = np.argwhere(zone_columns)
    if not len(columns):
        raise ValueError("the level has no editable zone to frame")
    X, Y, Z = shape
    low = np.maximum(columns.min(axis=0) - CONTEXT, 0)
    high = np.minimum(columns.max(axis=0) + 1 + CONTEXT, [X, Y])
    box = (int(low[0]), int(low[1]), 0), (int(high[0]), int(high[1]), int(min(max(zone_top, 1), Z)))
    extent = tuple(h - lo for lo, h in zip(*box))
    scale, offset = snapshot.fit(extent, size[0], size[1], PAD)
    return Frame(box[0], box[1], scale, offset)


def render_zone(
    grid: np.ndarray,
    colors: np.ndarray,
    zone_columns: np.ndarray,
    zone_top: int,
    size: Size = (800, 600),
    changed: np.ndarray | None = None,
    outline_grid: np.ndarray | None = None,
    detail: Detail | None = None,
) -> np.ndarray:
    """The zone of `grid` close up, as an (H, W, 3) uint8 RGB array.

    `changed` is an optional (X, Y, Z) bool mask of the voxels a design changed: what is seen
    of them, and the cubes of those taken away, get a `MARK` rim around them. `outline_grid`
    (the untouched level) decides where the zone's yellow outline lies, so it lies at the same
    place before and after; without it, `grid`. With `detail` (of the level's catalogue) the
    picture draws the generated detail (`snapshot.Decor`): props inside their voxels, windows
    and roof edges where a window is at least `snapshot.FACADE_PX` wide, road markings.
    """
    width, height = snapshot.check(grid, colors, "iso", size, zone_columns)
    frame = zone_frame(grid.shape, zone_columns, zone_top, (width, height))
    (x0, y0, _), (x1, y1, z1) = frame.low, frame.high
    part = grid[x0:x1, y0:y1, :z1]
    zone = np.asarray(zone_columns, bool)[x0:x1, y0:y1]
    inside = (
        np.zeros(part.shape, bool)
        if changed is None
        else np.asarray(changed, bool)[x0:x1, y0:y1, :z1]
    )
    part = _cut_front(part, zone, zone_columns, (x0, y0))
    ids, table, first_marked = _variants(part, zone, inside & (part != 0), colors)
    decor = None
    if detail is not None:

        def recolour(rgb: np.ndarray, voxels: np.ndarray) -> np.ndarray:
            """Detail's own colours faded outside the zone, as its blocks are (`_variants`)."""
            out = ~zone[voxels[:, 0], voxels[:, 1]]
            return np.where(out[:, None], np.rint(faded_colour(rgb)), rgb).astype(rgb.dtype)

        decor = snapshot.Decor(detail, part, frame.scale, recolour)
    corners, rgb, key, block, order = snapshot.iso_polygons(ids, table, flat=True, decor=decor)
    picture = snapshot.sky(width, height)
    relief = part if outline_grid is None else np.asarray(outline_grid)[x0:x1, y0:y1, :z1]
    lines, line_keys = snapshot.iso_outline(relief, zone)
    # Polygons and the zone's outline in one painter's order; ties keep polygons first.
    polygons = np.concatenate(
        [
            snapshot.project(corners, frame.scale, frame.offset),
            segments_as_polygons(
                snapshot.project(lines, frame.scale, frame.offset),
                max(1, min(3, round(frame.scale / 3))),
            ),
        ]
    )
    shades = np.concatenate([rgb, np.tile(np.array(HIGHLIGHT, np.uint8), (len(lines), 1))])
    marked = np.concatenate([block >= first_marked, np.zeros(len(lines), bool)])
    order = snapshot.painter(
        np.concatenate([key, line_keys]), np.concatenate([order, np.zeros(len(line_keys))])
    )
    shown = paint(picture, polygons[order], shades[order])
    seen = np.zeros(len(order) + 1, bool)  # the last entry stands for "no polygon" (-1)
    seen[:-1] = marked[order]
    region = seen[shown]
    removed = np.argwhere(inside & (part == 0)) + np.asarray(frame.low)
    if len(removed):
        region |= footprint(frame, removed, (width, height))
    rim = grown(region, rim_width(width, height)) & ~region
    picture[rim] = MARK
    return picture


def rim_width(width: int, height: int) -> int:
    """Pixels of the `MARK` rim around changed voxels: `MARK_PX` at 800 × 600, at least 1."""
    return max(1, round(MARK_PX * min(width / 800, height / 600)))


def footprint(frame: Frame, voxels: np.ndarray, size: Size) -> np.ndarray:
    """The (H, W) pixels the cubes of `voxels` (n, 3) would cover on a picture of `frame`."""
    faces = []
    for axis in range(3):
        u, w = np.eye(3)[(axis + 1) % 3], np.eye(3)[(axis + 2) % 3]
        square = np.array([0 * u, u, u + w, w])
        for side in (0, 1):
            faces.append(voxels[:, None, :] + side * np.eye(3)[axis] + square[None])
    corners = frame.project(np.concatenate(faces))
    mask = np.zeros((size[1], size[0], 3), np.uint8)
    paint(mask, corners, np.full((len(corners), 3), 255, np.uint8))
    return np.asarray(mask[:, :, 0] > 0)


def grown(mask: np.ndarray, by: int) -> np.ndarray:
    """`mask` grown by `by` pixels in the eight directions, one pixel a step."""
    grown = mask.copy()
    for _ in range(by):
        step = grown.copy()
        step[1:] |= grown[:-1]
        step[:-1] |= grown[1:]
        wide = step.copy()
        wide[:, 1:] |= step[:, :-1]
        wide[:, :-1] |= step[:, 1:]
        grown = wide
    return grown


def _variants(
    part: np.ndarray, zone: np.ndarray, marked: np.ndarray, colors: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """The box's voxels renumbered so that a block in the zone, the same block faded outside it
    and the same block marked as changed are three palette entries: faces merge only within one
    of them, and each polygon's entry says how it is drawn. Marked entries come last, from the
    third value on.

    A level's catalogue has at most 255 blocks; a box that uses more than 255 of these entries
    (85 blocks, each in all three ways) is refused."""
    variant = np.where(marked, 2, np.where(zone[:, :, None], 0, 1))
    code = variant.astype(np.int64) * 256 + part
    solid = part != 0
    used, compact = np.unique(code[solid], return_inverse=True)
    if len(used) > 255:
        raise ValueError(f"the framed box uses {len(used)} block variants, at most 255 fit")
    ids = np.zeros(part.shape, np.uint8)
    ids[solid] = compact.ravel() + 1
    table = np.zeros((256, 3), np.uint8)
    rgb = colors[used % 256].astype(np.float64)
    faded = used // 256 == 1
    rgb[faded] = faded_colour(rgb[faded])
    table[1 : len(used) + 1] = np.rint(rgb)
    return ids, table, int(np.searchsorted(used, 512)) + 1


def faded_colour(rgb: np.ndarray) -> np.ndarray:
    """Colours (n, 3) of the city outside the zone: blended towards `FADED`."""
    return (1 - FADE) * np.asarray(rgb, np.float64) + FADE * FADED


def _cut_front(
    part: np.ndarray, zone: np.ndarray, zone_columns: np.ndarray, origin: tuple[int, int]
) -> np.ndarray:
    """The box's voxels with the city in front of the zone's box (south and west of it) cut down
    to `FRONT_CUT` voxels."""
    columns = np.argwhere(zone_columns)
    west, south = columns.min(axis=0) - np.asarray(origin)
    front = np.zeros(zone.shape, bool)
    front[: max(west, 0), :] = True
    front[:, : max(south, 0)] = True
    front &= ~zone
    cut = part.copy()
    cut[front, FRONT_CUT:] = 0
    return cut
