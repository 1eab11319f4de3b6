import io

import numpy as np
import pytest
from PIL import Image

from game.io.levels import find_level
from game.render.snapshot import HIGHLIGHT, render, render_png

GREY, RED, BROWN = 1, 2, 3
SIZE = (320, 240)


@pytest.fixture
def colors() -> np.ndarray:
    table = np.zeros((256, 3), np.uint8)
    table[GREY] = (128, 128, 128)
    table[RED] = (220, 0, 0)
    table[BROWN] = (170, 110, 60)
    return table


def grey_level(shape=(24, 24, 16)) -> np.ndarray:
    grid = np.zeros(shape, np.uint8)
    grid[:, :, 0] = GREY
    return grid


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Rows and columns (an (n, 2) array) of the pixels that differ in rows where several do.

    Single pixels along far-away polygon edges may flip when the mesher splits the ground
    differently; a real change covers more than a few pixels of a row.
    """
    differs = (before != after).any(axis=2)
    differs[differs.sum(axis=1) < 3] = False
    return np.argwhere(differs)


@pytest.mark.parametrize("view", ["iso", "top"])
def test_gallery_picture_has_the_requested_size_and_decodes_as_png(view, colors):
    grid = grey_level()
    grid[5:9, 5:9, 1:6] = BROWN
    image = render(grid, colors, view, SIZE)
    assert image.shape == (240, 320, 3) and image.dtype == np.uint8
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 2  # not one flat colour
    decoded = Image.open(io.BytesIO(render_png(grid, colors, view, SIZE)))
    assert decoded.format == "PNG" and decoded.size == SIZE
    assert np.array_equal(np.asarray(decoded.convert("RGB")), image)


def test_top_view_shows_a_block_in_the_north_east_corner_at_the_top_right(colors):
    grid = grey_level()
    grid[-1, -1, 1] = RED
    image = render(grid, colors, "top", SIZE).astype(int)
    red = np.argwhere((image[:, :, 0] > 150) & (image[:, :, 1] < 60))
    assert len(red) > 0
    rows, cols = red[:, 0], red[:, 1]
    assert rows.max() < SIZE[1] / 2 and cols.min() > SIZE[0] / 2


def test_iso_view_shows_a_tall_tower_taller_than_a_low_house_where_each_stands(colors):
    empty = grey_level()
    house, tower = empty.copy(), empty.copy()
    house[2:5, 19:22, 1:3] = BROWN  # north-west corner: left on screen, seen from the south-west
    tower[19:22, 2:5, 1:15] = BROWN  # south-east corner: right on screen
    base = render(empty, colors, "iso", SIZE)
    house_pixels = changed(base, render(house, colors, "iso", SIZE))
    tower_pixels = changed(base, render(tower, colors, "iso", SIZE))
    assert len(house_pixels) and len(tower_pixels)
    assert house_pixels[:, 1].mean() < SIZE[0] / 2 < tower_pixels[:, 1].mean()
    house_height = np.ptp(house_pixels[:, 0])
    tower_height = np.ptp(tower_pixels[:, 0])
    assert tower_height > 2 * house_height


def test_iso_view_shades_the_roof_brighter_than_the_walls_like_the_editor_sun(colors):
    grid = np.zeros((6, 6, 6), np.uint8)
    grid[1:5, 1:5, 1:5] = BROWN  # one cube, alone in the air
    image = render(grid, colors, "iso", SIZE).astype(int)
    block = np.argwhere((image != render(np.zeros_like(grid), colors, "iso", SIZE)).any(axis=2))
    top, bottom = block[:, 0].min(), block[:, 0].max()
    left, right = block[:, 1].min(), block[:, 1].max()
    middle = (left + right) // 2
    roof = image[top + (bottom - top) // 5, middle]
    west = image[top + 4 * (bottom - top) // 5, (left + middle) // 2]
    south = image[top + 4 * (bottom - top) // 5, (middle + right) // 2]
    assert roof.sum() > south.sum() > west.sum()
    # Same block, only the light differs: the hue stays that of the block.
    for face in (roof, south, west):
        assert face[0] > face[1] > face[2]


def test_demo_level_renders_in_both_views_and_the_same_design_gives_the_same_bytes():
    level = find_level("demo")
    for view in ("iso", "top"):
        first = render_png(level.city, level.catalogue.colors, view, (400, 300))
        again = render_png(level.city, level.catalogue.colors, view, (400, 300))
        assert first == again
        image = np.asarray(Image.open(io.BytesIO(first)).convert("RGB"))
        assert image.shape == (300, 400, 3)
        assert len(np.unique(image.reshape(-1, 3), axis=0)) > 10


@pytest.mark.parametrize("view", ["iso", "top"])
def test_gallery_outlines_the_editable_zone_in_yellow_when_given(view):
    level = find_level("demo")
    colors = level.catalogue.colors
    plain = render(level.city, colors, view, SIZE)
    marked = render(level.city, colors, view, SIZE, highlight=level.zone_columns)

    def yellow(image: np.ndarray) -> int:
        return int((image == HIGHLIGHT).all(axis=2).sum())

    assert yellow(plain) == 0
    assert yellow(marked) > 50


def test_snapshot_refuses_a_wrong_view_or_mask_with_a_clear_message(colors):
    grid = grey_level()
    with pytest.raises(ValueError, match="view"):
        render(grid, colors, "side", SIZE)
    with pytest.raises(ValueError, match="highlight"):
        render(grid, colors, "iso", SIZE, highlight=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="size"):
        render(grid, colors, "top", (0, 100))


def test_a_patchwork_of_ground_blocks_leaves_no_hole_where_the_sky_shows_through(colors):
    """The greedy mesh splits a patchwork into faces whose corners sit in the middle of their
    neighbours' edges; the picture must still cover every pixel the plain ground covers."""
    plain = grey_level((160, 160, 8))
    patchwork = plain.copy()
    rng = np.random.default_rng(7)
    patchwork[:, :, 0] = rng.choice([GREY, RED, BROWN], size=plain.shape[:2], p=[0.8, 0.1, 0.1])

    def covered(grid: np.ndarray) -> np.ndarray:
        picture = render(grid, colors, "iso", (900, 600))
        return (picture != picture[:, :1]).any(axis=2)  # the sky is the same across each row

    holes = covered(plain) & ~covered(patchwork)
    assert not holes.any(), f"{holes.sum()} pixels of sky inside the ground"
