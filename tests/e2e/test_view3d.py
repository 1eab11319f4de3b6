"""The design page's 3D view in real Chromium (WebGL in SwiftShader, as on a PC without a GPU):
the first frame, before and after, turning it with the mouse (projector) and a finger (phone),
axe-core, the CSP, no WebGL."""

import io
import re

import numpy as np
import pytest
from browser import PHONE, PROJECTOR, screenshot_dir, serious_axe_findings
from PIL import Image
from playwright.sync_api import expect

from game.core.i18n import text


@pytest.fixture(scope="module")
def design(site) -> str:
    w = site.workshop("Unser Kiez", moderation="post")
    return f"/w/{w['code']}/d/{site.submit_as(w, 'Fox', 'Park am Bach', x=60)}"


def pixels(page) -> np.ndarray:
    png = page.locator("canvas.view3d-canvas").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def finger_drag(page, path: list[tuple[float, float]]) -> None:
    """One finger drawn along `path` on a touch screen (Chromium's DevTools protocol: Playwright
    itself only taps)."""
    cdp = page.context.new_cdp_session(page)
    kinds = ["touchStart"] + ["touchMove"] * (len(path) - 1)
    for kind, (x, y) in zip(kinds, path, strict=True):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels that differ clearly between two pictures of the same size."""
    return float((np.abs(a - b).sum(axis=2) > 30).mean())


@pytest.mark.parametrize(
    ("size", "lang"), [(PROJECTOR, "en"), (PHONE, "de")], ids=["projector", "phone"]
)
def test_a_pupil_turns_the_design_in_3d_and_compares_it_with_before(visitor, design, size, lang):
    page = visitor(size=size, lang=lang)
    refused, errors = [], []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    # GLTFLoader says so when a window texture does not load (as the CSP once made it).
    page.on("console", lambda m: errors.append(m.text) if "THREE" in m.text else None)
    page.goto(design)
    view = page.locator("section.view3d")
    expect(view).to_have_attribute("data-ready", "true")
    view.scroll_into_view_if_needed()
    after = pixels(page)
    assert after.std(axis=(0, 1)).max() > 20  # a picture, not one blank colour
    page.get_by_role("button", name=text(lang, "web.view3d.show_before")).click()
    expect(view).to_have_attribute("data-showing", "before")
    expect(page.locator(".view3d-status")).to_have_text(text(lang, "web.view3d.showing_before"))
    before = pixels(page)
    assert 0 < changed(after, before) < 0.2  # the design's block, not the whole picture
    box = page.locator("canvas.view3d-canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    path = [(x + box["width"] / 4 * i / 5, y + 4 * i) for i in range(6)]
    if size == PHONE:
        finger_drag(page, path)
    else:
        page.mouse.move(*path[0])
        page.mouse.down()
        for point in path[1:]:
            page.mouse.move(*point)
        page.mouse.up()
    assert changed(before, pixels(page)) > 0.2  # turned: most of the picture moved
    page.get_by_role("button", name=text(lang, "web.view3d.show_after")).click()
    expect(view).to_have_attribute("data-showing", "after")
    assert serious_axe_findings(page) == []
    assert refused == [] and errors == []
    folder = screenshot_dir()
    if folder:
        name = "projector" if size == PROJECTOR else "phone"
        page.screenshot(path=folder / f"design-3d-{name}-{lang}.png", full_page=True)


def test_without_webgl_the_view_says_so_in_the_pages_language_and_the_pictures_stay(
    visitor, design
):
    page = visitor(lang="en")
    page.add_init_script("HTMLCanvasElement.prototype.getContext = () => null;")
    page.goto(design)
    expect(page.locator(".view3d-status")).to_have_text(re.compile("^This browser cannot show 3D"))
    expect(page.locator("canvas.view3d-canvas")).to_be_hidden()
    expect(page.get_by_role("button", name="Show before")).to_be_hidden()
    expect(
        page.get_by_role(
            "img", name="“Park am Bach”: the area close up, changed blocks outlined in pink"
        )
    ).to_be_visible()
    assert serious_axe_findings(page) == []
