"""The projector's compare view in real Chromium (#16): the teacher presses → and the next
designs show, 2 puts two side by side; axe-core finds nothing serious; photographed on a
1920×1080 and a 1280×720 projector, and the results page on a phone."""

from browser import PHONE, PROJECTOR, screenshot_dir, serious_axe_findings
from playwright.sync_api import expect

SMALL_PROJECTOR = {"width": 1280, "height": 720}
BOTTOM = "Math.max(...[...document.querySelectorAll('.compare-card')].map(c => c.getBoundingClientRect().bottom))"
TITLES = ("Park am Bach", "Marktplatz", "Spielstraße", "Grüner Hof", "Wohnhof")


def closed_workshop(site) -> dict:
    """A closed workshop with five approved designs and votes (2, 2, 1, 0, 0)."""
    w = site.workshop("Unser Kiez", moderation="post", votes_per_participant=2)
    voters = [site.join(w, name) for name in ("Fox", "Owl", "Elk", "Bee", "Cat")]
    uuids = [
        site.submit(who, title, 38 + 7 * n)[0]
        for n, (who, title) in enumerate(zip(voters, TITLES, strict=True))
    ]
    site.phase(w, "voting")
    for voter, uuid in (
        (voters[1], uuids[0]),
        (voters[2], uuids[0]),
        (voters[0], uuids[1]),
        (voters[3], uuids[1]),
        (voters[4], uuids[2]),
    ):
        site.vote(voter, uuid)
    site.phase(w, "closed")
    return w


def test_the_teacher_steps_through_the_designs_with_the_keyboard(site, moderator):
    w = closed_workshop(site)
    folder = screenshot_dir()
    wall = moderator(size=PROJECTOR)
    wall.goto(f"/moderate/w/{w['id']}")
    wall.get_by_role("link", name="Compare designs on the projector").click()
    cards = wall.locator(".compare-card h2")
    expect(cards).to_have_text(list(TITLES[:3]))
    expect(wall.locator(".compare-card img").first).to_have_js_property("complete", True)
    expect(wall.get_by_text("Place 1").first).to_be_visible()
    assert serious_axe_findings(wall) == []
    if folder:
        wall.screenshot(path=str(folder / "compare-projector.png"))
    # Three designs, their votes and indicators fit the projector's screen without scrolling.
    assert wall.evaluate(BOTTOM) <= PROJECTOR["height"]

    wall.wait_for_load_state("domcontentloaded")
    wall.keyboard.press("ArrowRight")
    expect(cards).to_have_text(list(TITLES[3:]))
    expect(wall.locator("#compare-position")).to_have_text("Designs 4–5 of 5")
    wall.keyboard.press("2")
    expect(wall.locator("#compare-size-2")).to_have_attribute("aria-current", "true")
    expect(cards).to_have_text(list(TITLES[3:5]))
    wall.wait_for_load_state("domcontentloaded")  # the keys are bound once the page has loaded
    wall.keyboard.press("ArrowLeft")
    expect(cards).to_have_text(list(TITLES[1:3]))
    wall.wait_for_load_state("domcontentloaded")
    wall.get_by_role("link", name="← Previous").click()  # the same with a mouse or a finger
    expect(cards).to_have_text(list(TITLES[:2]))
    assert wall.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    small = moderator(size=SMALL_PROJECTOR)
    small.goto(f"/moderate/w/{w['id']}/compare?n=3")
    expect(small.locator(".compare-card")).to_have_count(3)
    assert small.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    if folder:
        small.screenshot(path=str(folder / "compare-small-projector.png"))

    phone = moderator(size=PHONE)
    phone.goto(f"/w/{w['code']}/results")
    expect(phone.locator("td.rank")).to_have_text(["1", "1", "3", "4", "4"])
    assert serious_axe_findings(phone) == []
    if folder:
        phone.screenshot(path=str(folder / "results-phone.png"), full_page=True)
