"""The geometry of generated detail that is not a box: props (trees, bushes, benches,
playground equipment, flower beds) as a few small boxes inside their voxel.

One function (`prop_boxes`) gives the boxes for every medium: the editor's chunks
(`game.render.detail.prop_mesh`), the server's pictures (`game.render.snapshot`) and the glTF
export (`game.io.formats.gltf`). It lives in the core for the reason the greedy mesh does:
`game.render` and `game.io` both need it and must not import each other.
"""

from functools import cache
from typing import NamedTuple

import numpy as np

from game.core.catalogue import Catalogue
from game.core.mesh import Mesh

# A prop is a list of boxes (x0, y0, z0, x1, y1, z1) in voxel units and an RGB colour each
# (None: the block's own colour). Trees come in variants chosen by a hash of the position.
Box = tuple[tuple[float, float, float, float, float, float], tuple[int, int, int] | None]
_TRUNK = (110, 78, 50)
_POST = (60, 90, 160)
# A tree is taller than its voxel (a 2 m voxel, a 3 m tree) unless something stands on it.
_TREES: tuple[tuple[Box, ...], ...] = (
    (((0.43, 0.43, 0.0, 0.57, 0.57, 0.5), _TRUNK), ((0.1, 0.1, 0.4, 0.9, 0.9, 1.45), None)),
    (
        ((0.44, 0.44, 0.0, 0.56, 0.56, 0.4), _TRUNK),
        ((0.15, 0.15, 0.3, 0.85, 0.85, 1.05), (36, 110, 48)),
        ((0.3, 0.3, 1.0, 0.7, 0.7, 1.5), (36, 110, 48)),
    ),
    (
        ((0.43, 0.43, 0.0, 0.57, 0.57, 0.6), _TRUNK),
        ((0.0, 0.05, 0.5, 1.0, 0.95, 1.25), (67, 150, 60)),
    ),
)
_CROWN: tuple[Box, ...] = (
    ((0.05, 0.05, 0.0, 0.95, 0.95, 1.0), None),
)  # a tree's upper voxel: crown only
GROUND_PLATE = 0.05
"""Height of a prop's ground plate (a playground's sand, a garden's lawn)."""
# The block's own colour: a playground's sand, a garden's lawn.
_SAND: Box = ((0.0, 0.0, 0.0, 1.0, 1.0, GROUND_PLATE), None)
# A playground's voxels take turns by a hash: climbing frame, slide, swing, open ground.
_PLAYGROUNDS: tuple[tuple[Box, ...], ...] = (
    (
        _SAND,
        ((0.15, 0.15, 0.0, 0.23, 0.23, 0.55), _POST),
        ((0.77, 0.15, 0.0, 0.85, 0.23, 0.55), _POST),
        ((0.15, 0.77, 0.0, 0.23, 0.85, 0.55), _POST),
        ((0.77, 0.77, 0.0, 0.85, 0.85, 0.55), _POST),
        ((0.12, 0.12, 0.5, 0.88, 0.88, 0.6), (230, 80, 60)),
    ),
    (
        _SAND,
        ((0.3, 0.1, 0.0, 0.7, 0.3, 0.5), _POST),
        ((0.38, 0.3, 0.05, 0.62, 0.95, 0.25), (250, 210, 60)),
        ((0.38, 0.3, 0.25, 0.62, 0.5, 0.45), (250, 210, 60)),
    ),
    (
        _SAND,
        ((0.1, 0.45, 0.0, 0.16, 0.55, 0.7), _POST),
        ((0.84, 0.45, 0.0, 0.9, 0.55, 0.7), _POST),
        ((0.1, 0.47, 0.7, 0.9, 0.53, 0.76), _POST),
        ((0.35, 0.42, 0.2, 0.65, 0.58, 0.24), (230, 80, 60)),
    ),
    (_SAND,),
)
_BUSH = (58, 118, 46)
_BUSH_LIGHT = (84, 146, 58)
# A garden (the catalogue has no hedge or shrub block; a planner draws a garden as lawn with
# bushes) takes turns by a hash: two bushes, one big bush, a bush beside a low bed, open lawn.
_GARDENS: tuple[tuple[Box, ...], ...] = (
    (
        _SAND,
        ((0.08, 0.1, 0.0, 0.46, 0.48, 0.38), _BUSH),
        ((0.52, 0.5, 0.0, 0.9, 0.88, 0.32), _BUSH_LIGHT),
    ),
    (_SAND, ((0.15, 0.15, 0.0, 0.85, 0.85, 0.5), _BUSH)),
    (
        _SAND,
        ((0.1, 0.55, 0.0, 0.42, 0.9, 0.3), _BUSH_LIGHT),
        ((0.55, 0.1, 0.0, 0.9, 0.7, 0.12), (120, 84, 56)),
    ),
    (_SAND,),
)
_PROPS: dict[str, tuple[Box, ...]] = {
    "bench": (
        ((0.1, 0.3, 0.0, 0.9, 0.62, 0.22), None),
        ((0.1, 0.56, 0.0, 0.9, 0.66, 0.45), None),
    ),
    "flower_bed": (((0.05, 0.05, 0.0, 0.95, 0.95, 0.35), None),),
}
_VARIANTS = {"tree": _TREES, "playground": _PLAYGROUNDS, "urban_garden": _GARDENS}
PROP_KEYS = (*_VARIANTS, *_PROPS)

# The five faces a prop box shows (never its bottom): normal, and four corners in the unit cube
# wound counter-clockwise seen from outside.
_BOX_FACES = (
    ((1, 0, 0), ((1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1))),
    ((-1, 0, 0), ((0, 1, 0), (0, 0, 0), (0, 0, 1), (0, 1, 1))),
    ((0, 1, 0), ((1, 1, 0), (0, 1, 0), (0, 1, 1), (1, 1, 1))),
    ((0, -1, 0), ((0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 0, 1))),
    ((0, 0, 1), ((0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1))),
)
_FACE_NORMALS = np.array([n for n, _ in _BOX_FACES], np.int8)
_FACE_CORNERS = np.array([c for _, c in _BOX_FACES], np.float32)  # (5, 4, 3)
# Lower corners of side faces a little darker: the prop stands on the ground (cheap AO).
_FACE_SHADE = np.where(_FACE_CORNERS[:, :, 2] > 0, 1.0, 0.75).astype(np.float32)
_FACE_SHADE[4] = 1.0
QUAD = np.array([0, 1, 2, 0, 2, 3], np.uint32)
"""The two triangles of a quad of four consecutive vertices."""


def prop_ids(catalogue: Catalogue) -> np.ndarray:
    """A boolean per block id (256): drawn as a prop instead of a box."""
    mask = np.zeros(256, bool)
    mask[[b.id for b in catalogue.blocks if b.key in PROP_KEYS]] = True
    return mask


def voxel_hash(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """A small deterministic integer hash of voxel coordinates (variants must not follow a grid)."""
    h = (x.astype(np.int64) * 73856093) ^ (y.astype(np.int64) * 19349663) ^ (z * 83492791)
    return np.asarray((h ^ (h >> 13)) & 0x7FFFFFFF)


@cache
def _box_arrays(boxes: tuple[Box, ...]) -> tuple[np.ndarray, ...]:
    """A prop's boxes as arrays: low and high corners (k, 3), colours (k, 3), which take the
    block's own colour (k,)."""
    low = np.array([b[:3] for b, _ in boxes], np.float64).reshape(-1, 3)
    high = np.array([b[3:] for b, _ in boxes], np.float64).reshape(-1, 3)
    rgb = np.array([c or (0, 0, 0) for _, c in boxes], np.float32).reshape(-1, 3)
    own = np.array([c is None for _, c in boxes], bool)
    return low, high, rgb, own


class PropBoxes(NamedTuple):
    """The boxes of the props of a grid, one row each, in the order each prop lists them."""

    boxes: np.ndarray
    """(n, 6) float64: low corner (x, y, z) in world voxel units and size."""
    rgb: np.ndarray
    """(n, 3) float32 colour (the block's own where the prop says so)."""
    voxel: np.ndarray
    """(n, 3) the prop's voxel in the grid (local indices)."""
    part: np.ndarray
    """(n,) the box's place in its prop's list: drawn in that order, later ones over earlier."""
    own: np.ndarray
    """(n,) bool: the box has its block's colour (not a trunk's or a post's)."""


def prop_boxes(
    grid: np.ndarray,
    lo: tuple[int, int, int],
    catalogue: Catalogue,
    props: np.ndarray,
    where: np.ndarray | None = None,
    tall: bool = True,
) -> PropBoxes:
    """The boxes of the props of the voxels `grid` (world origin `lo`): what the editor meshes
    (`game.render.detail.prop_mesh`), the server's pictures draw and the glTF export writes.

    `props` is `prop_ids(catalogue)`; `where` is `props[grid]` if the caller has it already.
    With `tall`, a tree with air above reaches into the voxel above (a 3 m tree on a 2 m
    voxel); without, every box stays inside its voxel (the server's pictures: a changed
    voxel changes only the pixels of its own cube).

    A prop in the ground layer (z = 0: the playgrounds and gardens of imported levels) is
    ground of its own colour, meshed as a voxel (`meshed_as_air` leaves it out), and its things stand on
    it in the voxel above, if that is air; without its ground plate, which the voxel is.
    """
    xs, ys, zs = np.nonzero(props[grid] if where is None else where)
    blocks = grid[xs, ys, zs]
    hashes = voxel_hash(xs + lo[0], ys + lo[1], zs + lo[2])
    on_ground = zs + lo[2] == 0
    if on_ground.any():
        free = zs + 1 < grid.shape[2]
        free[free] = grid[xs[free], ys[free], zs[free] + 1] == 0
        keep = ~on_ground | free
        xs, ys, zs, blocks = xs[keep], ys[keep], zs[keep], blocks[keep]
        hashes, on_ground = hashes[keep], on_ground[keep]
    # Whatever stands on a prop (or the chunk's top) keeps it within its voxel.
    above = np.ones(xs.size, bool)
    if tall:
        below_top = zs + 1 < grid.shape[2]
        above[below_top] = grid[xs[below_top], ys[below_top], zs[below_top] + 1] != 0
    ceiling = np.where(above | on_ground, 1.0, 2.0)
    origin = np.stack([xs + lo[0], ys + lo[1], zs + lo[2] + on_ground], axis=1).astype(np.float64)
    # Voxels are grouped by the boxes they get (a few dozen groups at most), each group at once.
    parts: list[tuple[tuple[Box, ...], np.ndarray]] = []
    for block_id in np.unique(blocks).tolist():
        key = catalogue.key(block_id)
        of_block = blocks == block_id
        if key == "tree":
            on_tree = of_block & (zs > 0)
            on_tree[on_tree] = grid[xs[on_tree], ys[on_tree], zs[on_tree] - 1] == block_id
            parts.append((_CROWN, on_tree))
            of_block &= ~on_tree
        variants = _VARIANTS.get(key, (_PROPS.get(key, ()),))
        variant = hashes % len(variants)
        for i, boxes in enumerate(variants):
            parts.append((boxes, of_block & (variant == i)))
    box_rows = [np.zeros((0, 6))]
    rgb_rows = [np.zeros((0, 3), np.float32)]
    voxel_rows = [np.zeros(0, np.intp)]
    part_rows = [np.zeros(0, np.intp)]
    own_rows = [np.zeros(0, bool)]
    for boxes, chosen in parts:
        if not chosen.any():
            continue
        low, high, rgb, own = _box_arrays(boxes)
        count = int(chosen.sum())
        top = np.minimum(high[None, :, 2], ceiling[chosen, None])  # (count, k)
        rows = np.empty((count, len(boxes), 6))
        rows[:, :, :3] = origin[chosen, None, :] + low
        rows[:, :, 3:5] = high[:, :2] - low[:, :2]
        rows[:, :, 5] = top - low[:, 2]
        box_rows.append(rows.reshape(-1, 6))
        colours = np.broadcast_to(rgb, (count, *rgb.shape)).copy()
        colours[:, own] = catalogue.colors[blocks[chosen]].astype(np.float32)[:, None, :]
        rgb_rows.append(colours.reshape(-1, 3))
        voxel_rows.append(np.repeat(np.nonzero(chosen)[0], len(boxes)))
        part_rows.append(np.tile(np.arange(len(boxes)), count))
        own_rows.append(np.tile(own, count))
    which = np.concatenate(voxel_rows)
    part = np.concatenate(part_rows)
    cubes, colours, own = (
        np.concatenate(box_rows),
        np.concatenate(rgb_rows),
        np.concatenate(own_rows),
    )
    # On the ground the voxel itself is the plate.
    plate = own & (cubes[:, 3:5] >= 1).all(axis=1) & (cubes[:, 5] <= GROUND_PLATE)
    keep = ~(plate & on_ground[which])
    cubes, colours, own, which, part = (
        cubes[keep],
        colours[keep],
        own[keep],
        which[keep],
        part[keep],
    )
    voxel = np.stack([xs[which], ys[which], zs[which]], axis=1)
    return PropBoxes(cubes, colours, voxel, part, own)


def meshed_as_air(props: np.ndarray) -> np.ndarray:
    """Of the prop voxels `props` (a grid's mask, its bottom the ground layer), those the greedy
    mesh must take as air, as their boxes are drawn instead: all but the ground layer's, which
    are ground (`prop_boxes`)."""
    airy = props.copy()
    airy[:, :, 0] = False
    return airy


def box_mesh(boxes_all: np.ndarray, rgb: np.ndarray, alpha: np.ndarray) -> Mesh:
    """Boxes (n, 6: low corner and size) as five quads each (no bottom), coloured `rgb` (n, 3)
    with a darker foot, alpha (n,)."""
    box = boxes_all.astype(np.float32)  # (n, 6): origin and size
    n = len(box)
    positions = box[:, None, None, :3] + _FACE_CORNERS[None] * box[:, None, None, 3:]
    shade = _FACE_SHADE[None, :, :, None] * np.asarray(rgb, np.float32)[:, None, None, :]
    colors = np.empty((n, 5, 4, 4), np.uint8)
    colors[..., :3] = np.rint(shade)
    colors[..., 3] = np.asarray(alpha, np.uint8)[:, None, None]
    normals = np.broadcast_to(_FACE_NORMALS[None, :, None, :], (n, 5, 4, 3))
    indices = QUAD[None, :] + 4 * np.arange(n * 5, dtype=np.uint32)[:, None]
    return Mesh(
        positions.reshape(-1, 3),
        np.ascontiguousarray(normals.reshape(-1, 3)),
        colors.reshape(-1, 4),
        indices.ravel(),
    )
