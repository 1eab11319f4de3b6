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
- a changed voxel's faces keep their colour inside a `MARK` border.

Drawing only the box is also what makes it cheap: on Berlin a tenth of the level's columns.
"""

from dataclasses import dataclass

import numpy as np

from game.render import snapshot
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
"""The border of a changed voxel's faces: magenta, apart from the yellow zone outline and from
every block colour of the catalogue."""
MARK_PX = 2.0
"""Border width in pixels at 800 × 600; narrower pictures get a narrower one, down to one pixel."""
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
) -> np.ndarray:
    """The zone of `grid` close up, as an (H, W, 3) uint8 RGB array.

    `changed` is an optional (X, Y, Z) bool mask of the voxels a design changed; those still
    solid get a `MARK` border. `outline_grid` (the untouched level) decides where the zone's
    yellow outline lies, so it lies at the same place before and after; without it, `grid`.
    """
    width, height = snapshot.check(grid, colors, "iso", size, zone_columns)
    frame = zone_frame(grid.shape, zone_columns, zone_top, (width, height))
    (x0, y0, _), (x1, y1, z1) = frame.low, frame.high
    part = grid[x0:x1, y0:y1, :z1]
    zone = np.asarray(zone_columns, bool)[x0:x1, y0:y1]
    marked = (
        np.zeros(part.shape, bool)
        if changed is None
        else np.asarray(changed, bool)[x0:x1, y0:y1, :z1] & (part != 0)
    )
    part = _cut_front(part, zone, zone_columns, (x0, y0))
    ids, table, first_marked = _variants(part, zone, marked, colors)
    corners, rgb, key, block, ends = snapshot.iso_polygons(ids, table, flat=True)
    is_marked = block >= first_marked
    picture = snapshot.sky(width, height)
    relief = part if outline_grid is None else np.asarray(outline_grid)[x0:x1, y0:y1, :z1]
    lines, line_keys = snapshot.iso_outline(relief, zone)
    border = MARK_PX * min(width / 800, height / 600)
    inset = _inset(corners[is_marked], ends[is_marked], max(1.0, border) / frame.scale)
    # Painter's order: a marked face's border (the whole face in MARK) just before the face cut
    # smaller in its own colour; the zone outline after the roofs of its plane.
    polygons = np.concatenate(
        [
            snapshot.project(corners, frame.scale, frame.offset),
            snapshot.project(inset, frame.scale, frame.offset),
            segments_as_polygons(
                snapshot.project(lines, frame.scale, frame.offset),
                max(1, min(3, round(frame.scale / 3))),
            ),
        ]
    )
    shades = np.concatenate(
        [
            np.where(is_marked[:, None], np.array(MARK, np.uint8), rgb),
            rgb[is_marked],
            np.tile(np.array(HIGHLIGHT, np.uint8), (len(lines), 1)),
        ]
    )
    keys = np.concatenate([key, key[is_marked], line_keys])
    order = np.argsort(keys, kind="stable")
    paint(picture, polygons[order], shades[order])
    return picture


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
    rgb[faded] = (1 - FADE) * rgb[faded] + FADE * FADED
    table[1 : len(used) + 1] = np.rint(rgb)
    return ids, table, int(np.searchsorted(used, 512)) + 1


def _inset(corners: np.ndarray, ends: np.ndarray, by: float) -> np.ndarray:
    """Rectangles (n, 4, 3) in voxel space, corners in the mesher's order, each side moved
    inwards by `by` voxels (at most a quarter of the side); a wall strip's bottom and top only
    where they end the wall (`ends`, (n, 2)), so a wall gets one border, not one per strip."""
    u = corners[:, 1] - corners[:, 0]
    w = corners[:, 3] - corners[:, 0]
    u_len = np.linalg.norm(u, axis=1, keepdims=True)
    w_len = np.linalg.norm(w, axis=1, keepdims=True)
    u_step = u / u_len * np.minimum(by, u_len / 4)
    w_step = w / w_len * np.minimum(by, w_len / 4)
    along_u = np.array([1, -1, -1, 1])[None, :, None]
    along_w = np.array([1, 1, -1, -1])[None, :, None]
    step = along_u * u_step[:, None] + along_w * w_step[:, None]
    low = corners[:, :, 2] == corners[:, :, 2].min(axis=1, keepdims=True)
    step[:, :, 2] *= np.where(low, ends[:, :1], ends[:, 1:])
    return corners + step


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
