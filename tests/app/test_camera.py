"""Orbit and walk cameras: where they look, what they keep in view, where walkers may go."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.app.camera import OrbitCamera, WalkCamera, look_at, perspective

WIDE = 16 / 9
BIG_LEVEL = ((0, 0, 0), (512, 512, 128))


def ndc(camera: OrbitCamera | WalkCamera, point, aspect: float = WIDE) -> np.ndarray:
    """Normalised device coordinates of a world point (exact float64 matrices)."""
    clip = camera.projection(aspect, np.float64) @ camera.view(np.float64) @ np.append(point, 1.0)
    assert clip[3] > 0, "the point is behind the camera"
    return clip[:3] / clip[3]


def box_corners(lo, hi) -> list[tuple[float, float, float]]:
    return [(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]


def flat_ground(shape=(32, 32), height=1) -> np.ndarray:
    return np.full(shape, height, dtype=np.int32)


# --- orbit camera ---------------------------------------------------------------------------


@pytest.mark.parametrize("yaw", [0.0, 30.0, 90.0, 200.0])
@pytest.mark.parametrize("pitch", [5.0, 45.0, 89.5])
def test_the_orbit_eye_is_distance_away_from_the_target_and_above_it(yaw, pitch):
    cam = OrbitCamera(target=(10, 20, 3), yaw_deg=yaw, pitch_deg=pitch, distance=50)
    eye = cam.eye()
    assert np.linalg.norm(eye - cam.target) == pytest.approx(50)
    assert eye[2] - 3 == pytest.approx(50 * math.sin(math.radians(pitch)))
    assert eye[2] > 3


def test_yaw_0_looks_north_and_yaw_90_looks_east():
    north = OrbitCamera(target=(0, 0, 0), yaw_deg=0, pitch_deg=30)
    east = OrbitCamera(target=(0, 0, 0), yaw_deg=90, pitch_deg=30)
    north_look = north.target - north.eye()
    east_look = east.target - east.eye()
    assert north_look[1] > 0 and north_look[0] == pytest.approx(0, abs=1e-9)
    assert east_look[0] > 0 and east_look[1] == pytest.approx(0, abs=1e-9)


def test_east_is_on_the_right_of_the_screen_when_looking_north():
    cam = OrbitCamera(target=(0, 0, 0), yaw_deg=0, pitch_deg=30, distance=40)
    assert ndc(cam, (5, 0, 0))[0] > 0
    assert ndc(cam, (0, 0, 5))[1] > 0


@given(
    target=st.tuples(*[st.floats(-600, 600)] * 3),
    yaw=st.floats(-720, 720),
    pitch=st.floats(-90, 90),
    distance=st.floats(0.1, 5000),
    aspect=st.floats(0.3, 4),
)
def test_the_target_projects_to_the_centre_of_the_screen_inside_the_depth_range(
    target, yaw, pitch, distance, aspect
):
    cam = OrbitCamera(target=target, yaw_deg=yaw, pitch_deg=pitch, distance=distance)
    x, y, z = ndc(cam, cam.target, aspect)
    assert abs(x) < 1e-9 and abs(y) < 1e-9
    assert -1 < z < 1


def test_the_renderer_gets_float32_matrices_by_default():
    orbit = OrbitCamera()
    walk = WalkCamera(flat_ground(), (5, 5))
    for matrix in (orbit.view(), orbit.projection(WIDE), walk.view(), walk.projection(WIDE)):
        assert matrix.shape == (4, 4) and matrix.dtype == np.float32


def test_zoom_towards_a_point_keeps_that_point_at_the_same_screen_position():
    cam = OrbitCamera(target=(256, 256, 1), yaw_deg=30, pitch_deg=45, distance=400)
    under_cursor = np.array([300.0, 330.0, 12.0])
    before = ndc(cam, under_cursor)
    for steps in (3, 2, -1, -6, 0.5):
        cam.zoom(steps, towards=under_cursor)
        assert np.allclose(ndc(cam, under_cursor)[:2], before[:2], atol=1e-6)


def test_zooming_in_brings_the_eye_closer_by_a_fixed_factor_per_step():
    cam = OrbitCamera(target=(1, 2, 3), distance=100)
    cam.zoom(2)
    assert cam.distance == pytest.approx(100 * 0.85**2)
    assert np.array_equal(cam.target, (1, 2, 3))
    cam.zoom(-2)
    assert cam.distance == pytest.approx(100)


def test_zoom_stops_at_the_distance_limits_and_the_target_moves_only_as_far():
    cam = OrbitCamera(target=(0, 0, 0), distance=10, min_distance=5, max_distance=50)
    cam.zoom(100, towards=(20, 0, 0))
    assert cam.distance == 5
    assert np.allclose(cam.target, (10, 0, 0))  # halfway, as the distance halved
    cam.zoom(-100)
    assert cam.distance == 50


@pytest.mark.parametrize("yaw", [0.0, 30.0, 135.0])
@pytest.mark.parametrize("pitch", [5.0, 45.0, 89.5])
def test_panning_moves_the_target_in_the_ground_plane_only(yaw, pitch):
    cam = OrbitCamera(target=(100, 100, 7), yaw_deg=yaw, pitch_deg=pitch, distance=80)
    cam.pan(37, -52, 720)
    assert cam.target[2] == 7
    assert not np.allclose(cam.target[:2], (100, 100))


def test_the_ground_under_the_cursor_follows_the_mouse_when_panning():
    height = 1000
    cam = OrbitCamera(target=(100, 100, 0), yaw_deg=30, pitch_deg=45, distance=100)
    grabbed = cam.target.copy()
    cam.pan(40, 0, height)
    assert ndc(cam, grabbed)[0] == pytest.approx(2 * 40 / (height * WIDE))
    assert ndc(cam, grabbed)[1] == pytest.approx(0, abs=1e-9)
    cam = OrbitCamera(target=(100, 100, 0), yaw_deg=30, pitch_deg=45, distance=100)
    cam.pan(0, 10, height)
    assert ndc(cam, grabbed)[1] == pytest.approx(2 * 10 / height, rel=0.02)


@pytest.mark.parametrize("name", ["bird", "top"])
@pytest.mark.parametrize(
    "level",
    [BIG_LEVEL, ((0, 0, 0), (32, 32, 16)), ((0, 0, 0), (128, 128, 32)), ((0, 0, 0), (400, 60, 90))],
)
def test_bird_and_top_presets_fit_the_whole_level_in_a_16_9_view(name, level):
    cam = OrbitCamera()
    cam.preset(name, *level, aspect=WIDE)
    for corner in box_corners(*level):
        assert np.all(np.abs(ndc(cam, corner)) <= 1), corner


@pytest.mark.parametrize("name", ["bird", "top"])
@pytest.mark.parametrize("aspect", [1.0, WIDE, 2.4])
def test_a_preset_without_an_aspect_fits_any_landscape_window(name, aspect):
    cam = OrbitCamera()
    cam.preset(name, *BIG_LEVEL)
    for corner in box_corners(*BIG_LEVEL):
        assert np.all(np.abs(ndc(cam, corner, aspect)) <= 1), corner


def test_the_fitted_level_fills_most_of_the_screen():
    cam = OrbitCamera()
    cam.preset("top", *BIG_LEVEL, aspect=WIDE)
    extent = np.array([ndc(cam, corner) for corner in box_corners(*BIG_LEVEL)])
    assert extent[:, 1].max() - extent[:, 1].min() > 1.6


def test_the_top_preset_is_a_plan_with_north_up():
    cam = OrbitCamera(yaw_deg=123)
    cam.preset("top", *BIG_LEVEL, aspect=WIDE)
    assert cam.pitch_deg == 89.5 and cam.yaw_deg == 0
    assert ndc(cam, (256, 500, 0))[1] > ndc(cam, (256, 10, 0))[1]
    assert ndc(cam, (500, 256, 0))[0] > ndc(cam, (10, 256, 0))[0]


def test_the_bird_preset_looks_down_at_45_degrees_turned_30_degrees():
    cam = OrbitCamera()
    cam.preset("bird", *BIG_LEVEL)
    assert (cam.pitch_deg, cam.yaw_deg) == (45, 30)
    assert np.allclose(cam.target, (256, 256, 64))


def test_the_street_preset_looks_almost_level_from_eye_height_at_the_centre():
    cam = OrbitCamera()
    cam.preset("street", (0, 0, 0), (128, 128, 32), ground_z=1, voxel_size_m=2)
    assert cam.pitch_deg == 5
    assert np.allclose(cam.target, (64, 64, 1 + 1.6 / 2))
    assert cam.distance < 10


def test_an_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="preset"):
        OrbitCamera().preset("worm", *BIG_LEVEL)


def test_orbit_pitch_and_distance_are_clamped():
    cam = OrbitCamera(pitch_deg=120, distance=1e9, min_distance=3, max_distance=900)
    assert cam.pitch_deg == 89.5 and cam.distance == 900
    cam.orbit(400, -200)
    assert cam.pitch_deg == 5 and cam.yaw_deg == pytest.approx(70)
    cam.distance = 0
    assert cam.distance == 3
    cam.pitch_deg = 90
    assert cam.pitch_deg == 89.5


# --- walk camera ----------------------------------------------------------------------------


@pytest.mark.parametrize("voxel_size_m", [1, 2, 4])
def test_the_walker_eye_is_at_feet_plus_eye_height(voxel_size_m):
    walker = WalkCamera(flat_ground(height=3), (5.5, 5.5), voxel_size_m=voxel_size_m)
    assert walker.position[2] == 3
    assert np.allclose(walker.eye(), (5.5, 5.5, 3 + 1.6 / voxel_size_m))


def test_the_walker_sees_what_is_straight_ahead_at_the_centre_of_the_screen():
    walker = WalkCamera(flat_ground(), (5.5, 5.5), yaw_deg=0)
    x, y, z = ndc(walker, walker.eye() + (0, 10, 0))
    assert abs(x) < 1e-9 and abs(y) < 1e-9 and -1 < z < 1
    assert ndc(walker, walker.eye() + (1, 10, 0))[0] > 0  # east is on the right


def test_walking_forward_with_yaw_0_goes_north_and_with_yaw_90_goes_east():
    north = WalkCamera(flat_ground(), (10, 10), yaw_deg=0, voxel_size_m=2)
    north.walk(1, 0, 0.5, speed_m_s=4)
    assert np.allclose(north.position, (10, 11, 1))
    east = WalkCamera(flat_ground(), (10, 10), yaw_deg=90)
    east.walk(1, 0, 0.5, speed_m_s=4)
    assert np.allclose(east.position, (12, 10, 1))
    east.walk(0, 1, 0.5, speed_m_s=4)  # right of east is south
    assert np.allclose(east.position, (12, 8, 1))


def test_walking_diagonally_is_not_faster_and_looking_up_does_not_slow_the_walker():
    walker = WalkCamera(flat_ground(), (10, 10), pitch_deg=60)
    walker.walk(1, 1, 1, speed_m_s=2)
    assert np.linalg.norm(walker.position[:2] - (10, 10)) == pytest.approx(2)


def test_walking_into_a_tall_column_is_blocked_but_sliding_along_it_works():
    heights = flat_ground()
    heights[10, 10] = 6  # a 5-voxel column on ground height 1
    walker = WalkCamera(heights, (10.5, 8.5), yaw_deg=0)
    walker.walk(1, 0, 2)
    assert walker.position[2] == 1
    assert walker.position[1] == pytest.approx(10 - 0.25)  # stopped against the wall
    walker.look(45, 0)  # heading north-east: into the column and along its face
    walker.walk(1, 0, 0.1)
    assert walker.position[0] == pytest.approx(10.5 + 0.1 * 4.2 / math.sqrt(2))
    assert walker.position[1] == pytest.approx(10 - 0.25)
    walker.walk(1, 0, 1)  # past the column's corner, on to the north
    assert walker.position[1] > 10.5 and walker.position[2] == 1


def test_stepping_up_a_one_voxel_kerb_is_allowed_and_walking_off_it_steps_down():
    heights = flat_ground()
    heights[:, 12:14] = 2
    walker = WalkCamera(heights, (5.5, 10.5), yaw_deg=0)
    walker.walk(1, 0, 0.5)
    assert walker.position[2] == 2 and 12 < walker.position[1] < 14
    walker.walk(1, 0, 1)
    assert walker.position[2] == 1 and walker.position[1] > 14


def test_a_walker_cannot_climb_two_voxels_at_once():
    heights = flat_ground()
    heights[:, 12] = 3
    walker = WalkCamera(heights, (5.5, 10.5), yaw_deg=0)
    walker.walk(1, 0, 5)
    assert walker.position[1] < 12 and walker.position[2] == 1


def test_a_fast_walker_does_not_tunnel_through_a_thin_wall():
    heights = flat_ground()
    heights[:, 12] = 9
    walker = WalkCamera(heights, (5.5, 10.5), yaw_deg=0)
    walker.walk(1, 0, 10, speed_m_s=100)
    assert walker.position[1] < 12


def test_walking_through_a_one_voxel_gap_between_buildings_works():
    heights = flat_ground()
    heights[:10, 15] = 8
    heights[11:, 15] = 8
    walker = WalkCamera(heights, (10.5, 12.5), yaw_deg=0)
    walker.walk(1, 0, 3)
    assert walker.position[1] > 16


@settings(max_examples=50, deadline=None)
@given(
    start=st.tuples(st.floats(-50, 50), st.floats(-50, 50)),
    moves=st.lists(
        st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(0, 2), st.floats(-400, 400)),
        max_size=20,
    ),
    seed=st.integers(0, 2**16),
)
def test_the_walker_never_leaves_the_level(start, moves, seed):
    heights = np.random.default_rng(seed).integers(1, 4, size=(12, 7))
    walker = WalkCamera(heights, start, voxel_size_m=1)
    for forward, right, dt, turn in moves:
        walker.look(turn, 0)
        walker.walk(forward, right, dt, speed_m_s=20)
        x, y, feet = walker.position
        assert 0 <= x <= 12 and 0 <= y <= 7
        assert feet >= heights[min(int(x), 11), min(int(y), 6)]


def test_settling_on_a_changed_map_lifts_a_walker_caught_in_a_new_building_onto_its_roof():
    heights = flat_ground()
    walker = WalkCamera(heights, (5.5, 5.5))
    built = heights.copy()
    built[4:8, 4:8] = 12
    walker.settle(built)
    assert walker.position[2] == 12


def test_walk_pitch_is_clamped():
    walker = WalkCamera(flat_ground(), (5, 5), pitch_deg=95)
    assert walker.pitch_deg == 80
    walker.look(0, -500)
    assert walker.pitch_deg == -80


# --- switching between the two --------------------------------------------------------------


def test_from_orbit_puts_the_walker_on_the_ground_under_the_target_facing_the_same_way():
    heights = flat_ground()
    heights[20, 12] = 7
    orbit = OrbitCamera(target=(20.5, 12.5, 30), yaw_deg=135)
    walker = WalkCamera.from_orbit(orbit, heights, voxel_size_m=2)
    assert np.allclose(walker.position, (20.5, 12.5, 7))
    assert walker.yaw_deg == 135 and walker.pitch_deg == 0
    assert walker.eye()[2] == pytest.approx(7.8)


def test_from_orbit_keeps_the_walker_inside_the_level_when_the_target_is_outside():
    walker = WalkCamera.from_orbit(OrbitCamera(target=(-40, 99, 0)), flat_ground())
    x, y, _ = walker.position
    assert 0 < x < 1 and 31 < y < 32


def test_going_to_orbit_and_back_returns_the_walker_to_the_same_spot():
    heights = flat_ground()
    heights[3:6, 3:6] = 4
    walker = WalkCamera(heights, (4.2, 4.7), yaw_deg=250, pitch_deg=20, voxel_size_m=2)
    orbit = OrbitCamera.from_walk(walker)
    assert np.allclose(orbit.target, walker.position) and orbit.yaw_deg == 250
    back = WalkCamera.from_orbit(orbit, heights, voxel_size_m=2)
    assert np.allclose(back.position, walker.position) and back.yaw_deg == 250


# --- matrix helpers -------------------------------------------------------------------------


def test_look_at_and_perspective_refuse_degenerate_input():
    with pytest.raises(ValueError):
        look_at((0, 0, 5), (0, 0, 0))  # straight down along "up"
    with pytest.raises(ValueError):
        look_at((1, 1, 1), (1, 1, 1))
    with pytest.raises(ValueError):
        perspective(50, 1.5, 10, 1)
    with pytest.raises(ValueError):
        perspective(50, 0, 0.1, 10)


def test_perspective_maps_the_near_and_far_planes_to_the_ends_of_the_depth_range():
    p = perspective(60, 2, 0.5, 100, np.float64)
    near, far = p @ (0, 0, -0.5, 1), p @ (0, 0, -100, 1)
    assert near[2] / near[3] == pytest.approx(-1) and far[2] / far[3] == pytest.approx(1)


@pytest.mark.parametrize(
    "level_id", ["demo", "tutorial", "berlin-potsdamer-platz", "kaiserslautern-innenstadt"]
)
def test_the_street_and_walk_views_of_every_bundled_level_look_along_open_ground(level_id):
    """F4 and then Tab: the eye is not in a wall and sees at least 40 m before the first wall
    (Kaiserslautern's street view, from the level's centre, looked into a house)."""
    from game.app.camera import STREET_OPEN_M, street_spot
    from game.core.raycast import cast_ray
    from game.io.levels import find_level
    from game.render.sun import column_tops

    level = find_level(level_id)
    size = level.doc.voxel_size_m
    heights = column_tops(level.city)
    spot = street_spot(heights, level.zone_columns, size, OrbitCamera.STREET_DISTANCE_M / size)
    assert spot is not None
    x, y = int(spot[0]), int(spot[1])
    orbit = OrbitCamera()
    orbit.preset(
        "street", (0, 0, 0), level.shape, ground_z=heights[x, y], voxel_size_m=size, spot=spot
    )
    walker = WalkCamera.from_orbit(orbit, heights, size)
    open_voxels = STREET_OPEN_M / size
    ahead = cast_ray(level.city, walker.eye(), walker.forward())
    assert ahead is None or ahead.distance >= open_voxels
    assert ahead is not None  # it looks at buildings, not off the edge of the level
    seen = cast_ray(level.city, orbit.eye(), orbit.forward())  # looking down a little
    assert seen is not None
    assert seen.normal == (0, 0, 1) or seen.distance >= open_voxels  # the ground or far away
    eye = tuple(int(c) for c in orbit.eye())
    inside = all(0 <= c < n for c, n in zip(eye, level.shape))
    assert not inside or level.city[eye] == 0  # the camera is not in a wall


def test_no_street_spot_where_every_view_is_a_wall():
    """A zone walled in on every side at 10 m: no spot qualifies, and the caller keeps the
    level's centre instead of a made-up view."""
    from game.app.camera import street_spot

    heights = np.full((60, 60), 6)
    heights[28:32, 28:32] = 1
    zone = np.zeros((60, 60), bool)
    zone[28:32, 28:32] = True
    assert street_spot(heights, zone, voxel_size_m=2.0) is None
    heights[:, :] = 1  # the walls gone: open ground, though nothing to look at but the edge
    heights[:, 55:] = 6  # a row of houses 50 m to the north
    spot = street_spot(heights, zone, voxel_size_m=2.0)
    assert spot is not None
    _, y, yaw = spot
    assert y < 30 and math.cos(math.radians(yaw)) > 0  # from the south, across the zone at them
