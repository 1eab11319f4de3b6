"""Picking: which voxel, and which of its faces, is under the mouse.

The editor turns a click into a world ray (`screen_ray`) and walks it through the grid
(`cast_ray`), so the "remove" tool gets the block that is seen and the "place" tool gets the
empty cell in front of the face that is seen (`Hit.adjacent`). Every level has a ground layer,
so a ray over the level always meets a block. Pure numpy + standard library.

Conventions: `grid[x, y, z]`, x east, y north, z up, 0 is air; voxel (x, y, z) is the box
[x, x+1] x [y, y+1] x [z, z+1] in world units; the grid is the box [0, X] x [0, Y] x [0, Z].
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vec3i = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Hit:
    """The first solid voxel along a ray.

    `normal` is the unit axis vector of the face the ray came in through, pointing out of the
    voxel towards the ray's origin; `distance` is measured along the normalised ray from its
    origin to that face.
    """

    voxel: Vec3i
    normal: Vec3i
    distance: float

    @property
    def adjacent(self) -> Vec3i:
        """The cell in front of the hit face: where a "place" tool puts a new block."""
        return (
            self.voxel[0] + self.normal[0],
            self.voxel[1] + self.normal[1],
            self.voxel[2] + self.normal[2],
        )


def cast_ray(
    grid: npt.NDArray[np.uint8],
    origin: Iterable[float],
    direction: Iterable[float],
    max_distance: float = 1000.0,
) -> Hit | None:
    """The first solid voxel the ray from `origin` along `direction` enters, or None.

    Amanatides & Woo DDA traversal. A ray starting outside the grid is first clipped to the
    grid's box (slab test); the voxel it enters through is tested with the face it entered
    through as the normal (an origin on the grid's surface counts as outside). A ray starting
    inside the grid never hits the voxel containing its origin (when the origin lies exactly
    on a face, the voxel on the side the ray moves towards): a camera that ends up inside a
    block looks out of it rather than picking it, and every hit has a well-defined entry face.
    Hits farther than `max_distance` are ignored. Rays that run exactly along a voxel edge or
    face go to one of the touching voxels; which one is unspecified.
    """
    if grid.ndim != 3:
        raise ValueError(f"grid must be 3-D, got shape {grid.shape}")
    shape: Vec3i = (int(grid.shape[0]), int(grid.shape[1]), int(grid.shape[2]))
    o = _vec3(origin)
    d = _unit(direction)

    entry = _enter_box(shape, o, d)
    if entry is None:
        return None
    t, entry_axis = entry
    if t > max_distance:
        return None

    # Start voxel, step, first boundary crossing (as a distance from the origin) and the
    # distance between crossings, per axis.
    (x, step_x, t_max_x, delta_x), (y, step_y, t_max_y, delta_y), (z, step_z, t_max_z, delta_z) = (
        _axis_start(o[axis], d[axis], o[axis] + t * d[axis], shape[axis], axis == entry_axis)
        for axis in range(3)
    )
    size_x, size_y, size_z = shape
    end_x = size_x if step_x > 0 else -1
    end_y = size_y if step_y > 0 else -1
    end_z = size_z if step_z > 0 else -1
    normal_x: Vec3i = (-step_x, 0, 0)
    normal_y: Vec3i = (0, -step_y, 0)
    normal_z: Vec3i = (0, 0, -step_z)

    # Walk a flat C-order index alongside (x, y, z): a memoryview lookup is several times
    # cheaper than indexing the numpy array with Python ints.
    cells = _solid_bytes(grid)
    stride_x = size_y * size_z
    index = x * stride_x + y * size_z + z
    jump_x = step_x * stride_x
    jump_y = step_y * size_z
    jump_z = step_z

    if entry_axis >= 0 and cells[index]:
        return Hit((x, y, z), (normal_x, normal_y, normal_z)[entry_axis], t)
    while True:
        if t_max_x < t_max_y and t_max_x < t_max_z:
            x += step_x
            if x == end_x:
                return None
            index += jump_x
            t = t_max_x
            t_max_x += delta_x
            normal = normal_x
        elif t_max_y < t_max_z:
            y += step_y
            if y == end_y:
                return None
            index += jump_y
            t = t_max_y
            t_max_y += delta_y
            normal = normal_y
        else:
            z += step_z
            if z == end_z:
                return None
            index += jump_z
            t = t_max_z
            t_max_z += delta_z
            normal = normal_z
        if t > max_distance:
            return None
        if cells[index]:
            return Hit((x, y, z), normal, t)


def screen_ray(
    inverse_view_projection: npt.ArrayLike, x: float, y: float, width: float, height: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The world ray (origin, unit direction) through window point (x, y).

    Matrix convention (OpenGL, column vectors): `clip = P @ V @ [wx, wy, wz, 1]`, with
    normalised device coordinates in [-1, 1] on all three axes, and the argument is
    `np.linalg.inv(P @ V)` as a plain 4x4 numpy array indexed [row, column]. A matrix stored
    column-major as 16 numbers (pyglet's `Mat4`, `glGetFloatv`) is
    `np.array(m).reshape(4, 4).T`.

    Window convention (as `glViewport`): (0, 0) is the bottom-left corner of the viewport,
    (width, height) the top-right, y grows upwards; the centre of pixel (i, j) is
    (i + 0.5, j + 0.5). Mouse coordinates from pyglet can be passed directly (they are in
    this frame, at most half a pixel off); use the same units for the mouse and the size
    (framebuffer pixels vs window points on high-DPI screens).

    The origin is the point on the near plane, not the eye: nothing closer is drawn, and it
    makes orthographic cameras work too. The direction points from near to far plane.
    """
    matrix = np.asarray(inverse_view_projection, dtype=np.float64)
    if matrix.shape != (4, 4):
        raise ValueError(f"inverse_view_projection must be 4x4, got shape {matrix.shape}")
    if width <= 0 or height <= 0:
        raise ValueError(f"viewport size must be positive, got {width}x{height}")
    ndc_x = 2.0 * x / width - 1.0
    ndc_y = 2.0 * y / height - 1.0
    clip = np.array([[ndc_x, ndc_x], [ndc_y, ndc_y], [-1.0, 1.0], [1.0, 1.0]])  # near, far
    world = matrix @ clip
    if not np.all(np.abs(world[3]) > 1e-12):
        raise ValueError(
            "the near or far point is at infinity: is the matrix a view-projection inverse?"
        )
    near, far = (world[:3] / world[3]).T
    direction = far - near
    return near, direction / np.linalg.norm(direction)


def _vec3(v: Iterable[float]) -> tuple[float, float, float]:
    x, y, z = (float(c) for c in v)
    if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)):
        raise ValueError(f"vector must be finite, got {(x, y, z)}")
    return x, y, z


def _unit(v: Iterable[float]) -> tuple[float, float, float]:
    x, y, z = _vec3(v)
    length = math.hypot(x, y, z)
    if length == 0.0:
        raise ValueError("ray direction must not be zero")
    return x / length, y / length, z / length


def _enter_box(
    shape: Vec3i, o: tuple[float, float, float], d: tuple[float, float, float]
) -> tuple[float, int] | None:
    """Slab test against [0, X] x [0, Y] x [0, Z]: (distance to entry, axis of the entry face).

    The axis is -1 (and the distance 0) when the origin is inside the box. None when the ray
    misses the box or only touches an edge or corner of it. A ray parallel to an axis counts
    as inside on that axis for 0 <= o < size, the half-open range the voxel indices cover.
    """
    t_enter = -math.inf
    t_exit = math.inf
    entry_axis = -1
    for axis in range(3):
        oa, da, size = o[axis], d[axis], shape[axis]
        if da == 0.0:
            if not 0.0 <= oa < size:
                return None
            continue
        t_near = (0.0 - oa) / da
        t_far = (size - oa) / da
        if t_near > t_far:
            t_near, t_far = t_far, t_near
        if t_near > t_enter:
            t_enter, entry_axis = t_near, axis
        t_exit = min(t_exit, t_far)
    if t_enter < 0.0:
        t_enter, entry_axis = 0.0, -1
    if t_exit <= t_enter:
        return None
    return t_enter, entry_axis


def _axis_start(
    o: float, d: float, p: float, size: int, is_entry_axis: bool
) -> tuple[int, int, float, float]:
    """(voxel index, step, distance to first boundary crossing, distance between crossings).

    `p` is the start point's coordinate; on a boundary, the voxel is the one the ray moves
    into. On the entry axis `p` is snapped onto the entry face, elsewhere the index is
    clamped into the grid, so rounding in `o + t * d` cannot start the walk outside.
    """
    if d > 0.0:
        voxel = 0 if is_entry_axis else math.floor(p)
        step = 1
    elif d < 0.0:
        voxel = size - 1 if is_entry_axis else math.ceil(p) - 1
        step = -1
    else:
        return math.floor(p), 0, math.inf, math.inf
    voxel = min(max(voxel, 0), size - 1)
    boundary = voxel + 1 if step > 0 else voxel
    return voxel, step, (boundary - o) / d, 1.0 / abs(d)


def _solid_bytes(grid: npt.NDArray[np.generic]) -> memoryview:
    """The grid as flat C-order bytes, non-zero exactly at solid voxels.

    No copy for the usual C-contiguous uint8 grid; a sliced view or a wider dtype is copied.
    """
    if grid.dtype.itemsize != 1:
        grid = grid != 0
    return np.ascontiguousarray(grid).data.cast("B")
