"""Voxel grids to triangle meshes: greedy-merged quads with ambient occlusion baked into colours.

The editor draws on a CPU rasteriser (llvmpipe), where every triangle costs, so visible faces are
merged into maximal rectangles; AO lives in the vertex colours so the shader only adds sun shading.

Meshing is pure numpy on a grid and a colour table, and both the renderer (`game.render`) and the
3D exporters (`game.io.formats`: glTF, OBJ) need the same mesh, so it lives in the core, below
both, rather than in one of two sibling layers that must not import each other.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

Vec3i = tuple[int, int, int]

AO_FACTORS = np.array([0.55, 0.7, 0.85, 1.0], np.float32)
"""Brightness per AO level: 0 = corner enclosed by both sides, 3 = nothing around it."""

# The six face directions as (axis, sign); a face's in-plane axes are u = axis+1 and w = axis+2
# (mod 3), so u x w points along +axis and the corner order (0,0), (1,0), (1,1), (0,1) in (u, w)
# is counter-clockwise seen from the +axis side.
_DIRECTIONS = tuple((axis, sign) for axis in range(3) for sign in (1, -1))
_AXIS = np.array([axis for axis, _ in _DIRECTIONS])
_SIGN = np.array([sign for _, sign in _DIRECTIONS])
_NORMALS = (np.eye(3, dtype=np.int8)[_AXIS] * _SIGN[:, None]).astype(np.int8)
_CORNER_U = np.array([0, 1, 1, 0])
_CORNER_W = np.array([0, 0, 1, 1])
# Two triangles per quad (corner indices); the diagonal joins the brighter pair of opposite corners.
_TRIANGLES = np.array(
    [
        [[0, 1, 2, 0, 2, 3], [0, 1, 3, 1, 2, 3]],  # front face along +axis: diagonal 0-2 / 1-3
        [[0, 2, 1, 0, 3, 2], [0, 3, 1, 1, 3, 2]],  # front face along -axis: same, reversed winding
    ],
    np.uint32,
)


@dataclass(frozen=True, eq=False)
class Mesh:
    """Indexed triangles in voxel units; this module emits quads as four consecutive vertices.

    `colors` is RGBA: the block colour times the vertex's AO factor, alpha 255. Triangles wind
    counter-clockwise seen from the side their normal points to.
    """

    positions: np.ndarray  # float32 (N, 3)
    normals: np.ndarray  # int8 (N, 3)
    colors: np.ndarray  # uint8 (N, 4)
    indices: np.ndarray  # uint32 (M,)

    @property
    def vertex_count(self) -> int:
        return len(self.positions)

    @property
    def triangle_count(self) -> int:
        return len(self.indices) // 3

    @classmethod
    def empty(cls) -> "Mesh":
        return cls(
            np.zeros((0, 3), np.float32),
            np.zeros((0, 3), np.int8),
            np.zeros((0, 4), np.uint8),
            np.zeros(0, np.uint32),
        )

    @classmethod
    def concatenate(cls, meshes: Iterable["Mesh"]) -> "Mesh":
        meshes = [mesh for mesh in meshes if mesh.vertex_count]
        if not meshes:
            return cls.empty()
        offsets = np.cumsum([0] + [mesh.vertex_count for mesh in meshes[:-1]])
        return cls(
            np.concatenate([mesh.positions for mesh in meshes]),
            np.concatenate([mesh.normals for mesh in meshes]),
            np.concatenate([mesh.colors for mesh in meshes]),
            np.concatenate([mesh.indices + np.uint32(o) for mesh, o in zip(meshes, offsets)]),
        )


@dataclass(frozen=True)
class _Faces:
    """Visible unit faces (or merged rectangles) of a padded block, one entry each.

    `layer`, `u`, `w` are padded coordinates of the owning voxel along the face's axis and its
    two in-plane axes; `du`, `dw` are the rectangle's extents; `ao` is (n, 4) in corner order.
    """

    direction: np.ndarray
    layer: np.ndarray
    u: np.ndarray
    w: np.ndarray
    du: np.ndarray
    dw: np.ndarray
    block: np.ndarray
    ao: np.ndarray

    def take(
        self, index: np.ndarray, du: np.ndarray | None = None, dw: np.ndarray | None = None
    ) -> "_Faces":
        return _Faces(
            self.direction[index],
            self.layer[index],
            self.u[index],
            self.w[index],
            self.du[index] if du is None else du,
            self.dw[index] if dw is None else dw,
            self.block[index],
            self.ao[index],
        )


def padded_block(level: np.ndarray, lo: Vec3i, hi: Vec3i) -> np.ndarray:
    """The voxels `level[lo:hi]` plus a one-voxel border; the border outside the level is air."""
    lo_arr, hi_arr = np.asarray(lo), np.asarray(hi)
    block = np.zeros(tuple(hi_arr - lo_arr + 2), level.dtype)
    src_lo = np.maximum(lo_arr - 1, 0)
    src_hi = np.minimum(hi_arr + 1, level.shape)
    dst_lo = src_lo - lo_arr + 1
    dst_hi = src_hi - lo_arr + 1
    if np.all(src_hi > src_lo):
        block[tuple(map(slice, dst_lo, dst_hi))] = level[tuple(map(slice, src_lo, src_hi))]
    return block


def greedy_mesh(
    grid: np.ndarray,
    colors: np.ndarray,
    origin: Vec3i = (0, 0, 0),
    neighbours: np.ndarray | None = None,
    occlusion: bool = True,
) -> Mesh:
    """Mesh the visible faces of `grid`, merging equal faces (block and AO) into rectangles.

    Faces merge into runs along one in-plane axis, then equal runs of consecutive rows stack: the
    run-length form of greedy meshing, which yields one quad per uniform rectangle of faces.
    `neighbours` is an optional block of shape `grid.shape + 2` (see `padded_block`) whose
    one-voxel border decides visibility and AO at the edges of `grid`; it is never meshed, and its
    interior is ignored. Without it, everything around `grid` is air. `origin` is the world voxel
    coordinate of `grid[0, 0, 0]`. Without `occlusion` every corner is fully lit, so faces of
    one block merge whatever is around them (pictures whose faces must not change with their
    neighbours: `game.render.framing`).
    """
    faces = _visible_faces(_pad(grid, neighbours))
    if not occlusion:
        faces.ao[:] = len(AO_FACTORS) - 1
    return _emit(_merge_strips(_merge_runs(faces)), colors, origin)


def naive_mesh(
    grid: np.ndarray,
    colors: np.ndarray,
    origin: Vec3i = (0, 0, 0),
    neighbours: np.ndarray | None = None,
) -> Mesh:
    """Like `greedy_mesh` but one quad per visible face: the baseline that merging is measured against."""
    return _emit(_visible_faces(_pad(grid, neighbours)), colors, origin)


def _pad(grid: np.ndarray, neighbours: np.ndarray | None) -> np.ndarray:
    if grid.ndim != 3:
        raise ValueError(f"expected a 3D voxel grid, got shape {grid.shape}")
    if neighbours is None:
        return np.pad(grid, 1)
    if neighbours.shape != tuple(n + 2 for n in grid.shape):
        raise ValueError(
            f"neighbours must be grid.shape + 2, not {neighbours.shape} for {grid.shape}"
        )
    padded = neighbours.copy()
    padded[1:-1, 1:-1, 1:-1] = grid
    return padded


def _visible_faces(padded: np.ndarray) -> _Faces:
    """Every face of an interior solid voxel whose neighbour is air, with its four corner AO
    levels, sorted by (direction, layer, u, w): the order `_merge_runs` needs."""
    strides = np.array([padded.shape[1] * padded.shape[2], padded.shape[2], 1])
    flat = padded.ravel()
    air = flat == 0
    core = np.zeros(padded.shape, bool)
    core[1:-1, 1:-1, 1:-1] = padded[1:-1, 1:-1, 1:-1] != 0
    parts = [
        _faces_towards(d, core.ravel(), air, strides, padded.shape) for d in range(len(_DIRECTIONS))
    ]
    index, direction, layer, u, w = (np.concatenate(part) for part in zip(*parts))
    axis = _AXIS[direction]
    front = index + _SIGN[direction] * strides[axis]
    return _Faces(
        direction=direction,
        layer=layer,
        u=u,
        w=w,
        du=np.ones(len(index), np.int64),
        dw=np.ones(len(index), np.int64),
        block=flat[index],
        ao=_ambient_occlusion(~air, front, strides[(axis + 1) % 3], strides[(axis + 2) % 3]),
    )


def _faces_towards(
    d: int, core: np.ndarray, air: np.ndarray, strides: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat indices, direction, and (layer, u, w) coordinates of the visible faces along
    direction d, sorted by (layer, u, w): read from the mask with its axes in that order, so
    merging them needs no sort."""
    axis, sign = _DIRECTIONS[d]
    step = strides[axis]
    # Interior voxels never sit within one stride of either end, so plain 1D slices suffice.
    ahead = air[2 * step :] if sign > 0 else air[: -2 * step]
    visible = np.zeros(core.size, bool)
    visible[step:-step] = core[step:-step] & ahead
    order = (axis, (axis + 1) % 3, (axis + 2) % 3)
    layer, u, w = np.nonzero(visible.reshape(shape).transpose(order))
    xyz = [layer, layer, layer]
    for k, coordinate in zip(order, (layer, u, w)):
        xyz[k] = coordinate
    index = xyz[0] * strides[0] + xyz[1] * strides[1] + xyz[2]
    return index, np.full(len(index), d), layer, u, w


def _ambient_occlusion(
    solid: np.ndarray, front: np.ndarray, su: np.ndarray, sw: np.ndarray
) -> np.ndarray:
    """AO level 0..3 per face corner from the two sides and the corner in the layer in front."""
    corners = []
    for cu, cw in zip(_CORNER_U, _CORNER_W):
        ou, ow = su * (2 * cu - 1), sw * (2 * cw - 1)
        side_u = solid[front + ou].astype(np.int8)
        side_w = solid[front + ow].astype(np.int8)
        corner = solid[front + ou + ow].astype(np.int8)
        corners.append(np.where(side_u & side_w, 0, 3 - side_u - side_w - corner))
    return np.stack(corners, axis=1).astype(np.int8)


def _merge_keys(faces: _Faces) -> np.ndarray:
    """One integer per face such that equal values may share a rectangle: block plus corner AO."""
    ao = faces.ao.astype(np.int64)
    return (
        faces.block.astype(np.int64)
        | ao[:, 0] << 8
        | ao[:, 1] << 10
        | ao[:, 2] << 12
        | ao[:, 3] << 14
    )


def _merge_runs(faces: _Faces) -> _Faces:
    """Join faces into maximal runs along w within each (direction, layer, u) row."""
    size = max(faces.layer.max(initial=0), faces.u.max(initial=0), faces.w.max(initial=0)) + 2
    # The faces come sorted by cell (see `_visible_faces`).
    cell = np.ravel_multi_index(
        (faces.direction, faces.layer, faces.u, faces.w), (6, size, size, size)
    )
    key = _merge_keys(faces)
    # Interior w never reaches 0 or size-1, so consecutive cells are always in the same row.
    start = np.ones(len(cell), bool)
    start[1:] = (cell[1:] != cell[:-1] + 1) | (key[1:] != key[:-1])
    first = np.flatnonzero(start)
    length = np.diff(np.append(first, len(cell)))
    return faces.take(first, dw=length)


def _merge_strips(runs: _Faces) -> _Faces:
    """Stack equal runs (same start, length, block and AO) of consecutive rows along u."""
    size = max(runs.layer.max(initial=0), runs.w.max(initial=0), runs.dw.max(initial=0)) + 2
    group = np.ravel_multi_index(
        (runs.direction, runs.layer, runs.w, runs.dw), (6, size, size, size)
    )
    group = group << 16 | _merge_keys(runs)
    # Runs arrive sorted by (direction, layer, u), so a stable sort keeps u ascending per group.
    order = np.argsort(group, kind="stable")
    group, u = group[order], runs.u[order]
    start = np.ones(len(group), bool)
    start[1:] = (group[1:] != group[:-1]) | (u[1:] != u[:-1] + 1)
    first = np.flatnonzero(start)
    height = np.diff(np.append(first, len(group)))
    return runs.take(order[first], du=height)


def _emit(quads: _Faces, colors: np.ndarray, origin: Vec3i) -> Mesh:
    """Four vertices and two triangles per rectangle, coloured by block and corner AO."""
    n = len(quads.block)
    if n == 0:
        return Mesh.empty()
    axis = _AXIS[quads.direction]
    plane = quads.layer - 1 + (_SIGN[quads.direction] > 0)
    local = np.empty((n, 4, 3), np.int64)
    local[:, :, 0] = plane[:, None]
    local[:, :, 1] = (quads.u - 1)[:, None] + quads.du[:, None] * _CORNER_U
    local[:, :, 2] = (quads.w - 1)[:, None] + quads.dw[:, None] * _CORNER_W
    # (plane, u, w) -> (x, y, z): world axis k holds local component (k - axis) mod 3.
    to_world = (np.arange(3) - axis[:, None]) % 3
    world = np.take_along_axis(local, to_world[:, None, :], axis=2) + np.asarray(origin)
    shade = AO_FACTORS[quads.ao][:, :, None] * colors[quads.block].astype(np.float32)[:, None, :]
    rgba = np.full((n, 4, 4), 255, np.uint8)
    rgba[:, :, :3] = np.rint(shade)
    ao = quads.ao.astype(np.int16)
    flip = ao[:, 1] + ao[:, 3] > ao[:, 0] + ao[:, 2]
    back = _SIGN[quads.direction] < 0
    indices = (
        _TRIANGLES[back.astype(int), flip.astype(int)]
        + (4 * np.arange(n, dtype=np.uint32))[:, None]
    )
    return Mesh(
        positions=world.reshape(-1, 3).astype(np.float32),
        normals=np.repeat(_NORMALS[quads.direction], 4, axis=0),
        colors=rgba.reshape(-1, 4),
        indices=indices.ravel(),
    )
