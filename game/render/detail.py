"""Generated detail, like Townscaper: what a block *is*, drawn from the grid alone.

Nothing here is stored in a design: the same grid always gives the same detail. Two kinds:

* A **surface kind** per block (homes, offices, glass, shops, public buildings, water, grass,
  paving). Chunks carry it per vertex in the colour's alpha, beside the zone bit, and the
  editor's detail shader turns it into windows, doors, shop windows, ripples and grass
  variation from the face's world position: no texture, no extra vertex attribute, a few
  operations per pixel (the editor draws on llvmpipe, a CPU rasteriser).
* **Props**: blocks that are not boxes in the real world (trees, benches, playgrounds, flower
  beds) are left out of the greedy mesh and drawn as a few small boxes inside their voxel. The
  grid is unchanged, so picking and placing still aim at the whole voxel; a prop never takes
  a click.
"""

from functools import cache

import numpy as np

from game.core.catalogue import Catalogue
from game.core.mesh import Mesh

# Surface kinds (7 bits; 0 is "no pattern"). The shader's tables are indexed by these.
PLAIN, HOME, OFFICE, GLASS, SHOP, PUBLIC, WATER, GRASS, PAVING, ROAD = range(10)
KIND_COUNT = 10
DOOR_BIT = 0x40
"""Beside the kind: this wall's ground floor faces a street or path, so it may have doors."""
CORNICE_BIT = 0x20
"""Beside the kind: this wall quad is the top row under a roof, drawn with a darker edge."""
CORNICE_ID = 0x40
"""Added to a block id for meshing the top row of a building (ids stay below it)."""
PROP_FLAG, BUILDING_FLAG = 1, 2
"""`Detail.flags` per block id: drawn as a prop; a building (its top row has a roof edge)."""

_KIND_BY_USE = {
    "housing": HOME,
    "office": OFFICE,
    "industry": OFFICE,
    "retail": SHOP,
    "education": PUBLIC,
    "community": PUBLIC,
    "culture": PUBLIC,
    "health": PUBLIC,
}
_KIND_BY_KEY = {
    "wall_glass": GLASS,
    "water": WATER,
    "grass": GRASS,
    "urban_garden": GRASS,
    "green_roof": GRASS,
    "footpath": PAVING,
    "plaza": PAVING,
    "cafe_seating": PAVING,
    "road": ROAD,
    "parking": ROAD,
    "bike_lane": ROAD,
}

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
_SAND: Box = ((0.0, 0.0, 0.0, 1.0, 1.0, 0.05), None)  # the playground's own colour
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
_PROPS: dict[str, tuple[Box, ...]] = {
    "bench": (
        ((0.1, 0.3, 0.0, 0.9, 0.62, 0.22), None),
        ((0.1, 0.56, 0.0, 0.9, 0.66, 0.45), None),
    ),
    "flower_bed": (((0.05, 0.05, 0.0, 0.95, 0.95, 0.35), None),),
}
_VARIANTS = {"tree": _TREES, "playground": _PLAYGROUNDS}
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
_QUAD = np.array([0, 1, 2, 0, 2, 3], np.uint32)


def surface_kinds(catalogue: Catalogue) -> np.ndarray:
    """Surface kind per block id (256 entries): by the block's key, else by its use."""
    kinds = np.zeros(256, np.uint8)
    for block in catalogue.blocks:
        kind = _KIND_BY_KEY.get(block.key)
        if kind is None and block.building:
            kind = _KIND_BY_USE.get(block.use or "", PLAIN)
        kinds[block.id] = kind or PLAIN
    return kinds


def prop_ids(catalogue: Catalogue) -> np.ndarray:
    """A boolean per block id (256): drawn as a prop instead of a box."""
    mask = np.zeros(256, bool)
    mask[[b.id for b in catalogue.blocks if b.key in PROP_KEYS]] = True
    return mask


def _hash(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """A small deterministic integer hash of voxel coordinates (variants must not follow a grid)."""
    h = (x.astype(np.int64) * 73856093) ^ (y.astype(np.int64) * 19349663) ^ (z * 83492791)
    return (h ^ (h >> 13)) & 0x7FFFFFFF


@cache
def _box_arrays(boxes: tuple[Box, ...]) -> tuple[np.ndarray, ...]:
    """A prop's boxes as arrays: low and high corners (k, 3), colours (k, 3), which take the
    block's own colour (k,)."""
    low = np.array([b[:3] for b, _ in boxes], np.float64).reshape(-1, 3)
    high = np.array([b[3:] for b, _ in boxes], np.float64).reshape(-1, 3)
    rgb = np.array([c or (0, 0, 0) for _, c in boxes], np.float32).reshape(-1, 3)
    own = np.array([c is None for _, c in boxes], bool)
    return low, high, rgb, own


def prop_mesh(
    grid: np.ndarray,
    lo: tuple[int, int, int],
    catalogue: Catalogue,
    props: np.ndarray,
    zone: np.ndarray | None = None,
    where: np.ndarray | None = None,
) -> Mesh:
    """The props of the voxels `grid` (world origin `lo`) as boxes.

    `props` is `prop_ids(catalogue)`; `zone` (the grid's shape) the editable voxels. Alpha is
    128 inside the zone (or everywhere without one) and 0 outside, with surface kind PLAIN.
    `where` is `props[grid]` if the caller has it already.
    """
    xs, ys, zs = np.nonzero(props[grid] if where is None else where)
    if not xs.size:
        return Mesh.empty()
    blocks = grid[xs, ys, zs]
    hashes = _hash(xs + lo[0], ys + lo[1], zs + lo[2])
    # Whatever stands on a prop (or the chunk's top) keeps it within its voxel.
    above = np.ones(xs.size, bool)
    below_top = zs + 1 < grid.shape[2]
    above[below_top] = grid[xs[below_top], ys[below_top], zs[below_top] + 1] != 0
    ceiling = np.where(above, 1.0, 2.0)
    inside = np.ones(xs.size, bool) if zone is None else zone[xs, ys, zs]
    origin = np.stack([xs + lo[0], ys + lo[1], zs + lo[2]], axis=1).astype(np.float64)
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
    box_rows, rgb_rows, alpha_rows = [], [], []
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
        alpha_rows.append(np.repeat(np.where(inside[chosen], 128, 0), len(boxes)))
    return box_mesh(np.concatenate(box_rows), np.concatenate(rgb_rows), np.concatenate(alpha_rows))


def box_mesh(boxes: np.ndarray, rgb: np.ndarray, alpha: np.ndarray) -> Mesh:
    """Boxes (n, 6: low corner and size) without their bottoms, coloured `rgb` (n, 3) with
    `alpha` (n,), the lower corners of their sides a little darker (they stand on something)."""
    box = np.asarray(boxes, np.float32)
    n = len(box)
    positions = box[:, None, None, :3] + _FACE_CORNERS[None] * box[:, None, None, 3:]
    shade = _FACE_SHADE[None, :, :, None] * np.asarray(rgb, np.float32)[:, None, None, :]
    colors = np.empty((n, 5, 4, 4), np.uint8)
    colors[..., :3] = np.rint(shade)
    colors[..., 3] = np.asarray(alpha, np.uint8)[:, None, None]
    normals = np.broadcast_to(_FACE_NORMALS[None, :, None, :], (n, 5, 4, 3))
    indices = _QUAD[None, :] + 4 * np.arange(n * 5, dtype=np.uint32)[:, None]
    return Mesh(
        positions.reshape(-1, 3),
        np.ascontiguousarray(normals.reshape(-1, 3)),
        colors.reshape(-1, 4),
        indices.ravel(),
    )


class Detail:
    """The detail of one catalogue, as `ChunkGrid` needs it: surface kinds and prop blocks."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.kinds = surface_kinds(catalogue)
        self.props = prop_ids(catalogue)
        # Where a door may open onto: streets, paths, squares and car parks (not a lawn).
        self.street = np.zeros(256, bool)
        self.street[[b.id for b in catalogue.blocks if b.category == "streets"]] = True
        # Roads get dashed centre lines (`road_markings`).
        self.road = next((b.id for b in catalogue.blocks if b.key == "road"), None)
        self.flags = np.where(self.props, PROP_FLAG, 0).astype(np.uint8)
        self.flags[[b.id for b in catalogue.blocks if b.building]] |= BUILDING_FLAG
        if max(b.id for b in catalogue.blocks) >= CORNICE_ID:
            raise ValueError(f"generated detail needs block ids below {CORNICE_ID}")
        # Colours for meshing: an id with the cornice or the zone's bit has the block's colour.
        self.colors = catalogue.colors[np.arange(256) % CORNICE_ID]


_MARKING = (235, 235, 225)
MARGIN = 3
"""Voxels around a chunk that `road_markings` looks at: a four-voxel road's far edge."""


def road_markings(
    ground: np.ndarray, clear: np.ndarray, lo: tuple[int, int, int], zone: np.ndarray | None
) -> Mesh:
    """Dashed centre lines on roads two to four voxels wide, as thin white quads on the road.

    `ground` marks road voxels on the ground layer (z = 0) and `clear` those with air above,
    for the chunk and `MARGIN` voxels around it; `zone` (the chunk's columns) the editable ones. A road runs
    along x where it is road to both sides along x and its width across is 2, 3 or 4; its
    centre is the middle voxel's middle or the seam between the two middle ones.
    """
    m = MARGIN

    def at(dx: int, dy: int) -> np.ndarray:
        return ground[m + dx : ground.shape[0] - m + dx, m + dy : ground.shape[1] - m + dy]

    # The width comes from the ground alone; what stands on a road hides only its own dash, so
    # building on a road never moves the line elsewhere (and re-meshes no other chunk).
    here = at(0, 0) & clear[m:-m, m:-m]
    rects = []  # (x0, y0, x1, y1) within the voxel, per mask
    for along_x in (True, False):

        def side(step: int, along: bool = along_x) -> np.ndarray:
            return at(0, step) if along else at(step, 0)

        run = (at(-1, 0) & at(1, 0)) if along_x else (at(0, -1) & at(0, 1))
        three = here & run & side(-1) & side(1) & ~side(-2) & ~side(2)
        two = here & run & side(1) & ~side(-1) & ~side(2)
        four = here & run & side(-1) & side(1) & side(2) & ~side(-2) & ~side(3)
        for mask, offset in ((three, 0.5), (two, 1.0), (four, 1.0)):
            xs, ys = np.nonzero(mask)
            if along_x:
                rects.append((xs + 0.2, ys + offset - 0.05, xs + 0.8, ys + offset + 0.05, xs, ys))
            else:
                rects.append((xs + offset - 0.05, ys + 0.2, xs + offset + 0.05, ys + 0.8, xs, ys))
    x0, y0, x1, y1, xs, ys = (np.concatenate(parts) for parts in zip(*rects))
    n = len(xs)
    if not n:
        return Mesh.empty()
    positions = np.empty((n, 4, 3), np.float32)
    positions[:, :, 0] = np.stack([x0, x1, x1, x0], axis=1) + lo[0]
    positions[:, :, 1] = np.stack([y0, y0, y1, y1], axis=1) + lo[1]
    positions[:, :, 2] = 1.005  # on the road's top, just above it
    colors = np.empty((n, 4, 4), np.uint8)
    colors[:, :, :3] = _MARKING
    inside = np.ones(n, bool) if zone is None else zone[xs, ys]
    colors[:, :, 3] = np.where(inside, 128, 0)[:, None]
    normals = np.zeros((n * 4, 3), np.int8)
    normals[:, 2] = 1
    indices = _QUAD[None, :] + 4 * np.arange(n, dtype=np.uint32)[:, None]
    return Mesh(positions.reshape(-1, 3), normals, colors.reshape(-1, 4), indices.ravel())
