"""Filling convex polygons and drawing lines into an RGB array, in painter's order, with numpy.

Why no library: the server's pictures (`snapshot.py`) are flat-shaded quads and short lines,
drawn one over the other in an order `snapshot.py` works out itself. pygame-ce, which drew
them before, is 35 MB, Pillow 23 MB, against about 125 MB for everything else a pupil's
install needs; filling convex polygons is a bound on x per edge and pixel row, written here once.

A pixel (x, y) belongs to a polygon when the point (x, y) lies inside it or on its border,
as pygame fills: polygons that share an edge both cover it, so no crack opens between them,
and a polygon squashed to a line still draws as that line. Where polygons overlap the later
one wins. All polygons are filled together: each (polygon, pixel row) becomes a span of x
from the polygon's edges, and every pixel keeps the highest polygon index whose span covers it.
"""

import numpy as np

CHUNK = 1 << 19
"""Pixel tests per numpy pass: bounds the memory of a 4096 × 4096 picture to tens of MB."""

EPS = 1e-9


def segments_as_polygons(segments: np.ndarray, width: float) -> np.ndarray:
    """Lines (n, 2, 2) from point to point as quads (n, 4, 2) `width` pixels across."""
    segments = np.asarray(segments, np.float64).reshape(-1, 2, 2)
    start, end = segments[:, 0], segments[:, 1]
    along = end - start
    length = np.hypot(along[:, 0], along[:, 1])[:, None]
    along = np.where(length > 0, along / np.maximum(length, EPS), [1.0, 0.0])
    side = np.stack([-along[:, 1], along[:, 0]], axis=1) * (width / 2)
    return np.stack([start - side, end - side, end + side, start + side], axis=1)


def paint(image: np.ndarray, polygons: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Fill convex `polygons` (n, k, 2) in pixels (x right, y down) with `colours` (n, 3), in order.

    `image` (H, W, 3) uint8 is changed in place; parts outside it are cut off. Returns which
    polygon each pixel shows, (H, W) int32, -1 where none: what a picture shows of some of them.
    """
    height, width = image.shape[:2]
    polygons = np.asarray(polygons, np.float64)
    if not len(polygons):
        return np.full((height, width), -1, np.int32)
    low = np.maximum(np.ceil(polygons.min(axis=1) - EPS), 0).astype(np.int64)
    high = np.minimum(np.floor(polygons.max(axis=1) + EPS), [width - 1, height - 1]).astype(
        np.int64
    )
    shown = np.nonzero((high >= low).all(axis=1))[0]
    # One span per polygon and pixel row of its bounding box, cut to the pixels inside.
    rows = high[shown, 1] - low[shown, 1] + 1
    polygon = np.repeat(shown, rows)
    y = low[polygon, 1] + _counting(rows)
    turn = np.sign(_area(polygons))
    sign = np.where(turn[polygon] < 0, -1, 1)
    first, last = _span(polygons, polygon, y, low[polygon, 0], high[polygon, 0], sign)
    keep = last >= first
    polygon, y, first, lengths = polygon[keep], y[keep], first[keep], (last - first + 1)[keep]
    top = np.full(height * width, -1, np.int32)
    ends = np.cumsum(lengths)
    done = 0
    while done < len(polygon):
        start = ends[done] - lengths[done]
        part = slice(done, max(int(np.searchsorted(ends, start + CHUNK, side="right")), done + 1))
        count = lengths[part]
        pixels = np.repeat(y[part] * width + first[part], count) + _counting(count)
        np.maximum.at(top, pixels, np.repeat(polygon[part].astype(np.int32), count))
        done = part.stop
    painted = np.nonzero(top >= 0)[0]
    image[painted // width, painted % width] = np.asarray(colours, np.uint8)[top[painted]]
    return top.reshape(height, width)


def _counting(lengths: np.ndarray) -> np.ndarray:
    """0, 1, …, n-1 for each n in `lengths`, concatenated."""
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _area(polygons: np.ndarray) -> np.ndarray:
    """Twice the signed area of each polygon (shoelace): its sign says which way the corners turn."""
    x, y = polygons[:, :, 0], polygons[:, :, 1]
    return (x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1)


def _span(
    polygons: np.ndarray,
    polygon: np.ndarray,
    y: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    sign: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """First and last pixel x of row `y` inside each polygon, given the way its corners turn.

    Point (x, y) is on the inner side of edge a→b when sign · ((b - a) × ((x, y) - a)) ≥ 0; on
    row y that is a bound on x, from above or below by the edge's direction. A polygon squashed
    to a line (no turn) takes either sign: the bounds then meet on the line.
    """
    corners = polygons.shape[1]
    lower, upper = first.astype(np.float64), last.astype(np.float64)
    for i in range(corners):
        a, b = polygons[polygon, i], polygons[polygon, (i + 1) % corners]
        dx, dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        # sign·(dx·(y - ay) - dy·(x - ax)) ≥ -EPS  ⇔  sign·dy·x ≤ sign·(dx·(y - ay) + dy·ax) + EPS
        bound = sign * (dx * (y - a[:, 1]) + dy * a[:, 0]) + EPS
        slope = sign * dy
        with np.errstate(divide="ignore", invalid="ignore"):
            at = bound / slope
        upper = np.where(slope > 0, np.minimum(upper, at), upper)
        lower = np.where(slope < 0, np.maximum(lower, at), lower)
        lower = np.where((slope == 0) & (bound < 0), last + 1, lower)  # outside along the row
    lower, upper = np.clip(lower, first, last + 1), np.clip(upper, first - 1, last)
    return np.ceil(lower - EPS).astype(np.int64), np.floor(upper + EPS).astype(np.int64)
