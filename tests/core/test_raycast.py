"""Picking: rays from the camera find the voxel and face the student points at."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from game.core.raycast import Hit, cast_ray, screen_ray

AXES = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
WIDTH, HEIGHT = 800, 600


def single_voxel(shape: tuple[int, int, int], voxel: tuple[int, int, int]) -> np.ndarray:
    grid = np.zeros(shape, dtype=np.uint8)
    grid[voxel] = 1
    return grid


def centre(voxel: tuple[int, int, int]) -> np.ndarray:
    return np.array(voxel, dtype=float) + 0.5


# --- brute-force reference ------------------------------------------------------------------


class Grazing(Exception):
    """The ray passes within EPS of a voxel edge or corner: which voxel it "hits" is moot."""


EPS = 1e-6


def reference_cast(grid: np.ndarray, origin, direction) -> tuple[tuple, tuple, float] | None:
    """Sample the ray once inside every stretch between consecutive grid-plane crossings.

    Each sample lies strictly inside the one voxel the ray crosses there, so this visits
    every voxel along the line (a uniformly spaced sampler would miss corner clips shorter
    than its step), with no DDA bookkeeping. Same rule as `cast_ray` for an origin inside the
    grid: the voxel containing the origin is skipped.
    """
    o = np.asarray(origin, dtype=float)
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    crossings = [(0.0, -1)]  # (distance, axis of the plane crossed); -1: the origin itself
    for axis in range(3):
        if d[axis] != 0.0:
            planes = np.arange(grid.shape[axis] + 1)
            if np.any(np.abs(planes - o[axis]) < EPS):
                raise Grazing  # the camera is on a face: which voxel is "its own" is moot
            with np.errstate(over="ignore"):
                ts = (planes - o[axis]) / d[axis]
            # Beyond 1e6 the ray is far out of these small grids (and o + t * d may overflow).
            crossings += [(float(t), axis) for t in ts if 0.0 < t < 1e6]
    crossings.sort()
    for (t0, _), (t1, _) in itertools.pairwise(crossings):  # two planes at once: an edge
        at = o + t0 * d
        if t1 - t0 < EPS and np.all((at >= -EPS) & (at <= np.array(grid.shape) + EPS)):
            raise Grazing
    # Stretches start at the first crossing: before it the ray is outside the grid or in the
    # origin's own voxel.
    for (t0, axis), (t1, _) in itertools.pairwise(crossings[1:]):
        cell = tuple(int(c) for c in np.floor(o + (t0 + t1) / 2 * d))
        if all(0 <= c < n for c, n in zip(cell, grid.shape)) and grid[cell]:
            normal = [0, 0, 0]
            normal[axis] = -int(np.sign(d[axis]))
            return cell, tuple(normal), t0
    return None


# Hypothesis favours round numbers; shifting them by an irrational amount keeps most rays off
# the grid planes and edges, where the reference cannot judge (see Grazing).
OFF_GRID = 1 / math.pi


def shifted_points(low: float, high: float) -> st.SearchStrategy[tuple[float, float, float]]:
    coordinate = st.floats(low, high).map(lambda c: c + OFF_GRID)
    return st.tuples(coordinate, coordinate, coordinate)


shapes = st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
blocks = st.sampled_from([0, 0, 0, 1, 7])
grids = shapes.flatmap(lambda shape: arrays(np.uint8, shape, elements=blocks, fill=st.nothing()))
aims = st.tuples(
    *[st.floats(0.01, 0.99).map(lambda f: f + 1e-3 * OFF_GRID)] * 3
)  # fractions of the box
directions = st.tuples(*[st.floats(-1.0, 1.0)] * 3).filter(lambda v: math.hypot(*v) > 1e-3)


def assert_matches_reference(grid: np.ndarray, origin, direction) -> None:
    try:
        expected = reference_cast(grid, origin, direction)
    except Grazing:
        assume(False)
    hit = cast_ray(grid, origin, direction)
    if expected is None:
        assert hit is None
    else:
        assert hit is not None
        assert (hit.voxel, hit.normal) == expected[:2]
        assert hit.distance == pytest.approx(expected[2], abs=1e-9)


@given(grid=grids, origin=shifted_points(-8.0, 14.0), aim=aims)
def test_a_ray_from_outside_hits_the_first_solid_voxel_along_the_line_like_a_brute_force_walk(
    grid, origin, aim
):
    assume(not all(0.0 <= c <= n for c, n in zip(origin, grid.shape)))
    direction = np.array(aim) * grid.shape - origin  # towards a point in the grid's box
    assume(np.linalg.norm(direction) > 1e-3)
    assert_matches_reference(grid, origin, direction)


@given(grid=grids, origin=shifted_points(-2.0, 7.0), direction=directions)
def test_any_ray_agrees_with_the_brute_force_walk_including_from_inside_the_grid(
    grid, origin, direction
):
    assert_matches_reference(grid, origin, direction)


# --- cast_ray -------------------------------------------------------------------------------


def test_a_ray_straight_down_onto_a_single_voxel_hits_its_top_face():
    grid = single_voxel((5, 5, 5), (2, 3, 1))
    hit = cast_ray(grid, (2.5, 3.5, 20.0), (0.0, 0.0, -1.0))
    assert hit == Hit(voxel=(2, 3, 1), normal=(0, 0, 1), distance=18.0)


def test_the_adjacent_cell_of_a_top_face_hit_is_the_cell_above():
    grid = single_voxel((5, 5, 5), (2, 3, 1))
    hit = cast_ray(grid, (2.2, 3.7, 9.0), (0.1, -0.05, -1.0))
    assert hit is not None and hit.normal == (0, 0, 1)
    assert hit.adjacent == (2, 3, 2)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("axis", AXES, ids=["east", "west", "north", "south", "up", "down"])
@pytest.mark.parametrize("start", [10.0, 1.5], ids=["from-outside", "from-inside"])
def test_a_ray_along_each_axis_hits_the_face_turned_towards_it(axis, start):
    voxel = (2, 2, 2)
    grid = single_voxel((5, 5, 5), voxel)
    direction = np.array(axis, dtype=float)
    origin = centre(voxel) + np.array([0.2, -0.3, 0.1]) - start * direction
    hit = cast_ray(grid, origin, direction)
    assert hit is not None
    assert hit.voxel == voxel
    assert hit.normal == tuple(-c for c in axis)
    assert hit.distance == pytest.approx(start - 0.5 - float(np.dot([0.2, -0.3, 0.1], axis)))


@pytest.mark.parametrize("azimuth", [10.0, 55.0, 100.0, 190.0, 280.0])
@pytest.mark.parametrize("elevation", [-50.0, 15.0, 40.0, 75.0])
def test_a_diagonal_ray_from_outside_hits_the_first_voxel_on_the_line_not_the_one_behind(
    azimuth, elevation
):
    az, el = math.radians(azimuth), math.radians(elevation)
    direction = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
    front = (4, 5, 3)
    aim = centre(front) + [0.1, 0.2, -0.15]  # off-centre, so the line grazes no edge
    behind = tuple(int(c) for c in np.floor(aim + 2.5 * direction))
    assert behind != front
    grid = single_voxel((10, 10, 8), front)
    grid[behind] = 3
    origin = aim - 30.0 * direction  # outside the grid

    hit = cast_ray(grid, origin, direction)
    assert hit is not None and hit.voxel == front
    assert np.dot(hit.normal, direction) < 0

    grid[front] = 0
    hit = cast_ray(grid, origin, direction)
    assert hit is not None and hit.voxel == behind


def test_the_distance_reaches_the_entry_face_of_the_hit_voxel():
    grid = single_voxel((6, 6, 6), (3, 1, 2))
    direction = np.array([1.0, 0.25, 0.5])
    origin = np.array([-2.0, 0.0, 0.4])
    hit = cast_ray(grid, origin, direction)
    assert hit is not None and hit.normal == (-1, 0, 0)
    entry_point = origin + hit.distance * direction / np.linalg.norm(direction)
    assert entry_point[0] == pytest.approx(3.0)
    assert 1.0 <= entry_point[1] <= 2.0 and 2.0 <= entry_point[2] <= 3.0


@pytest.mark.parametrize(
    ("origin", "direction"),
    [
        ((2.5, 2.5, 10.0), (0.0, 0.0, 1.0)),  # looking up, away from the grid
        ((-3.0, 2.5, 2.5), (0.0, 1.0, 0.0)),  # parallel to the grid, beside it
        ((-3.0, -3.0, 2.5), (-1.0, 1.0, 0.0)),  # passing the corner on the outside
        ((2.5, 2.5, 10.0), (0.05, 0.05, -1.0)),  # through the grid, between the blocks
    ],
    ids=["away", "beside", "past-the-corner", "between-blocks"],
)
def test_a_ray_that_misses_every_block_returns_none(origin, direction):
    grid = np.zeros((5, 5, 5), dtype=np.uint8)
    grid[0, 0, 0] = grid[4, 4, 4] = 1
    assert cast_ray(grid, origin, direction) is None


def test_an_empty_grid_returns_none():
    assert (
        cast_ray(np.zeros((8, 8, 4), dtype=np.uint8), (-1.0, -2.0, 5.0), (1.0, 1.2, -0.5)) is None
    )


def test_a_camera_inside_a_block_looks_out_of_it_and_picks_the_next_one():
    grid = np.zeros((5, 5, 5), dtype=np.uint8)
    grid[1:4, 1:4, 1:4] = 1
    hit = cast_ray(grid, (2.5, 2.5, 2.5), (1.0, 0.0, 0.0))
    assert hit == Hit(voxel=(3, 2, 2), normal=(-1, 0, 0), distance=0.5)
    alone = single_voxel((5, 5, 5), (2, 2, 2))
    assert cast_ray(alone, (2.5, 2.5, 2.5), (0.3, -1.0, 0.2)) is None


def test_a_camera_exactly_on_the_face_between_two_blocks_skips_the_one_it_looks_into():
    grid = np.zeros((5, 5, 5), dtype=np.uint8)
    grid[0:3, 2, 2] = 1
    hit = cast_ray(grid, (2.0, 2.5, 2.5), (-1.0, 0.0, 0.0))
    assert hit == Hit(voxel=(0, 2, 2), normal=(1, 0, 0), distance=1.0)


def test_a_ray_starting_on_the_grid_surface_picks_the_block_it_enters():
    grid = single_voxel((5, 5, 5), (2, 2, 4))
    assert cast_ray(grid, (2.5, 2.5, 5.0), (0.0, 0.0, -1.0)) == Hit((2, 2, 4), (0, 0, 1), 0.0)


def test_blocks_beyond_the_maximum_distance_are_not_picked():
    grid = single_voxel((40, 3, 3), (30, 1, 1))
    origin, direction = (0.5, 1.5, 1.5), (1.0, 0.0, 0.0)
    assert cast_ray(grid, origin, direction, max_distance=25.0) is None
    assert cast_ray(grid, origin, direction, max_distance=29.5) is not None
    assert cast_ray(grid, (-100.0, 1.5, 1.5), direction, max_distance=50.0) is None


def test_a_sliced_view_of_the_grid_is_picked_like_a_copy():
    city = np.zeros((6, 6, 6), dtype=np.uint8)
    city[2, 3, 1] = city[2, 3, 4] = 1
    cutaway = city[:, :, :3]  # not C-contiguous
    assert cast_ray(cutaway, (2.5, 3.5, 9.0), (0.0, 0.0, -1.0)) == Hit((2, 3, 1), (0, 0, 1), 7.0)


def test_a_zero_direction_is_refused():
    with pytest.raises(ValueError):
        cast_ray(np.ones((2, 2, 2), dtype=np.uint8), (0.5, 0.5, 5.0), (0.0, 0.0, 0.0))


# --- screen_ray -----------------------------------------------------------------------------


def look_at(eye, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """gluLookAt: world to camera space, camera looking down its -z axis."""
    eye = np.asarray(eye, dtype=float)
    forward = np.asarray(target, dtype=float) - eye
    forward /= np.linalg.norm(forward)
    side = np.cross(forward, up)
    side /= np.linalg.norm(side)
    true_up = np.cross(side, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = side, true_up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


def perspective(fovy_degrees: float, aspect: float, near: float, far: float) -> np.ndarray:
    """gluPerspective."""
    f = 1.0 / math.tan(math.radians(fovy_degrees) / 2)
    return np.array(
        [
            [f / aspect, 0.0, 0.0, 0.0],
            [0.0, f, 0.0, 0.0],
            [0.0, 0.0, (far + near) / (near - far), 2 * far * near / (near - far)],
            [0.0, 0.0, -1.0, 0.0],
        ]
    )


def orthographic(half_width: float, half_height: float, near: float, far: float) -> np.ndarray:
    """glOrtho, symmetric."""
    return np.array(
        [
            [1.0 / half_width, 0.0, 0.0, 0.0],
            [0.0, 1.0 / half_height, 0.0, 0.0],
            [0.0, 0.0, -2.0 / (far - near), -(far + near) / (far - near)],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )


def to_window(view_projection: np.ndarray, point) -> tuple[float, float]:
    clip = view_projection @ np.append(point, 1.0)
    ndc = clip[:3] / clip[3]
    return (ndc[0] + 1) / 2 * WIDTH, (ndc[1] + 1) / 2 * HEIGHT


def orbit_eye(target, azimuth: float, elevation: float, radius: float = 25.0) -> np.ndarray:
    az, el = math.radians(azimuth), math.radians(elevation)
    return np.asarray(target, dtype=float) + radius * np.array(
        [math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)]
    )


CAMERA_ANGLES = [
    (0.0, 30.0),
    (35.0, 45.0),
    (120.0, 60.0),
    (210.0, 35.0),
    (300.0, 80.0),
    (75.0, 89.0),
]
NEAR = 0.1


@pytest.mark.parametrize(("azimuth", "elevation"), CAMERA_ANGLES)
def test_the_centre_pixel_ray_points_along_the_camera_forward_vector(azimuth, elevation):
    target = np.array([6.0, 6.0, 1.0])
    eye = orbit_eye(target, azimuth, elevation)
    view_projection = perspective(60.0, WIDTH / HEIGHT, NEAR, 500.0) @ look_at(eye, target)

    origin, direction = screen_ray(
        np.linalg.inv(view_projection), WIDTH / 2, HEIGHT / 2, WIDTH, HEIGHT
    )

    forward = (target - eye) / np.linalg.norm(target - eye)
    assert direction == pytest.approx(forward, abs=1e-9)
    assert origin == pytest.approx(eye + NEAR * forward, abs=1e-6)


def face_centres(voxel: tuple[int, int, int]):
    for normal in AXES:
        yield normal, centre(voxel) + 0.5 * np.array(normal)


@pytest.mark.parametrize(("azimuth", "elevation"), CAMERA_ANGLES)
def test_clicking_the_centre_of_a_visible_face_picks_that_voxel_and_face(azimuth, elevation):
    grid = np.zeros((12, 12, 6), dtype=np.uint8)
    grid[:, :, 0] = 1  # the ground
    tower, paving = (6, 5, 1), (2, 9, 0)
    grid[tower] = 2
    eye = orbit_eye((6.0, 6.0, 1.0), azimuth, elevation)
    view_projection = perspective(60.0, WIDTH / HEIGHT, NEAR, 500.0) @ look_at(eye, (6.0, 6.0, 1.0))
    inverse = np.linalg.inv(view_projection)

    targets = [
        (tower, normal, point)
        for normal, point in face_centres(tower)
        if np.dot(eye - point, normal) > 0
    ]
    targets.append((paving, (0, 0, 1), centre(paving) + [0.0, 0.0, 0.5]))
    assert len(targets) >= 3  # the top face, at least one side and the paving
    for voxel, normal, point in targets:
        origin, direction = screen_ray(inverse, *to_window(view_projection, point), WIDTH, HEIGHT)
        hit = cast_ray(grid, origin, direction)
        assert hit is not None
        assert (hit.voxel, hit.normal) == (voxel, normal)
        assert hit.distance == pytest.approx(np.linalg.norm(point - origin), abs=1e-6)


def test_an_orthographic_camera_gives_parallel_rays_from_the_near_plane():
    eye, target = np.array([20.0, -10.0, 30.0]), np.array([6.0, 6.0, 0.0])
    view = look_at(eye, target)
    inverse = np.linalg.inv(orthographic(16.0, 12.0, 1.0, 200.0) @ view)
    forward = (target - eye) / np.linalg.norm(target - eye)
    for x, y in [(0.0, 0.0), (400.0, 300.0), (799.5, 12.25)]:
        origin, direction = screen_ray(inverse, x, y, WIDTH, HEIGHT)
        assert direction == pytest.approx(forward, abs=1e-9)
        assert (view @ np.append(origin, 1.0))[2] == pytest.approx(-1.0)  # on the near plane
