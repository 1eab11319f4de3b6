"""The pictures framed on a design's zone, checked from their pixels on the Berlin level: a
one-voxel change is visible at the gallery's 400 pixels, and before and after differ exactly
where the design changed."""

import numpy as np
import pytest

from game.io.levels import find_level
from game.render.detail import Detail
from game.render.framing import MARK, footprint, grown, render_zone, rim_width, zone_frame
from server_sync.services.images import IMAGE_SIZE

GALLERY_WIDTH = 400
"""CSS pixels the gallery's card shows the 800-pixel picture at."""
VISIBLE = 24
"""A pixel has changed visibly when one of its channels moved by more than this."""


@pytest.fixture(scope="module")
def berlin():
    return find_level("berlin-potsdamer-platz")


def pictures(level, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Before and after as the server draws them: with the generated detail (the trees these
    tests plant are props, drawn inside their voxels)."""
    colors, zone, top = level.catalogue.colors, level.zone_columns, level.doc.zone.top
    detail = Detail(level.catalogue)
    before = render_zone(level.city, colors, zone, top, IMAGE_SIZE, detail=detail)
    changed = after != level.city
    framed = render_zone(after, colors, zone, top, IMAGE_SIZE, changed, level.city, detail)
    return before, framed


def downscaled(picture: np.ndarray, width: int) -> np.ndarray:
    """The picture at `width` pixels as a browser shrinks it: each pixel the mean of its box."""
    step = picture.shape[1] // width
    h, w = picture.shape[0] // step, picture.shape[1] // step
    boxes = picture[: h * step, : w * step].reshape(h, step, w, step, 3).astype(np.float64)
    return boxes.mean(axis=(1, 3))


def changed_pixels(before: np.ndarray, after: np.ndarray, threshold: float = 0) -> np.ndarray:
    moved = np.abs(after.astype(np.float64) - before.astype(np.float64))
    return np.asarray((moved > threshold).any(axis=2))


def has_square(mask: np.ndarray, side: int) -> bool:
    """Whether `mask` holds a side × side square of True pixels."""
    sums = np.pad(mask.astype(np.int64), ((1, 0), (1, 0))).cumsum(axis=0).cumsum(axis=1)
    windows = sums[side:, side:] - sums[:-side, side:] - sums[side:, :-side] + sums[:-side, :-side]
    return bool((windows == side * side).any())


def surface(level, x: int, y: int) -> int:
    solid = np.nonzero(level.city[x, y])[0]
    return int(solid.max()) + 1 if len(solid) else 0


def zone_spot(level, where: str) -> tuple[int, int]:
    columns = np.argwhere(level.zone_columns)
    low, high = columns.min(axis=0), columns.max(axis=0)
    if where == "middle":
        middle = (low + high) // 2
        return int(middle[0]), int(middle[1])
    return int(high[0]) - 1, int(high[1]) - 1  # the far corner, behind everything else


@pytest.mark.parametrize(
    ("where", "how"), [("middle", "on top"), ("far corner", "on top"), ("middle", "in place")]
)
def test_one_voxel_in_the_berlin_zone_changes_a_4x4_region_at_gallery_size(berlin, where, how):
    x, y = zone_spot(berlin, where)
    after = berlin.city.copy()
    z = surface(berlin, x, y) - (how == "in place")  # a new block, or one ground block replaced
    after[x, y, z] = berlin.catalogue.id("tree")
    before, framed = pictures(berlin, after)
    small = changed_pixels(
        downscaled(before, GALLERY_WIDTH), downscaled(framed, GALLERY_WIDTH), VISIBLE
    )
    assert has_square(small, 4), f"only {small.sum()} pixels changed visibly"


def test_before_and_after_differ_exactly_where_the_design_changed(berlin):
    after = berlin.city.copy()
    tree = berlin.catalogue.id("tree")
    x, y = zone_spot(berlin, "middle")
    after[x, y, surface(berlin, x, y)] = tree  # one new block
    after[x - 10 : x - 7, y + 6 : y + 8, surface(berlin, x - 10, y + 6) :][:, :, :5] = tree
    after[x + 12, y - 9, surface(berlin, x + 12, y - 9) - 1] = 0  # one block taken away
    before, framed = pictures(berlin, after)
    changed = np.argwhere(after != berlin.city)
    frame = zone_frame(berlin.city.shape, berlin.zone_columns, berlin.doc.zone.top, IMAGE_SIZE)
    region = footprint(frame, changed, IMAGE_SIZE)
    differ = changed_pixels(before, framed)
    assert differ.any()
    # The changed voxels' cubes, their rim around them, and a pixel of rounding either way.
    allowed = grown(region, rim_width(*IMAGE_SIZE) + 1)
    outside = differ & ~allowed
    assert not outside.any(), f"{outside.sum()} pixels changed outside the changed voxels"
    assert (framed[allowed] == MARK).all(axis=1).sum() > 100, "the changed blocks carry the rim"


def test_the_untouched_level_gives_the_same_picture_as_its_before(berlin):
    before, framed = pictures(berlin, berlin.city.copy())
    assert np.array_equal(before, framed)
