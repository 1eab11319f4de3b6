"""Generated detail, like Townscaper: what a block *is*, drawn from the grid alone.

Nothing here is stored in a design: the same grid always gives the same detail. Two kinds:

* A **surface kind** per block (homes, offices, glass, shops, public buildings, water, grass,
  paving: `game.core.facades`, with the windows per kind the pictures and the glTF export
  draw too). Chunks carry it per vertex in the colour's alpha, beside the zone bit, and the
  editor's detail shader turns it into windows, doors, shop windows, ripples and grass
  variation from the face's world position: no texture, no extra vertex attribute, a few
  operations per pixel (the editor draws on llvmpipe, a CPU rasteriser).
* **Props**: blocks that are not boxes in the real world (trees, benches, playgrounds, flower
  beds, gardens with bushes) are left out of the greedy mesh and drawn as a few small boxes
  inside their voxel (`game.core.props`, shared with the server's pictures and the glTF
  export). The grid is unchanged, so picking and placing still aim at the whole voxel; a prop never takes
  a click.
"""

import numpy as np

from game.core.catalogue import Catalogue
from game.core.facades import CORNICE_ID, buildings, surface_kinds
from game.core.mesh import Mesh
from game.core.props import QUAD, box_mesh, prop_boxes, prop_ids

DOOR_BIT = 0x40
"""Beside the kind: this wall's ground floor faces a street or path, so it may have doors."""
CORNICE_BIT = 0x20
"""Beside the kind: this wall quad is the top row under a roof, drawn with a darker edge."""
PROP_FLAG, BUILDING_FLAG = 1, 2
"""`Detail.flags` per block id: drawn as a prop; a building (its top row has a roof edge)."""


def prop_mesh(
    grid: np.ndarray,
    lo: tuple[int, int, int],
    catalogue: Catalogue,
    props: np.ndarray,
    zone: np.ndarray | None = None,
    where: np.ndarray | None = None,
) -> Mesh:
    """The props of the voxels `grid` (world origin `lo`) as boxes (`prop_boxes`).

    `props` is `prop_ids(catalogue)`; `zone` (the grid's shape) the editable voxels. Alpha is
    128 inside the zone (or everywhere without one) and 0 outside, with surface kind PLAIN.
    `where` is `props[grid]` if the caller has it already.
    """
    found = prop_boxes(grid, lo, catalogue, props, where)
    if not len(found.boxes):
        return Mesh.empty()
    inside = np.ones(len(found.boxes), bool) if zone is None else zone[tuple(found.voxel.T)]
    return box_mesh(found.boxes, found.rgb, np.where(inside, 128, 0))


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
        self.flags[buildings(catalogue)] |= BUILDING_FLAG
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
    indices = QUAD[None, :] + 4 * np.arange(n, dtype=np.uint32)[:, None]
    return Mesh(positions.reshape(-1, 3), normals, colors.reshape(-1, 4), indices.ravel())
