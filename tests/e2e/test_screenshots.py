"""The screenshot matrix (`scripts/screenshots.py`, `make screenshots`), a small part of it run
headless: the demo level's three views at 1280×720 in German and English, checked for what a
reader of the README must see (a city, the HUD, three different views, houses on foot)."""

import numpy as np
import pytest
from PIL import Image
from project_scripts import load_script

SIZE = "1280x720"


@pytest.fixture(scope="module")
def shots(headless_gl, tmp_path_factory):
    """{(view, lang): RGB array} of the demo level, one session per language."""
    screenshots = load_script("screenshots")
    out = tmp_path_factory.mktemp("screenshots")
    screenshots.matrix(out, levels=("demo",), sizes=(SIZE,), langs=("de", "en"))
    return {
        (view, lang): np.asarray(
            Image.open(out / screenshots.name("demo", view, SIZE, lang)).convert("RGB"),
            dtype=np.int16,
        )
        for view in screenshots.VIEWS
        for lang in ("de", "en")
    }


def _scene(image: np.ndarray) -> np.ndarray:
    """The middle of the 3D view: left of the indicator panel, right of the tools and the − and +
    beside the chosen one, below the top bar and above the block palette (no HUD there at
    1280×720)."""
    h, w = image.shape[:2]
    return image[int(0.15 * h) : int(0.7 * h), int(0.27 * w) : int(0.6 * w)]


def test_every_picture_has_the_size_asked_for_and_shows_a_city_not_a_blank(shots):
    for image in shots.values():
        assert image.shape == (720, 1280, 3)
        rgb = image.astype(np.int32)
        packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        assert np.unique(packed).size > 500 and image.std() > 20


def test_the_hud_is_there_in_every_picture(shots):
    """The top bar is the HUD's light panel across (the sky or the city would be darker)."""
    for image in shots.values():
        top = image[: int(0.04 * image.shape[0])]
        assert (top.min(axis=2) > 225).mean() > 0.6


def test_german_and_english_differ_only_in_the_hud(shots):
    for view in ("bird", "street", "walk"):
        de, en = shots[view, "de"], shots[view, "en"]
        differs = (de != en).any(axis=2)
        assert differs.mean() > 0.005  # the HUD's words
        assert _scene(differs).mean() < 0.01  # the same city, the same camera


def test_the_three_views_differ(shots):
    scenes = {view: _scene(shots[view, "en"]) for view in ("bird", "street", "walk")}
    for a, b in (("bird", "street"), ("street", "walk"), ("bird", "walk")):
        assert np.abs(scenes[a] - scenes[b]).mean() > 10


def test_the_street_and_walk_views_show_houses_not_only_sky(shots):
    """Above the horizon, at least a tenth is not sky: the houses across the car park
    (looking into the void off the level's edge would be sky only); from above, no sky."""
    for view, least in (("street", 0.1), ("walk", 0.1), ("bird", 0.9)):
        image = shots[view, "en"]
        h, w = image.shape[:2]
        above = image[int(0.1 * h) : int(0.45 * h), int(0.15 * w) : int(0.6 * w)]
        r, g, b = above[..., 0], above[..., 1], above[..., 2]
        sky = (b > r + 25) & (b >= g)
        assert 1 - sky.mean() > least, view
