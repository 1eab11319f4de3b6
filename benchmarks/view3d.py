"""The design page's 3D view (issue 16): the size of the zone's glTF and the first frame in Chromium.

Run: `.venv/bin/python benchmarks/view3d.py` (part of `make bench`). Per level (demo, Berlin):

- the `.glb` of the zone plus its context as the server sends it (`model.glb`, after and
  before) beside the whole level's `.glb`, and the time to make it (median of several);
- the first frame of the 3D view in this machine's Chromium (SwiftShader: WebGL on the CPU, as
  on a school PC without a GPU): from the start of the page's navigation to the first frame,
  once with the model made on that request (cold; the design's pictures already made, as
  after an upload) and then with it cached (median of several
  reloads, each in a fresh browser context, so the browser's cache does not help).

`--quick` (benchmarks/mode.py): one repeat of each.
"""

import statistics
import tempfile
import time
from pathlib import Path

import httpx
from mode import pick
from processes import stop_server
from server import BERLIN, MOD, berlin_design, design, start_server
from table import print_table

from game.core.design import open_design, parse_design
from game.io.formats.gltf import export_grid
from game.io.levels import find_level
from server_sync.services.models3d import zone_glb

REPEATS = pick(5, 1)
CHROMIUM = Path("/usr/bin/chromium")
LEVELS = {"demo": lambda: design("Park", 60), BERLIN: berlin_design}


def kb(size: int) -> str:
    return f"{size / 1000:,.0f} kB"


def sizes() -> None:
    rows = []
    for level_id, make in LEVELS.items():
        text = make()
        level = find_level(level_id)
        grid = open_design(parse_design(text), level).grid
        whole = export_grid(grid, level.catalogue, level.doc.voxel_size_m, "w.glb")["w.glb"]
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            after = zone_glb(text, "after")
            times.append(time.perf_counter() - start)
        before = zone_glb(text, "before")
        rows.append(
            [
                level_id,
                "×".join(map(str, level.shape)),
                kb(len(after)),
                kb(len(before)),
                kb(len(whole)),
                f"{len(after) / len(whole):.2f}",
                f"{statistics.median(times) * 1000:.0f} ms",
            ]
        )
    print("\nThe 3D view's model: zone plus 32 voxels of context (`model.glb`)\n")
    print_table(
        ["level", "voxels", "after", "before", "whole level", "after / whole", "make (after)"],
        rows,
    )


def workshop_design(client: httpx.Client, level_id: str, text: str) -> str:
    """The page of an approved design on `level_id` (a workshop with post-moderation)."""
    body = {"title": "Bench", "level_id": level_id, "moderation": "post"}
    w = client.post("/api/v1/workshops", json=body, headers=MOD).json()
    token = client.post("/api/v1/join", json={"code": w["code"], "pseudonym": "Fox"}).json()
    uuid = parse_design(text).id
    answer = client.put(
        f"/api/v1/submissions/{uuid}",
        content=text,
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    answer.raise_for_status()
    for view in ("iso", "top"):  # made after the upload in a classroom, long before a visit
        client.get(f"/api/v1/submissions/{uuid}/image.png?view={view}").raise_for_status()
    return f"/w/{w['code']}/d/{uuid}"


def first_frame(browser, url: str) -> tuple[float, float]:
    """Milliseconds from the navigation's start to the 3D view's first frame, and to the page's
    DOMContentLoaded (the HTML parsed and three.js with view3d.js loaded and run), in a fresh
    context."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("section.view3d[data-ready]", timeout=60_000)
        frame = float(page.get_attribute("section.view3d", "data-first-frame-ms") or "nan")
        loaded = page.evaluate(
            "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        return frame, float(loaded)
    finally:
        context.close()


def frames() -> None:
    print("\nFirst frame of the 3D view in Chromium (SwiftShader), 1920×1080\n")
    header = [
        "level",
        "cold (model made)",
        f"cached (median of {REPEATS})",
        "of which until DOMContentLoaded",
    ]
    if not CHROMIUM.exists():
        print_table(header, [[level, "n/a", "n/a", "n/a"] for level in LEVELS])
        return
    from playwright.sync_api import sync_playwright

    server, url = start_server(data=tempfile.mkdtemp(prefix="quartier-bench-view3d-"))
    rows = []
    try:
        with httpx.Client(base_url=url, timeout=120) as client, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
            )
            pages = {
                level: workshop_design(client, level, make()) for level, make in LEVELS.items()
            }
            for level, path in pages.items():
                cold, _ = first_frame(browser, url + path)
                cached = [first_frame(browser, url + path) for _ in range(REPEATS)]
                frame = statistics.median(c[0] for c in cached)
                loaded = statistics.median(c[1] for c in cached)
                rows.append([level, f"{cold:.0f} ms", f"{frame:.0f} ms", f"{loaded:.0f} ms"])
            browser.close()
    finally:
        stop_server(server)
    print_table(header, rows)


if __name__ == "__main__":
    sizes()
    frames()
