"""Cameras for the editor: an orbit camera for building and a walk camera for visiting.

Pure numpy, no window needed, so every behaviour is tested without OpenGL.

Conventions:
- World coordinates are voxel units: x east, y north, z up; voxel (x, y, z) is the box
  [x, x+1] x [y, y+1] x [z, z+1]. Only walking speed and eye height are given in metres and
  converted with the level's `voxel_size_m`.
- Matrices follow the OpenGL math convention with column vectors:
  `clip = projection @ view @ [wx, wy, wz, 1]`, normalised device coordinates in [-1, 1] on
  all three axes, numpy arrays indexed [row, column]. OpenGL wants column-major data, so
  upload `m.T` (or pass `transpose=GL_TRUE`).
- Matrices are float32 by default because that is what the GPU takes. Picking should ask for
  `dtype=np.float64`: rays from an inverted float32 `projection @ view` are off by about
  1e-4 in direction, a tenth of a voxel across a large level.
- Yaw is a compass heading: 0 looks north (+y), 90 looks east (+x), increasing clockwise seen
  from above.
"""

import itertools
import math
from typing import Literal

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.floating]
Vector = npt.NDArray[np.float64]

# Far planes reach this far beyond what the camera looks at: more than twice the diagonal of
# the largest level (512 x 512 x 128 voxels, about 735), so no part of a level is ever cut off.
SCENE_DEPTH = 1500.0

UP = (0.0, 0.0, 1.0)

Preset = Literal["bird", "top", "street"]
"""The camera positions on F2, F3 and F4."""

STREET_OPEN_M = 40.0
"""The street view sees at least this far ahead at eye height before the first wall."""
STREET_FAR_M = 160.0
"""... and prefers a wall about this far ahead, so it looks at buildings, not off the level."""
STREET_CLEAR_M = ((5.0, 30.0), (9.0, 0.0))
"""(beside, ahead): nothing higher than the eye `beside` metres either side of the line of
sight, from the orbit camera's eye to `ahead` metres beyond the spot: a tree or a wall just
beside the eye fills half the picture though it is not in the way."""
STREET_MARGIN_M = 40.0
"""How far around the zone the street view may stand."""


def _line_of_sight(
    heights: npt.NDArray[np.integer],
    start: npt.NDArray[np.float64],
    direction: npt.NDArray[np.float64],
    samples: npt.NDArray[np.float64],
    eye: float,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(higher than the eye, inside the level) at each sample along each line from `start`."""
    X, Y = heights.shape
    px = np.floor(start[:, 0, None] + direction[:, 0, None] * samples).astype(int)
    py = np.floor(start[:, 1, None] + direction[:, 1, None] * samples).astype(int)
    inside = (px >= 0) & (px < X) & (py >= 0) & (py < Y)
    return inside & (heights[np.clip(px, 0, X - 1), np.clip(py, 0, Y - 1)] > eye), inside


def street_spot(
    heights: npt.NDArray[np.integer],
    zone_columns: npt.NDArray[np.bool_],
    voxel_size_m: float = 1.0,
    back: float = 0.0,
) -> tuple[float, float, float] | None:
    """Where to stand for the street view and where to look, (x, y, yaw), chosen from the level.

    The level's centre can be inside a block of houses (Kaiserslautern's was: the view was a
    wall). So: stand on open ground (no building, no tree: a column no higher than the ground
    around the zone) in or near the zone, looking at the zone's centre, where the view at
    eye height is open for `STREET_OPEN_M` and the wall first met is nearest to `STREET_FAR_M`,
    and nothing stands in the `back` voxels behind (where the orbit camera's eye is). Nearer
    the zone wins a tie. None if no spot qualifies (the caller keeps the level's centre).
    `heights[x, y]` is the first free z of each column, as the walk camera's ground map.
    """
    heights = np.asarray(heights)
    zx, zy = np.nonzero(zone_columns)
    if not zx.size:
        return None
    centre = np.array([zx.mean(), zy.mean()]) + 0.5
    ground = float(np.median(heights[zx, zy]))
    eye = ground + WalkCamera.EYE_HEIGHT_M / voxel_size_m
    margin = STREET_MARGIN_M / voxel_size_m
    X, Y = heights.shape
    lo = np.maximum(np.array([zx.min(), zy.min()]) - margin, 0).astype(int)
    hi = np.minimum(np.array([zx.max(), zy.max()]) + margin, (X - 1, Y - 1)).astype(int)
    step = max(1, int(round(4 / voxel_size_m)))  # a spot every 4 m is plenty
    gx, gy = np.meshgrid(np.arange(lo[0], hi[0] + 1, step), np.arange(lo[1], hi[1] + 1, step))
    spots = np.stack([gx.ravel(), gy.ravel()], axis=1)
    spots = spots[heights[spots[:, 0], spots[:, 1]] <= ground]
    if not spots.size:
        return None
    xy = spots + 0.5
    to_centre = centre - xy
    distance = np.linalg.norm(to_centre, axis=1)
    xy, to_centre, distance = (
        xy[distance > 1.0],
        to_centre[distance > 1.0],
        distance[distance > 1.0],
    )
    direction = to_centre / distance[:, None]
    far = STREET_FAR_M / voxel_size_m
    samples = np.arange(-back, 1.5 * far, 0.5)
    side = np.stack([direction[:, 1], -direction[:, 0]], axis=1)
    wall, inside = _line_of_sight(heights, xy, direction, samples, eye)
    for beside, up_to in STREET_CLEAR_M:
        near = samples[samples <= up_to / voxel_size_m]  # a prefix: samples grow
        for offset in np.arange(-beside, beside + 1e-9, 1.0) / voxel_size_m:
            high, _ = _line_of_sight(heights, xy + offset * side, direction, near, eye)
            wall[:, : near.size] |= high
    ahead = samples >= 0
    blocked_behind = (wall & ~ahead).any(axis=1)
    hits = wall & ahead
    hit = np.where(hits.any(axis=1), samples[np.argmax(hits, axis=1)], np.inf)
    left = ~inside[:, -1]  # the ray leaves the level: nothing to look at out there
    ok = ~blocked_behind & (hit >= STREET_OPEN_M / voxel_size_m) & ~(np.isinf(hit) & left)
    if not ok.any():
        return None
    score = -np.abs(np.minimum(hit, 1.5 * far) - far) - 0.5 * distance
    best = int(np.argmax(np.where(ok, score, -np.inf)))
    yaw = math.degrees(math.atan2(direction[best, 0], direction[best, 1])) % 360.0
    return float(xy[best, 0]), float(xy[best, 1]), yaw


def perspective(
    fov_y_deg: float, aspect: float, near: float, far: float, dtype: npt.DTypeLike = np.float32
) -> Matrix:
    """The OpenGL perspective projection (as gluPerspective): eye space to clip space.

    Eye space looks down -z with y up; depth maps to NDC -1 at `near` and +1 at `far`.
    """
    if not 0.0 < fov_y_deg < 180.0:
        raise ValueError(f"fov_y_deg must be in (0, 180), got {fov_y_deg}")
    if aspect <= 0.0:
        raise ValueError(f"aspect must be positive, got {aspect}")
    if not 0.0 < near < far:
        raise ValueError(f"need 0 < near < far, got near={near}, far={far}")
    f = 1.0 / math.tan(math.radians(fov_y_deg) / 2.0)
    return np.array(
        [
            [f / aspect, 0.0, 0.0, 0.0],
            [0.0, f, 0.0, 0.0],
            [0.0, 0.0, (far + near) / (near - far), 2.0 * far * near / (near - far)],
            [0.0, 0.0, -1.0, 0.0],
        ],
        dtype=dtype,
    )


def look_at(
    eye: npt.ArrayLike,
    target: npt.ArrayLike,
    up: npt.ArrayLike = UP,
    dtype: npt.DTypeLike = np.float32,
) -> Matrix:
    """The view matrix (as gluLookAt): world space to eye space, looking from `eye` at `target`.

    `up` only has to be roughly up; it must not be parallel to the line of sight, because then
    the camera's roll is undefined.
    """
    # Plain floats: numpy's cross products and norms on 3-vectors took 47 µs a frame, this 5.
    ex, ey, ez = (float(v) for v in np.asarray(eye, dtype=np.float64))
    tx, ty, tz = (float(v) for v in np.asarray(target, dtype=np.float64))
    ux, uy, uz = (float(v) for v in np.asarray(up, dtype=np.float64))
    fx, fy, fz = tx - ex, ty - ey, tz - ez
    length = math.sqrt(fx * fx + fy * fy + fz * fz)
    if length == 0.0:
        raise ValueError("eye and target must differ")
    fx, fy, fz = fx / length, fy / length, fz / length
    sx, sy, sz = fy * uz - fz * uy, fz * ux - fx * uz, fx * uy - fy * ux  # forward × up
    side_length = math.sqrt(sx * sx + sy * sy + sz * sz)
    if side_length < 1e-9:
        raise ValueError("up must not be parallel to the line of sight")
    sx, sy, sz = sx / side_length, sy / side_length, sz / side_length
    vx, vy, vz = sy * fz - sz * fy, sz * fx - sx * fz, sx * fy - sy * fx  # side × forward
    return np.array(
        [
            [sx, sy, sz, -(sx * ex + sy * ey + sz * ez)],
            [vx, vy, vz, -(vx * ex + vy * ey + vz * ez)],
            [-fx, -fy, -fz, fx * ex + fy * ey + fz * ez],
            [0.0, 0.0, 0.0, 1.0],
        ],
        dtype=dtype,
    )


def heading(yaw_deg: float, pitch_deg: float = 0.0) -> Vector:
    """The unit direction for a compass yaw and an elevation (positive looks up)."""
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    return np.array(
        [math.cos(pitch) * math.sin(yaw), math.cos(pitch) * math.cos(yaw), math.sin(pitch)]
    )


def _right(yaw_deg: float) -> Vector:
    """The horizontal unit vector to the right of a compass heading."""
    yaw = math.radians(yaw_deg)
    return np.array([math.cos(yaw), -math.sin(yaw), 0.0])


def _vec3(v: npt.ArrayLike, what: str) -> Vector:
    """A private float64 copy of a point, so callers' arrays are never aliased or mutated."""
    a = np.array(v, dtype=np.float64).reshape(-1)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise ValueError(f"{what} must be 3 finite numbers, got {v!r}")
    return a


class OrbitCamera:
    """Looks at `target` from `distance` away: the building view.

    The eye sits `pitch_deg` above the horizontal as seen from the target and looks along
    compass heading `yaw_deg`. Pitch stays in [5, 89.5] so the view never goes under the
    ground nor flips over the top (straight down, "up" on screen would be undefined).
    """

    MIN_PITCH = 5.0
    MAX_PITCH = 89.5
    STREET_DISTANCE_M = 12.0
    FROM_WALK_DISTANCE_M = 20.0
    FROM_WALK_PITCH = 30.0

    def __init__(
        self,
        target: npt.ArrayLike = (0.0, 0.0, 0.0),
        yaw_deg: float = 30.0,
        pitch_deg: float = 45.0,
        distance: float = 100.0,
        fov_y_deg: float = 50.0,
        min_distance: float = 2.0,
        max_distance: float = 4000.0,
    ) -> None:
        if not 0.0 < min_distance <= max_distance:
            raise ValueError(
                f"need 0 < min_distance <= max_distance, got {min_distance}, {max_distance}"
            )
        self.min_distance = min_distance
        self.max_distance = max_distance
        self.target = target
        self.yaw_deg = yaw_deg % 360.0
        self.pitch_deg = pitch_deg
        self.distance = distance
        self.fov_y_deg = fov_y_deg

    @property
    def target(self) -> Vector:
        """The point looked at and orbited around, in world voxel units."""
        return self._target

    @target.setter
    def target(self, value: npt.ArrayLike) -> None:
        self._target = _vec3(value, "target")

    @property
    def pitch_deg(self) -> float:
        return self._pitch_deg

    @pitch_deg.setter
    def pitch_deg(self, value: float) -> None:
        self._pitch_deg = min(max(float(value), self.MIN_PITCH), self.MAX_PITCH)

    @property
    def distance(self) -> float:
        return self._distance

    @distance.setter
    def distance(self, value: float) -> None:
        self._distance = min(max(float(value), self.min_distance), self.max_distance)

    def forward(self) -> Vector:
        """The unit line of sight, from the eye towards the target (pointing downwards)."""
        return heading(self.yaw_deg, -self.pitch_deg)

    def eye(self) -> Vector:
        """Where the camera is, in world voxel units."""
        return self.target - self.distance * self.forward()

    def view(self, dtype: npt.DTypeLike = np.float32) -> Matrix:
        """World to eye space; z stays up on screen."""
        return look_at(self.eye(), self.target, UP, dtype)

    def near_far(self) -> tuple[float, float]:
        """Clip planes that follow the distance, so depth precision holds when zoomed in or out."""
        return max(0.05, 0.01 * self.distance), self.distance + SCENE_DEPTH

    def projection(self, aspect: float, dtype: npt.DTypeLike = np.float32) -> Matrix:
        """Eye to clip space for a viewport of width / height `aspect`."""
        near, far = self.near_far()
        return perspective(self.fov_y_deg, aspect, near, far, dtype)

    def orbit(self, d_yaw: float, d_pitch: float) -> None:
        """Turn around the target (mouse drag): yaw wraps around, pitch is clamped."""
        self.yaw_deg = (self.yaw_deg + d_yaw) % 360.0
        self.pitch_deg = self.pitch_deg + d_pitch

    def pan(self, dx_pixels: float, dy_pixels: float, viewport_height: float) -> None:
        """Drag the world with the mouse: move the target in its horizontal plane.

        `dy_pixels` grows upwards (pyglet's convention). One pixel is the size of a pixel at
        the target's depth, and a vertical drag is stretched by the ground's foreshortening,
        so the ground point at the target follows the mouse (elsewhere approximately).
        """
        if viewport_height <= 0:
            raise ValueError(f"viewport_height must be positive, got {viewport_height}")
        view_height = 2.0 * self.distance * math.tan(math.radians(self.fov_y_deg) / 2.0)
        per_pixel = view_height / viewport_height
        across = dx_pixels * per_pixel
        along = dy_pixels * per_pixel / math.sin(math.radians(self.pitch_deg))
        self.target = self.target - across * _right(self.yaw_deg) - along * heading(self.yaw_deg)

    def zoom(self, steps: float, towards: npt.ArrayLike | None = None) -> None:
        """Wheel zoom: each step in brings the eye 15% closer; negative steps zoom out.

        With `towards` (the world point under the cursor) the whole camera is scaled about that
        point, target included, so the point stays under the cursor. Distance is clamped and the
        target moves by the clamped fraction.
        """
        old = self.distance
        self.distance = old * 0.85**steps
        if towards is not None:
            point = _vec3(towards, "towards")
            self.target = point + (self.distance / old) * (self.target - point)

    def frame(self, lo: npt.ArrayLike, hi: npt.ArrayLike, aspect: float = 1.0) -> None:
        """Aim at the centre of the box [lo, hi] and back off until all of it is in view.

        Keeps yaw, pitch and field of view. The default aspect 1 fits any landscape window;
        pass the window's aspect for a tighter fit. Leaves about 8% of air around the box.
        """
        lo_v, hi_v = _vec3(lo, "lo"), _vec3(hi, "hi")
        if np.any(hi_v < lo_v):
            raise ValueError(f"box must have lo <= hi, got {lo_v}, {hi_v}")
        self.target = (lo_v + hi_v) / 2.0
        forward = self.forward()
        side = np.cross(forward, UP)
        side /= np.linalg.norm(side)
        up = np.cross(side, forward)
        tan_y = math.tan(math.radians(self.fov_y_deg) / 2.0)
        tan_x = tan_y * aspect
        offsets = np.array(list(itertools.product(*zip(lo_v, hi_v)))) - self.target
        # A corner at offset o is in view when |o.side| <= tan_x * depth and |o.up| <= tan_y *
        # depth, with depth = distance + o.forward: solve each for the distance.
        sideways = np.maximum(np.abs(offsets @ side) / tan_x, np.abs(offsets @ up) / tan_y)
        needed = sideways - offsets @ forward
        self.distance = 1.08 * max(float(needed.max()), self.min_distance)

    def preset(
        self,
        name: Preset,
        lo: npt.ArrayLike,
        hi: npt.ArrayLike,
        aspect: float = 1.0,
        ground_z: float | None = None,
        voxel_size_m: float = 1.0,
        spot: tuple[float, float, float] | None = None,
    ) -> None:
        """Jump to a standard view of the level box [lo, hi].

        "bird": the whole level from 45 degrees, turned 30 degrees so buildings show two sides.
        "top": the plan, north up. "street": standing at `spot` (x, y, yaw: `street_spot`'s
        choice), or else at the level's centre keeping the current heading, a few steps back,
        eyes 1.6 m above `ground_z` (the ground height there; default the box's bottom).
        """
        if name == "bird":
            self.yaw_deg, self.pitch_deg = 30.0, 45.0
            self.frame(lo, hi, aspect)
        elif name == "top":
            self.yaw_deg, self.pitch_deg = 0.0, self.MAX_PITCH
            self.frame(lo, hi, aspect)
        elif name == "street":
            lo_v, hi_v = _vec3(lo, "lo"), _vec3(hi, "hi")
            centre = (lo_v + hi_v) / 2.0
            ground = lo_v[2] if ground_z is None else ground_z
            x, y = centre[:2] if spot is None else spot[:2]
            if spot is not None:
                self.yaw_deg = spot[2] % 360.0
            self.pitch_deg = self.MIN_PITCH
            self.target = (x, y, ground + WalkCamera.EYE_HEIGHT_M / voxel_size_m)
            self.distance = self.STREET_DISTANCE_M / voxel_size_m
        else:
            raise ValueError(f"unknown preset {name!r}; expected 'bird', 'top' or 'street'")

    @classmethod
    def from_walk(cls, walk: "WalkCamera") -> "OrbitCamera":
        """Step back from the walker and look over their shoulder at where they stand.

        The target is the walker's feet and the heading theirs, so `WalkCamera.from_orbit`
        brings the walker back to the same spot, facing the same way.
        """
        return cls(
            target=walk.position,
            yaw_deg=walk.yaw_deg,
            pitch_deg=cls.FROM_WALK_PITCH,
            distance=cls.FROM_WALK_DISTANCE_M / walk.voxel_size_m,
        )


class WalkCamera:
    """First person at eye height, walking on the ground map of the level.

    The walker is a square footprint of half-width 0.25 m (so the eye never touches a wall and
    the near plane never cuts into one). It stands on the highest column under the footprint,
    climbs steps of at most one voxel, is stopped by anything higher (sliding along it) and
    stays inside the level.
    """

    EYE_HEIGHT_M = 1.6
    RADIUS_M = 0.25
    NEAR_M = 0.1
    MAX_PITCH = 80.0
    MAX_STEP = 1.0  # voxels a walker can step up (a kerb, a stair)
    _SUBSTEP = 0.5  # voxels: shorter than a column, so fast moves cannot skip a wall
    _EPS = 1e-6  # a footprint touching a column's face does not stand on it, despite rounding

    def __init__(
        self,
        heights: npt.NDArray[np.integer],
        xy: npt.ArrayLike,
        yaw_deg: float = 0.0,
        pitch_deg: float = 0.0,
        voxel_size_m: float = 1.0,
        eye_height_m: float = EYE_HEIGHT_M,
        fov_y_deg: float = 60.0,
    ) -> None:
        if voxel_size_m <= 0:
            raise ValueError(f"voxel_size_m must be positive, got {voxel_size_m}")
        x, y = (float(c) for c in np.asarray(xy, dtype=np.float64).reshape(2))
        self.voxel_size_m = voxel_size_m
        self.eye_height = eye_height_m / voxel_size_m
        self.radius = self.RADIUS_M / voxel_size_m
        self.yaw_deg = yaw_deg % 360.0
        self.pitch_deg = pitch_deg
        self.fov_y_deg = fov_y_deg
        self._position = np.array([x, y, 0.0])
        self.settle(heights)

    @property
    def pitch_deg(self) -> float:
        return self._pitch_deg

    @pitch_deg.setter
    def pitch_deg(self, value: float) -> None:
        self._pitch_deg = min(max(float(value), -self.MAX_PITCH), self.MAX_PITCH)

    @property
    def position(self) -> Vector:
        """(x, y, feet z) in voxel units. Read-only: move with `walk`, so the rules hold."""
        return self._position.copy()

    def settle(self, heights: npt.NDArray[np.integer]) -> None:
        """Walk on this ground map from now on, and stand on it.

        `heights[x, y]` is the z of the first free voxel above the ground or roof of column
        (x, y). Call it again after every edit: a walker caught inside a new building ends up
        on its roof.
        """
        heights = np.asarray(heights)
        if heights.ndim != 2 or heights.shape[0] < 1 or heights.shape[1] < 1:
            raise ValueError(f"heights must be a non-empty 2-D array, got shape {heights.shape}")
        self._heights = heights
        extent = np.array(heights.shape, dtype=np.float64)
        self._position[:2] = np.clip(self._position[:2], self.radius, extent - self.radius)
        self._position[2] = self._ground(self._position)

    def _ground(self, position: Vector) -> float:
        """The height of the highest column under the footprint centred at `position`."""
        x, y = position[0], position[1]
        r, eps = self.radius, self._EPS
        x0, x1 = math.floor(x - r + eps), math.ceil(x + r - eps)
        y0, y1 = math.floor(y - r + eps), math.ceil(y + r - eps)
        return float(self._heights[x0:x1, y0:y1].max())

    def eye(self) -> Vector:
        """Where the walker's eyes are: above the feet by the eye height, in voxel units."""
        return self._position + np.array([0.0, 0.0, self.eye_height])

    def forward(self) -> Vector:
        """The unit line of sight."""
        return heading(self.yaw_deg, self.pitch_deg)

    def view(self, dtype: npt.DTypeLike = np.float32) -> Matrix:
        """World to eye space; pitch is limited to 80 degrees, so up is always defined."""
        eye = self.eye()
        return look_at(eye, eye + self.forward(), UP, dtype)

    def projection(self, aspect: float, dtype: npt.DTypeLike = np.float32) -> Matrix:
        """Eye to clip space; the near plane is closer than the walker's half-width to walls."""
        near = self.NEAR_M / self.voxel_size_m
        return perspective(self.fov_y_deg, aspect, near, SCENE_DEPTH, dtype)

    def look(self, d_yaw: float, d_pitch: float) -> None:
        """Turn the head (mouse look): yaw wraps around, pitch stays within 80 degrees."""
        self.yaw_deg = (self.yaw_deg + d_yaw) % 360.0
        self.pitch_deg = self.pitch_deg + d_pitch

    def walk(self, forward: float, right: float, dt: float, speed_m_s: float = 1.4 * 3) -> None:
        """Move for `dt` seconds in the ground plane, following the ground map.

        `forward` and `right` are the key axes in [-1, 1] (negative: back, left); looking up
        or down does not slow the walker, and diagonals are not faster. Each axis moves on its
        own, so a wall in the way stops one axis and the walker slides along it.
        """
        move = forward * heading(self.yaw_deg)[:2] + right * _right(self.yaw_deg)[:2]
        length = float(np.linalg.norm(move))
        if length > 1.0:
            move /= length
        move *= speed_m_s / self.voxel_size_m * dt
        steps = max(1, math.ceil(float(np.abs(move).max()) / self._SUBSTEP))
        for _ in range(steps):
            for axis in (0, 1):
                self._move_axis(axis, float(move[axis]) / steps)

    def _move_axis(self, axis: int, delta: float) -> None:
        """Move along one axis unless the column entered is more than a step up."""
        if delta == 0.0:
            return
        old = self._position[axis]
        candidate = self._position.copy()
        limit = self._heights.shape[axis] - self.radius
        candidate[axis] = min(max(old + delta, self.radius), limit)
        ground = self._ground(candidate)
        if ground - self._position[2] > self.MAX_STEP:
            # Stop with the footprint against the face of the column that was in the way.
            if delta > 0:
                face = math.ceil(candidate[axis] + self.radius - self._EPS) - 1
                candidate[axis] = max(old, face - self.radius)
            else:
                face = math.floor(candidate[axis] - self.radius + self._EPS) + 1
                candidate[axis] = min(old, face + self.radius)
            ground = self._ground(candidate)
        self._position[axis] = candidate[axis]
        self._position[2] = ground

    @classmethod
    def from_orbit(
        cls, orbit: OrbitCamera, heights: npt.NDArray[np.integer], voxel_size_m: float = 1.0
    ) -> "WalkCamera":
        """Stand on the ground under the orbit's target, facing the orbit's heading."""
        return cls(heights, orbit.target[:2], yaw_deg=orbit.yaw_deg, voxel_size_m=voxel_size_m)
