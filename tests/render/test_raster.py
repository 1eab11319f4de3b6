"""The polygon fill behind the server's pictures, against a point-in-polygon test per pixel."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from game.render.raster import paint, segments_as_polygons

H, W = 24, 30


def reference(polygons: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Pixel (x, y) takes the colour of the last polygon holding the point (x, y), border included."""
    image = np.zeros((H, W, 3), np.uint8)
    ys, xs = np.mgrid[0:H, 0:W]
    for corners, colour in zip(polygons, colours):
        left = right = np.ones((H, W), bool)
        for a, b in zip(corners, np.roll(corners, -1, axis=0)):
            side = (b[0] - a[0]) * (ys - a[1]) - (b[1] - a[1]) * (xs - a[0])
            left, right = left & (side >= -1e-9), right & (side <= 1e-9)
        low, high = corners.min(axis=0) - 1e-9, corners.max(axis=0) + 1e-9
        box = (xs >= low[0]) & (xs <= high[0]) & (ys >= low[1]) & (ys <= high[1])
        image[(left | right) & box] = colour
    return image


corner = st.tuples(st.integers(-8, W + 8), st.integers(-8, H + 8))
side = st.tuples(st.integers(-20, 20), st.integers(-20, 20))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(corner, side, side), min_size=1, max_size=12), st.integers(1, 3))
def test_parallelograms_and_lines_fill_exactly_the_pixels_inside_in_painters_order(shapes, width):
    polygons = np.array(
        [[p, np.add(p, u), np.add(np.add(p, u), v), np.add(p, v)] for p, u, v in shapes], float
    )
    lines = segments_as_polygons(polygons[:, :2], width)
    everything = np.concatenate([polygons, lines])
    colours = np.arange(1, len(everything) + 1)[:, None] * [1, 7, 13] % 256
    image = np.zeros((H, W, 3), np.uint8)
    paint(image, everything, colours)
    assert np.array_equal(image, reference(everything, colours))


def test_a_polygon_squashed_to_a_line_still_draws_it_and_one_off_the_picture_draws_nothing():
    image = np.zeros((H, W, 3), np.uint8)
    paint(
        image,
        np.array([[[2, 2], [9, 9], [9, 9], [2, 2]], [[-9, -9], [-5, -9], [-5, -2], [-9, -2]]]),
        [[255, 0, 0], [0, 255, 0]],
    )
    red = np.argwhere(image[:, :, 0] == 255)
    assert [tuple(p) for p in red] == [(i, i) for i in range(2, 10)]
    assert not image[:, :, 1].any()
