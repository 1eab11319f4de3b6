"""The zone's yellow outline: a ribbon along each straight run of the border, covering what a
ribbon along each border column would, in a fraction of the triangles."""

import numpy as np

from game.app.scene import zone_outline

WIDTH = 0.22


def _ribbons(columns):
    """A ribbon rectangle (x0, y0, x1, y1) along each border side of each column."""
    x_count, y_count = columns.shape
    rects = []
    for x, y in zip(*np.nonzero(columns)):
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nx, ny = x + dx, y + dy
            if 0 <= nx < x_count and 0 <= ny < y_count and columns[nx, ny]:
                continue
            if dx:
                x0 = x + (1 - WIDTH if dx > 0 else 0)
                rects.append((x0, y, x0 + WIDTH, y + 1))
            else:
                y0 = y + (1 - WIDTH if dy > 0 else 0)
                rects.append((x, y0, x + 1, y0 + WIDTH))
    return rects


def _covered(triangles, px, py):
    inside = np.zeros(px.shape, bool)
    for a, b, c in triangles.reshape(-1, 3, 3)[:, :, :2]:
        sides = [
            (q[0] - p[0]) * (py - p[1]) - (q[1] - p[1]) * (px - p[0])
            for p, q in ((a, b), (b, c), (c, a))
        ]
        inside |= ((sides[0] >= 0) & (sides[1] >= 0) & (sides[2] >= 0)) | (
            (sides[0] <= 0) & (sides[1] <= 0) & (sides[2] <= 0)
        )
    return inside


def test_a_square_zone_is_four_ribbons():
    columns = np.zeros((40, 40), bool)
    columns[4:36, 4:36] = True
    assert len(zone_outline(columns, 1.02)) == 4 * 6


def test_the_ribbons_cover_what_one_per_border_column_covers():
    rng = np.random.default_rng(7)
    columns = rng.random((14, 11)) < 0.55
    triangles = zone_outline(columns, 1.02)
    assert (triangles[:, 2] == np.float32(1.02)).all()
    # Sample points off every ribbon's edges (a 1/32 grid shifted by 1/64).
    steps = (np.arange(32 * 14) + 0.5) / 32, (np.arange(32 * 11) + 0.5) / 32
    px, py = np.meshgrid(*steps, indexing="ij")
    expected = np.zeros(px.shape, bool)
    for x0, y0, x1, y1 in _ribbons(columns):
        expected |= (x0 <= px) & (px <= x1) & (y0 <= py) & (py <= y1)
    assert expected.any()
    assert np.array_equal(_covered(triangles, px, py), expected)
    assert len(triangles) < 6 * len(_ribbons(columns))
