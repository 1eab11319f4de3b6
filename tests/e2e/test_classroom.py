"""A classroom server in real processes, its desk and projector page in real Chromium, and the QR
codes read back by a real QR reader (zxing-cpp) from screenshots: they open the address the
server printed for pupils, never 127.0.0.1 or localhost, although the teacher's browser itself
uses 127.0.0.1 (the only address a test may talk to).
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser import PHONE, PROJECTOR, Site, screenshot_dir
from classroom_server import ONLY_HERE, PUPILS, classroom, read_qr
from live_server import MODERATOR
from playwright.sync_api import Page, expect

ONLY_HERE_ON_THE_DESK = "Only this computer can open this address"


def signed_in(browser, url: str, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, locale="en", base_url=url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/moderate")
    page.get_by_label("Moderator token").fill(MODERATOR)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="New workshop").wait_for()
    return page


def listens_on_every_address(port: int) -> bool:
    """Linux: a listening socket on 0.0.0.0:port in the kernel's own table."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(row.split()[1] == f"00000000:{port:04X}" and row.split()[3] == "0A" for row in rows)


def test_the_classroom_servers_qr_codes_open_the_address_it_printed_for_pupils(browser, tmp_path):
    with classroom(tmp_path, "--classroom") as server:
        pupils = server.pupils_url()
        # This machine either has a network address (then pupils get it) or it has none (then
        # the teacher is warned, and the links keep the browser's address as before).
        assert pupils or any(line.startswith(ONLY_HERE) for line in server.printed)
        if sys.platform == "linux":
            assert listens_on_every_address(server.port)
        workshop = Site(server.url).workshop("Klasse 7b")
        expected = f"{pupils or server.url}/?code={workshop['code']}"

        desk = signed_in(browser, server.url, PHONE)
        desk.goto(f"/moderate/w/{workshop['id']}")
        assert read_qr(desk) == expected
        expect(desk.locator(".join-url")).to_have_text(expected)
        expect(desk.get_by_text(ONLY_HERE_ON_THE_DESK)).to_have_count(0 if pupils else 1)

        projector = signed_in(browser, server.url, PROJECTOR)
        projector.goto(f"/moderate/w/{workshop['id']}/projector")
        assert read_qr(projector) == expected
        if pupils:
            assert urlsplit(read_qr(projector)).hostname not in ("127.0.0.1", "localhost")
        address = projector.locator(".address-large")
        expect(address).to_have_text((pupils or server.url).removeprefix("http://"))
        # readable from the back of a classroom: as tall as the code's letters, nearly
        assert address.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 64
        box, qr = address.bounding_box(), projector.locator(".qr svg").bounding_box()
        assert box and qr and box["y"] + box["height"] <= PROJECTOR["height"]
        assert qr["y"] + qr["height"] <= PROJECTOR["height"]  # all of it on one screen
        if folder := screenshot_dir():
            projector.screenshot(path=folder / "projector-classroom.png")
        for page in (desk, projector):
            violations = Axe().run(page).response["violations"]
            assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []


def test_a_public_url_is_what_the_qr_codes_open(browser, tmp_path):
    public = "https://quartier.schule-am-see.example/werkstatt"
    with classroom(tmp_path, "--public-url", public + "/") as server:
        assert server.printed[1] == PUPILS + public
        workshop = Site(server.url).workshop("Klasse 8a")
        projector = signed_in(browser, server.url, PROJECTOR)
        projector.goto(f"/moderate/w/{workshop['id']}/projector")
        assert read_qr(projector) == f"{public}/?code={workshop['code']}"
        expect(projector.locator(".address-large")).to_have_text(public)


@pytest.mark.parametrize("size", [PHONE, PROJECTOR], ids=["phone", "projector"])
def test_a_plain_local_server_keeps_the_browsers_address_and_says_what_to_do(site, moderator, size):
    workshop = site.workshop("Nur hier")
    desk = moderator(size=size)
    for page in (f"/moderate/w/{workshop['id']}", f"/moderate/w/{workshop['id']}/projector"):
        desk.goto(page)
        assert read_qr(desk) == f"{site.url}/?code={workshop['code']}"
        expect(desk.get_by_text(ONLY_HERE_ON_THE_DESK)).to_contain_text("--classroom")
