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

With the generated detail (`Decor`: the editor's props, windows, roof edges, road markings,
ripples) the order stays exact: a prop's boxes lie in one slab (inside their voxel, or on the
ground voxel for a ground-layer prop), and within a slab the walls beside a prop are cut into
one-voxel pieces and drawn with it far to near, by x + y of each piece's and prop's centre
(a ray crosses a slab within one voxel in x and in y, so only neighbours can overlap, and
for those that order is the order in depth). Windows, roof edges, markings and ripples lie
on their wall piece or roof and are drawn right after it.
"""

from collections.abc import Callable
from typing import Literal, NamedTuple

import numpy as np

from game.core.facades import CORNICE_EDGE, FACADES, WATER
from game.core.mesh import greedy_mesh
from game.core.png import encode_png
from game.core.props import PropBoxes, meshed_as_air, prop_boxes, voxel_hash
from game.render.detail import (
    BUILDING_FLAG,
    MARGIN,
    Detail,
    road_markings,
)
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
_BOX_FACES = np.array(
    [
        [[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
        [[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]],
        [[0, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]],
    ],
    np.float64,
)
"""The corners of those three faces on the unit cube (a prop's box)."""
FACADE_PX = 2.0
"""Windows, roof edges and road markings are drawn when a window is at least this many pixels
wide and high: smaller, they would flicker between designs instead of showing a façade."""


def render(
    grid: np.ndarray,
    colors: np.ndarray,
    view: View = "iso",
    size: Size = (800, 600),
    highlight: np.ndarray | None = None,
    detail: Detail | None = None,
) -> np.ndarray:
    """The picture as an (H, W, 3) uint8 RGB array, top row first.

    `highlight` is an optional (X, Y) bool mask of columns (the editable zone) outlined in yellow.
    With `detail` (of the grid's catalogue) the iso view draws the generated detail: props,
    and windows, roof edges and road markings where they are at least `FACADE_PX` wide.
    The same inputs always give the same pixels.
    """
    return _draw(grid, colors, view, size, highlight, detail)


def render_png(
    grid: np.ndarray,
    colors: np.ndarray,
    view: View = "iso",
    size: Size = (800, 600),
    highlight: np.ndarray | None = None,
    detail: Detail | None = None,
) -> bytes:
    """The picture of `render` as PNG file bytes."""
    return encode_png(_draw(grid, colors, view, size, highlight, detail))


def sun_light(normals: np.ndarray) -> np.ndarray:
    """Brightness factor per face normal, the editor's formula: ambient + sun + sky from above."""
    normals = np.asarray(normals, np.float64)
    return 0.45 + 0.4 * np.maximum(normals @ SUN, 0.0) + 0.15 * (0.5 + 0.5 * normals[..., 2])


def _draw(
    grid: np.ndarray,
    colors: np.ndarray,
    view: str,
    size: Size,
    highlight: np.ndarray | None,
    detail: Detail | None,
) -> np.ndarray:
    width, height = check(grid, colors, view, size, highlight)
    if view == "top":
        return _draw_top(grid, colors, (width, height), highlight)
    return _draw_iso(grid, colors, (width, height), highlight, detail)


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
    grid: np.ndarray,
    colors: np.ndarray,
    size: Size,
    highlight: np.ndarray | None,
    detail: Detail | None,
) -> np.ndarray:
    """The city as a miniature seen from the south-west, faces shaded by the editor's sun."""
    width, height = size
    picture = sky(width, height)
    scale, offset = fit(grid.shape, width, height)
    decor = None if detail is None else Decor(detail, grid, scale)
    corners, rgb, key, _, order = iso_polygons(grid, colors, decor=decor)
    lines, line_keys = np.zeros((0, 2, 3)), np.zeros(0)
    if highlight is not None:
        lines, line_keys = iso_outline(grid, np.asarray(highlight, bool))
    # Polygons and outline segments in one painter's order; ties keep polygons first.
    order = painter(np.concatenate([key, line_keys]), np.concatenate([order, 0 * line_keys]))
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
    """(n,) painter's key: roofs on plane z = h get 2h - 1, wall strips and props in slab z get
    2z: bottom up, walls of a slab before the roofs that close it."""
    block: np.ndarray
    """(n,) block id."""
    order: np.ndarray
    """(n,) painter's order among polygons of one key: far before near (by the depth x + y of a
    wall piece's or a prop's centre), then a prop's boxes and a wall's windows in their order."""


class Decor(NamedTuple):
    """The generated detail an isometric picture draws (`game.render.detail`), and from what."""

    detail: Detail
    blocks: np.ndarray
    """The grid's real block ids (the picture may mesh them under other numbers)."""
    scale: float
    """Pixels per voxel: a kind's windows, roof edges and road markings are drawn where they
    are at least `FACADE_PX` wide (`facade_kinds`)."""
    recolour: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    """Colours (n, 3) of detail that does not take its block's palette colour (a trunk, a
    post, a road marking) at voxels (n, 3), as the picture wants them (faded)."""


def painter(key: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The drawing order of polygons by key, then by order; ties keep their given order."""
    return np.lexsort((order, key))


def facade_kinds(scale: float) -> list[int]:
    """The surface kinds whose windows are at least `FACADE_PX` wide and high at `scale` pixels
    per voxel (a wall along x or y is seen at 45°, its height at the elevation)."""
    across, high = scale * float(_RIGHT[0]), scale * float(_UP[2])
    return [
        kind
        for kind, ((u0, u1, w0, w1), _) in FACADES.items()
        if min((u1 - u0) * across, (w1 - w0) * high) >= FACADE_PX
    ]


def iso_polygons(
    grid: np.ndarray, colors: np.ndarray, flat: bool = False, decor: Decor | None = None
) -> Polygons:
    """Every polygon of the isometric picture of `grid`; `flat` leaves out the ambient
    occlusion, which shades a face by its neighbours (see `framing`); `decor` adds the
    generated detail: props instead of their voxels, windows, roof edges, road markings."""
    props = None if decor is None else _where_any(decor.blocks, decor.detail.props)
    meshed = grid
    if props is not None:
        meshed = grid.copy()
        meshed[meshed_as_air(props)] = 0
    mesh = greedy_mesh(meshed, colors.astype(np.uint8), occlusion=not flat)
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
    block, normals = block[source], normals[source]
    floor = low + level
    corners[:, :, 2] = np.where(
        wall[:, None],
        np.where(corners[:, :, 2] == low[:, None], floor[:, None], floor[:, None] + 1),
        corners[:, :, 2],
    )
    key = np.where(wall, 2 * floor, 2 * corners[:, 0, 2] - 1)
    polygons = Polygons(corners, rgb, key, block, np.zeros(len(key)))
    if decor is None or (props is None and not facade_kinds(decor.scale)):
        return polygons
    return _decorated(polygons, normals, wall, grid, colors, props, decor)


def _where_any(blocks: np.ndarray, chosen: np.ndarray) -> np.ndarray | None:
    """Where `blocks` holds one of the `chosen` block ids (a bool per id), or None if nowhere.
    One comparison per chosen id: a table lookup would widen a whole city's ids to 64 bits."""
    mask = None
    for block in np.flatnonzero(chosen).tolist():
        found = blocks == block
        if found.any():
            mask = found if mask is None else mask | found
    return mask


def _bounds(mask: np.ndarray) -> tuple[slice, slice, slice]:
    """The smallest box around the True voxels of `mask` (some): a city's props are few, and
    looking at them in their box saves passes over the whole grid."""
    xs, ys = np.nonzero(mask.any(axis=2))
    x, y = slice(int(xs.min()), int(xs.max()) + 1), slice(int(ys.min()), int(ys.max()) + 1)
    zs = np.flatnonzero(mask[x, y].any(axis=(0, 1)))
    return x, y, slice(int(zs[0]), int(zs[-1]) + 1)


def _decorated(
    polygons: Polygons,
    normals: np.ndarray,
    wall: np.ndarray,
    grid: np.ndarray,
    colors: np.ndarray,
    props: np.ndarray | None,
    decor: Decor,
) -> Polygons:
    """`polygons` with the walls cut into one-voxel pieces where detail needs them (a window
    per voxel; the painter's order between a prop and the walls beside it), and the props,
    windows, roof edges and road markings added."""
    corners, rgb, key, block, _ = polygons
    along = np.where(normals[:, 0] != 0, 1, 0)  # a west wall runs along y, a south wall along x
    start = np.take_along_axis(corners.min(axis=1), along[:, None], 1)[:, 0]
    width = np.take_along_axis(corners.max(axis=1), along[:, None], 1)[:, 0] - start
    # Cut walls into one-voxel pieces: all of them for windows, else those next to a prop.
    shown = facade_kinds(decor.scale)
    found = None if props is None else _found_props(props, decor)
    near = False if found is None else _near_props(corners, along, start, width, found, grid.shape)
    cut = wall & (True if shown else near)
    pieces = np.where(cut, np.rint(width), 1).astype(np.int64)
    source = np.repeat(np.arange(len(corners)), pieces)
    step = np.arange(len(source)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    corners, rgb, key, block = corners[source], rgb[source], key[source], block[source]
    wall, cut, along, normals = wall[source], cut[source], along[source], normals[source]
    low = start[source] + step
    rows = np.arange(len(corners))[cut]
    for corner in range(4):
        side = corners[rows, corner, along[rows]] > low[rows] + 0.5
        corners[rows, corner, along[rows]] = low[rows] + side
    # A piece's depth: its centre's x + y; whole walls (no prop near) need none.
    centre = corners.mean(axis=1)
    order = np.where(cut, -16.0 * (centre[:, 0] + centre[:, 1]), 0.0)
    parts = [Polygons(corners, rgb, key, block, order)]
    real = decor.blocks
    if shown:
        voxel = np.floor(centre - 0.5 * normals).astype(np.int64)
        parts += _facades(corners, rgb, key, order, voxel, normals, cut, grid, real, decor, shown)
    if len(shown) == len(FACADES):  # thinner still: where even a home's window shows
        parts.append(_markings(grid, colors, decor))
        parts.append(_ripples(grid, colors, decor))
    if found is not None:
        parts.append(_props(grid, colors, found, decor))
    return Polygons(*(np.concatenate(column) for column in zip(*parts)))


def _found_props(props: np.ndarray, decor: Decor) -> PropBoxes:
    """The boxes of the props (`prop_boxes`, inside their voxel or, on the ground layer, on it),
    looked for in the box around them and one voxel above (what stands on a prop matters)."""
    x, y, z = _bounds(props)
    z = slice(z.start, min(z.stop + 1, props.shape[2]))
    lo = (x.start, y.start, z.start)
    found = prop_boxes(
        decor.blocks[x, y, z], lo, decor.detail.catalogue, decor.detail.props, props[x, y, z], False
    )
    return found._replace(voxel=found.voxel + lo)


def _near_props(
    corners: np.ndarray,
    along: np.ndarray,
    start: np.ndarray,
    width: np.ndarray,
    found: PropBoxes,
    shape: tuple[int, ...],
) -> np.ndarray:
    """Which wall strips (one voxel high) have a prop's box in their slab within one voxel of
    them: those need the painter's order by depth. A strip's voxels are those behind it (a
    wall faces south or west, towards the viewer)."""
    near = np.zeros(len(corners), bool)
    floor = corners[:, :, 2].min(axis=1).astype(np.int64)
    plane = np.rint(np.where(along == 1, corners[:, 0, 0], corners[:, 0, 1])).astype(np.int64)
    first, last = np.rint(start).astype(np.int64), np.rint(start + width).astype(np.int64)
    X, Y = shape[:2]
    slab = np.floor(found.boxes[:, 2]).astype(np.int64)
    for z in np.unique(slab).tolist():
        grown = np.zeros((X + 2, Y + 2), bool)
        grown[found.voxel[slab == z, 0] + 1, found.voxel[slab == z, 1] + 1] = True
        grown = grown[1:-1] | grown[:-2] | grown[2:]
        grown = grown[:, 1:-1] | grown[:, :-2] | grown[:, 2:]
        sums = np.zeros((X + 1, Y + 1), np.int64)
        sums[1:, 1:] = grown.cumsum(axis=0).cumsum(axis=1)
        rows = np.nonzero(floor == z)[0]
        p = np.clip(plane[rows], 0, None)
        a, b = np.clip(first[rows], 0, None), np.clip(last[rows], 0, None)
        west = along[rows] == 1  # spans y at x = p
        x0 = np.where(west, np.minimum(p, X), np.minimum(a, X))
        x1 = np.where(west, np.minimum(p + 1, X), np.minimum(b, X))
        y0 = np.where(west, np.minimum(a, Y), np.minimum(p, Y))
        y1 = np.where(west, np.minimum(b, Y), np.minimum(p + 1, Y))
        count = sums[x1, y1] - sums[x0, y1] - sums[x1, y0] + sums[x0, y0]
        near[rows] = count > 0
    return near


def _facades(
    corners: np.ndarray,
    rgb: np.ndarray,
    key: np.ndarray,
    order: np.ndarray,
    voxel: np.ndarray,
    normals: np.ndarray,
    pieces: np.ndarray,
    grid: np.ndarray,
    real: np.ndarray,
    decor: Decor,
    shown: list[int],
) -> list[Polygons]:
    """A window on each one-voxel wall piece of a building by its surface kind (those `shown`),
    and the roof's edge on the pieces of its top row, each drawn just after its wall piece."""
    kinds = decor.detail.kinds
    building = (decor.detail.flags & BUILDING_FLAG).astype(bool)
    x, y, z = voxel[:, 0], voxel[:, 1], voxel[:, 2]
    Z = real.shape[2]
    kind = kinds[real[x, y, z]]
    above = np.zeros(len(x), bool)
    inside = z + 1 < Z
    up = real[x[inside], y[inside], z[inside] + 1]
    above[inside] = (up != 0) & ~decor.detail.props[up]  # a tree on a roof: still its edge
    parts = []
    low = corners.min(axis=1)
    u_axis = np.where(normals[:, 0] != 0, 1, 0)
    looks = [(kind == k, rect, glass) for k, (rect, glass) in FACADES.items() if k in shown]
    if (1 - CORNICE_EDGE[0]) * decor.scale * float(_UP[2]) >= 1:  # at least a pixel high
        edge = building[real[x, y, z]] & ~above
        looks.append((edge, (0.0, 1.0, CORNICE_EDGE[0], 1.0), (CORNICE_EDGE[1],) * 3))
    for rank, (rows, rect, tint) in enumerate(looks):
        rows = rows & pieces
        if not rows.any():
            continue
        u0, u1, w0, w1 = rect
        base = low[rows]
        quad = np.repeat(base[:, None, :], 4, axis=1)
        ua = u_axis[rows]
        at = np.arange(len(ua))
        for corner, (du, dw) in enumerate(((u0, w0), (u1, w0), (u1, w1), (u0, w1))):
            quad[at, corner, ua] += du
            quad[at, corner, 2] += dw
        # A tint of its wall's colour: faded with it outside the zone.
        shade = np.clip(np.rint(rgb[rows] * np.asarray(tint)), 0, 255).astype(np.uint8)
        parts.append(
            Polygons(
                quad, shade, key[rows], grid[x[rows], y[rows], z[rows]], order[rows] + 1 + rank
            )
        )
    return parts


def _markings(grid: np.ndarray, colors: np.ndarray, decor: Decor) -> Polygons:
    """The editor's road markings (`road_markings`) on roads of the ground layer, just after
    the roofs on their plane."""
    road, real = decor.detail.road, decor.blocks
    if road is None or real.shape[2] < 2:
        return _no_polygons()
    ground = np.pad(real[:, :, 0] == road, MARGIN)
    if not ground.any():
        return _no_polygons()
    mesh = road_markings(ground, np.pad(real[:, :, 1] == 0, MARGIN), (0, 0, 0), None)
    if not mesh.vertex_count:
        return _no_polygons()
    corners = mesh.positions.reshape(-1, 4, 3).astype(np.float64)
    corners[:, :, 2] = 1.0
    voxel = np.floor(corners.mean(axis=1) - [0, 0, 0.5]).astype(np.int64)
    light = sun_light(np.array([0.0, 0.0, 1.0]))
    rgb = np.clip(np.rint(mesh.colors[::4, :3] * light), 0, 255).astype(np.uint8)
    if decor.recolour is not None:
        rgb = decor.recolour(rgb, voxel)
    n = len(corners)
    block = grid[voxel[:, 0], voxel[:, 1], voxel[:, 2]]
    return Polygons(corners, rgb, np.ones(n), block, np.ones(n))


def _ripples(grid: np.ndarray, colors: np.ndarray, decor: Decor) -> Polygons:
    """A short lighter stroke on two of three water surfaces, placed by a hash of the voxel (as
    the editor's shader ripples water), just after the roofs on their plane."""
    real = decor.blocks
    water = _where_any(real, decor.detail.kinds == WATER)
    if water is None:
        return _no_polygons()
    water[:, :, :-1] &= real[:, :, 1:] == 0
    x, y, z = np.nonzero(water)
    h = voxel_hash(x, y, z)
    keep = h % 3 != 0
    x, y, z, h = x[keep], y[keep], z[keep], h[keep]
    if not len(x):
        return _no_polygons()
    u = 0.1 + 0.4 * ((h >> 3) % 4) / 3
    v = 0.15 + 0.6 * ((h >> 5) % 4) / 3
    corners = np.empty((len(x), 4, 3))
    corners[:, :, 0] = x[:, None] + u[:, None] + np.array([0, 0.5, 0.5, 0])
    corners[:, :, 1] = y[:, None] + v[:, None] + np.array([0, 0, 0.1, 0.1])
    corners[:, :, 2] = z[:, None] + 1.0
    light = sun_light(np.array([0.0, 0.0, 1.0])) * 1.2
    rgb = np.clip(np.rint(colors[grid[x, y, z]] * light), 0, 255).astype(np.uint8)
    n = len(x)
    return Polygons(corners, rgb, 2.0 * z + 1, grid[x, y, z], np.ones(n))


def _props(grid: np.ndarray, colors: np.ndarray, found: PropBoxes, decor: Decor) -> Polygons:
    """The props' boxes as their top, south and west faces, in the slab they stand in, by
    depth with the wall pieces around them."""
    if not len(found.boxes):
        return _no_polygons()
    low, size = found.boxes[:, :3], found.boxes[:, 3:]
    x, y, z = found.voxel.T
    block = grid[x, y, z]
    own = found.own
    rgb = np.where(own[:, None], colors[block].astype(np.float32), found.rgb)
    if decor.recolour is not None and (~own).any():
        rgb[~own] = decor.recolour(rgb[~own], found.voxel[~own])
    corners = low[:, None, None, :] + _BOX_FACES[None] * size[:, None, None, :]
    lit = np.clip(np.rint(rgb[:, None, :] * sun_light(_FACING)[None, :, None]), 0, 255)
    depth = (found.voxel[:, 0] + found.voxel[:, 1] + 1).astype(np.float64)
    order = -16.0 * depth[:, None] + 3 * found.part[:, None] / 8 + np.arange(3)[None] / 8
    return Polygons(
        corners.reshape(-1, 4, 3),
        lit.reshape(-1, 3).astype(np.uint8),
        np.repeat(2.0 * np.floor(low[:, 2]), 3),
        np.repeat(block, 3),
        order.reshape(-1),
    )


def _no_polygons() -> Polygons:
    return Polygons(
        np.zeros((0, 4, 3)),
        np.zeros((0, 3), np.uint8),
        np.zeros(0),
        np.zeros(0, np.uint8),
        np.zeros(0),
    )


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
