"""Pictures of a level or design drawn by the server itself: a plan ("top") and an isometric miniature ("iso").

The gallery never trusts images sent by clients, and the server has no GPU and no display, so
the pictures are numpy arrays: `raster.py` fills the polygons and lines, `game.core.png` writes
the PNG (why not pygame-ce or Pillow: see `raster.py`). The visibility order of the polygons is
worked out here: the visible faces
(tops, south and west walls) come from the greedy mesher, walls are cut into one-voxel-high
strips, and the strips and roofs are drawn slab by slab from the bottom up, each slab's walls
before the roofs on its upper plane. For an elevation of at least arctan(1/sqrt 2) (true
isometric) that is an exact painter's order: a ray crosses a one-voxel slab within one voxel
horizontally, so no two walls of one slab can overlap on screen, while everything in a higher
slab, and a slab's roof plane, is nearer than the walls below it.
"""

from typing import Literal, NamedTuple

import numpy as np

from game.core.mesh import greedy_mesh
from game.core.png import encode_png
from game.render.raster import paint, segments_as_polygons
from game.render.topview import top_view

View = Literal["iso", "top"]
Size = tuple[int, int]

VIEWS = ("iso", "top")
MAX_SIDE = 4096
"""Largest image side in pixels: a picture for a web page, not a poster."""

ELEVATION_DEG = 36.0
"""Camera elevation; at least 35.26° (true isometric) keeps the painter's order exact."""

SUN = np.array([0.45, -0.35, 0.82]) / np.linalg.norm([0.45, -0.35, 0.82])
"""The editor's sun, so the gallery shades faces as the editor does."""

HIGHLIGHT = (255, 230, 0)
SKY_TOP = (178, 206, 232)
SKY_BOTTOM = (240, 245, 249)
PAPER = (244, 242, 236)

# Screen axes seen from the south-west: east runs right and up, north left and up, z straight up.
_ELEVATION = np.radians(ELEVATION_DEG)
_RIGHT = np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
_UP = np.array(
    [np.sin(_ELEVATION) / np.sqrt(2), np.sin(_ELEVATION) / np.sqrt(2), np.cos(_ELEVATION)]
)
_FACING = np.array([[0, 0, 1], [0, -1, 0], [-1, 0, 0]], np.int8)
"""Top, south and west: the faces a viewer in the south-west, above the city, can see."""


def render(
    grid: np.ndarray,
    colors: np.ndarray,
    view: View = "iso",
    size: Size = (800, 600),
    highlight: np.ndarray | None = None,
) -> np.ndarray:
    """The picture as an (H, W, 3) uint8 RGB array, top row first.

    `highlight` is an optional (X, Y) bool mask of columns (the editable zone) outlined in yellow.
    The same inputs always give the same pixels.
    """
    return _draw(grid, colors, view, size, highlight)


def render_png(
    grid: np.ndarray,
    colors: np.ndarray,
    view: View = "iso",
    size: Size = (800, 600),
    highlight: np.ndarray | None = None,
) -> bytes:
    """The picture of `render` as PNG file bytes."""
    return encode_png(_draw(grid, colors, view, size, highlight))


def sun_light(normals: np.ndarray) -> np.ndarray:
    """Brightness factor per face normal, the editor's formula: ambient + sun + sky from above."""
    normals = np.asarray(normals, np.float64)
    return 0.45 + 0.4 * np.maximum(normals @ SUN, 0.0) + 0.15 * (0.5 + 0.5 * normals[..., 2])


def _draw(
    grid: np.ndarray, colors: np.ndarray, view: str, size: Size, highlight: np.ndarray | None
) -> np.ndarray:
    width, height = check(grid, colors, view, size, highlight)
    if view == "top":
        return _draw_top(grid, colors, (width, height), highlight)
    return _draw_iso(grid, colors, (width, height), highlight)


def check(
    grid: np.ndarray, colors: np.ndarray, view: str, size: Size, highlight: np.ndarray | None
) -> Size:
    if (
        not isinstance(grid, np.ndarray)
        or grid.ndim != 3
        or grid.dtype != np.uint8
        or 0 in grid.shape
    ):
        raise ValueError(
            f"grid must be a non-empty 3D uint8 array, got {getattr(grid, 'shape', type(grid))}"
        )
    if not isinstance(colors, np.ndarray) or colors.shape != (256, 3):
        raise ValueError(
            f"colors must be a (256, 3) colour table, got {getattr(colors, 'shape', type(colors))}"
        )
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    try:
        width, height = (int(side) for side in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height), got {size!r}") from None
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"size must be between 1 and {MAX_SIDE} pixels per side, got {size!r}")
    if highlight is not None and np.shape(highlight) != grid.shape[:2]:
        raise ValueError(
            f"highlight must be an (X, Y) mask of shape {grid.shape[:2]}, got {np.shape(highlight)}"
        )
    return width, height


def _margin(width: int, height: int) -> int:
    return max(2, min(width, height) // 25)


# --- plan ---------------------------------------------------------------------------------------


def _draw_top(
    grid: np.ndarray, colors: np.ndarray, size: Size, highlight: np.ndarray | None
) -> np.ndarray:
    """Each column's topmost block, north up, scaled by whole pixels and centred on paper."""
    width, height = size
    X, Y = grid.shape[:2]
    image = top_view(grid, colors.astype(np.uint8))
    empty = ~(grid != 0).any(axis=2).T[::-1]
    image[empty] = PAPER
    margin = _margin(width, height)
    fit = min((width - 2 * margin) // X, (height - 2 * margin) // Y)
    if fit >= 1:
        scale = float(fit)
        image = np.repeat(np.repeat(image, fit, axis=0), fit, axis=1)
    else:
        # Larger than the picture: keep every step-th column, still whole pixels, still nearest.
        step = -(-max(X, Y) // max(1, min(width, height) - 2 * margin))
        step = max(step, -(-X // width), -(-Y // height))
        scale = 1.0 / step
        image = image[::step, ::step]
    picture = np.empty((height, width, 3), np.uint8)
    picture[:] = PAPER
    left, top = (width - image.shape[1]) // 2, (height - image.shape[0]) // 2
    picture[top : top + image.shape[0], left : left + image.shape[1]] = image
    if highlight is not None:
        # at least 2 px: the locator map draws a whole level in 400 px, where 1 px is lost
        line = max(2, min(3, round(scale / 2 + 1)))
        edges = _outline(np.asarray(highlight, bool)).astype(np.float64)
        pixels = np.rint(
            np.stack([left + edges[..., 0] * scale, top + (Y - edges[..., 1]) * scale], axis=-1)
        )
        paint(picture, segments_as_polygons(pixels, line), np.tile(HIGHLIGHT, (len(pixels), 1)))
    return picture


# --- isometric ----------------------------------------------------------------------------------


def _draw_iso(
    grid: np.ndarray, colors: np.ndarray, size: Size, highlight: np.ndarray | None
) -> np.ndarray:
    """The city as a miniature seen from the south-west, faces shaded by the editor's sun."""
    width, height = size
    picture = sky(width, height)
    corners, rgb, key, _ = iso_polygons(grid, colors)
    scale, offset = fit(grid.shape, width, height)
    lines, line_keys = np.zeros((0, 2, 3)), np.zeros(0)
    if highlight is not None:
        lines, line_keys = iso_outline(grid, np.asarray(highlight, bool))
    # Polygons and outline segments in one painter's order; ties keep polygons first.
    keys = np.concatenate([key, line_keys])
    order = np.argsort(keys, kind="stable")
    width_px = max(1, min(3, round(scale / 2)))
    polygons = np.concatenate(
        [
            project(corners, scale, offset),
            segments_as_polygons(project(lines, scale, offset), width_px),
        ]
    )
    shades = np.concatenate([rgb, np.tile(np.array(HIGHLIGHT, np.uint8), (len(lines), 1))])
    paint(picture, polygons[order], shades[order])
    return picture


class Polygons(NamedTuple):
    """The polygons of an isometric picture, one row each."""

    corners: np.ndarray
    """(n, 4, 3) in voxel units, in the mesher's corner order."""
    rgb: np.ndarray
    """(n, 3) flat shaded colour."""
    key: np.ndarray
    """(n,) painter's key: roofs on plane z = h get 2h - 1, wall strips in slab z get 2z: bottom
    up, walls of a slab before the roofs that close it."""
    block: np.ndarray
    """(n,) block id."""


def iso_polygons(grid: np.ndarray, colors: np.ndarray, flat: bool = False) -> Polygons:
    """Every polygon of the isometric picture of `grid`; `flat` leaves out the ambient
    occlusion, which shades a face by its neighbours (see `framing`)."""
    mesh = greedy_mesh(grid, colors.astype(np.uint8), occlusion=not flat)
    normals = mesh.normals[::4]
    visible = (normals[:, None, :] == _FACING[None]).all(axis=2).any(axis=1)
    corners = mesh.positions.reshape(-1, 4, 3)[visible].astype(np.float64)
    normals = normals[visible]
    # A face's voxel: its rectangle's low corner, one step back where the face looks up.
    voxel = (corners.min(axis=1) - (normals == 1)).astype(np.int64)
    block = grid[voxel[:, 0], voxel[:, 1], voxel[:, 2]]
    # Ambient occlusion baked into the vertex colours, averaged: flat polygons, soft contact shade.
    base = mesh.colors.reshape(-1, 4, 4)[visible, :, :3].astype(np.float64).mean(axis=1)
    rgb = np.clip(np.rint(base * sun_light(normals)[:, None]), 0, 255).astype(np.uint8)

    z = corners[:, :, 2]
    low = z.min(axis=1)
    wall = normals[:, 2] == 0
    strips = np.where(wall, z.max(axis=1) - low, 1).astype(np.int64)
    source = np.repeat(np.arange(len(corners)), strips)
    level = np.arange(len(source)) - np.repeat(np.cumsum(strips) - strips, strips)
    corners, rgb, wall, low = corners[source], rgb[source], wall[source], low[source]
    block = block[source]
    floor = low + level
    corners[:, :, 2] = np.where(
        wall[:, None],
        np.where(corners[:, :, 2] == low[:, None], floor[:, None], floor[:, None] + 1),
        corners[:, :, 2],
    )
    key = np.where(wall, 2 * floor, 2 * corners[:, 0, 2] - 1)
    return Polygons(corners, rgb, key, block)


def iso_outline(grid: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mask's border as segments (n, 2, 3) lying on the lower of the two columns it separates."""
    edges = _outline(mask)
    if not len(edges):
        return np.zeros((0, 2, 3)), np.zeros(0)
    solid = grid != 0
    surface = np.where(solid.any(axis=2), grid.shape[2] - np.argmax(solid[:, :, ::-1], axis=2), 0)
    X, Y = mask.shape
    padded = np.pad(surface, 1)
    start, end = edges[:, 0], edges[:, 1]
    # The two columns beside a unit edge: for a vertical edge (x, y)-(x, y+1) they are x-1 and x.
    vertical = start[:, 0] == end[:, 0]
    ax = np.where(vertical, start[:, 0] - 1, start[:, 0])
    ay = np.where(vertical, start[:, 1], start[:, 1] - 1)
    bx, by = start[:, 0], start[:, 1]
    low = np.minimum(padded[ax + 1, ay + 1], padded[bx + 1, by + 1])
    # Off the level the neighbour is nothing; follow the column inside instead.
    outside_a = (ax < 0) | (ay < 0)
    outside_b = (bx >= X) | (by >= Y)
    low = np.where(
        outside_a, padded[bx + 1, by + 1], np.where(outside_b, padded[ax + 1, ay + 1], low)
    )
    segments = np.concatenate([edges, np.repeat(low[:, None, None], 2, axis=1)], axis=2).astype(
        np.float64
    )
    # Just after the roofs on that plane, before the walls standing on it.
    return segments, 2.0 * low - 0.5


def fit(
    shape: tuple[int, ...], width: int, height: int, margin: int | None = None
) -> tuple[float, np.ndarray]:
    """Scale and offset that fit the whole box (0, 0, 0)–`shape`, whatever is built in it, with
    a margin in pixels (by default a 25th of the picture's shorter side).

    Framing by the box, not by the content, shows every design of one level at the same place.
    """
    X, Y, Z = shape
    box = np.array([[x, y, z] for x in (0, X) for y in (0, Y) for z in (0, Z)], np.float64)
    screen = np.stack([box @ _RIGHT, -(box @ _UP)], axis=1)
    low, high = screen.min(axis=0), screen.max(axis=0)
    margin = _margin(width, height) if margin is None else margin
    extent = np.maximum(high - low, 1e-9)
    scale = float(min((width - 2 * margin) / extent[0], (height - 2 * margin) / extent[1]))
    offset = np.array([width, height]) / 2 - scale * (low + high) / 2
    return scale, offset


def project(points: np.ndarray, scale: float, offset: np.ndarray) -> np.ndarray:
    """Voxel-space points (..., 3) to pixel positions (..., 2), not rounded: the greedy mesh has
    T-junctions (a corner of one face in the middle of its neighbour's edge), and rounding would
    move that corner off the edge and open a crack between the faces."""
    screen = np.stack([points @ _RIGHT, -(points @ _UP)], axis=-1)
    return screen * scale + offset


# --- shared -------------------------------------------------------------------------------------


def _outline(mask: np.ndarray) -> np.ndarray:
    """Unit edges (n, 2, 2) between columns in the mask and columns (or the level edge) outside it."""
    padded = np.pad(mask, 1)
    inside = padded[1:-1, 1:-1]
    parts = []
    for dx, dy, edge in (
        (-1, 0, ((0, 0), (0, 1))),
        (1, 0, ((1, 0), (1, 1))),
        (0, -1, ((0, 0), (1, 0))),
        (0, 1, ((0, 1), (1, 1))),
    ):
        neighbour = padded[1 + dx : padded.shape[0] - 1 + dx, 1 + dy : padded.shape[1] - 1 + dy]
        xy = np.argwhere(inside & ~neighbour)
        parts.append(xy[:, None, :] + np.array(edge)[None])
    return np.concatenate(parts).astype(np.int64)


def sky(width: int, height: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, height)[:, None]
    column = (1 - t) * np.array(SKY_TOP) + t * np.array(SKY_BOTTOM)
    return np.repeat(np.rint(column).astype(np.uint8)[:, None, :], width, axis=1)
