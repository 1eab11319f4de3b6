"""The projector's compare view in real Chromium (#16): the teacher presses → and the next
designs show, 2 puts two side by side; axe-core finds nothing serious; photographed on a
1920×1080 and a 1280×720 projector, and the results page on a phone."""

from browser import PHONE, PROJECTOR, screenshot_dir, serious_axe_findings
from playwright.sync_api import expect

from game.core.design import new_design, save_changes
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level

SMALL_PROJECTOR = {"width": 1280, "height": 720}
BOTTOM = "Math.max(...[...document.querySelectorAll('.compare-card')].map(c => c.getBoundingClientRect().bottom))"
PLANS = {  # five different designs on the demo level's zone (x, y 48–79), so the bars differ
    "Park am Bach": [
        ((48, 48, 0), (79, 79, 0), "grass"),
        ((60, 48, 0), (62, 79, 0), "water"),
        ((50, 50, 1), (50, 50, 1), "tree"),
        ((70, 70, 1), (70, 70, 1), "tree"),
    ],
    "Marktplatz": [((50, 50, 0), (77, 77, 0), "plaza"), ((58, 58, 1), (69, 69, 4), "market_hall")],
    "Spielstraße": [
        ((48, 60, 0), (79, 67, 0), "playground"),
        ((50, 50, 1), (57, 57, 6), "housing"),
    ],
    "Grüner Hof": [
        ((50, 50, 1), (77, 57, 8), "housing"),
        ((50, 58, 0), (77, 77, 0), "grass"),
        ((50, 50, 9), (77, 57, 9), "green_roof"),
    ],
    "Wohnhof": [
        ((50, 50, 1), (57, 77, 10), "housing_affordable"),
        ((70, 50, 1), (77, 77, 10), "housing"),
    ],
}
TITLES = tuple(PLANS)


def design(title: str) -> tuple[str, str]:
    level = find_level("demo")
    session = Session(level)
    for start, end, block in PLANS[title]:
        session.apply(Box(from_=start, to=end, block=block))
    doc = save_changes(new_design(level, "test", title=title), session, "test")
    return str(doc.id), doc.to_json()


def press(page, key: str) -> None:
    """A key, once the page shown has bound its keys (compare.js runs before DOMContentLoaded)."""
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press(key)


def closed_workshop(site) -> dict:
    """A closed workshop with five approved designs and votes (2, 2, 1, 0, 0)."""
    w = site.workshop("Unser Kiez", moderation="post", votes_per_participant=2)
    voters = [site.join(w, name) for name in ("Fox", "Owl", "Elk", "Bee", "Cat")]
    uuids = []
    for who, title in zip(voters, TITLES, strict=True):
        uuid, text = design(title)
        sent = site.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=who)
        assert sent.status_code == 201, sent.text
        uuids.append(uuid)
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


def test_the_teacher_steps_through_the_designs_with_the_keyboard(site, visitor, moderator):
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

    press(wall, "ArrowRight")
    expect(cards).to_have_text(list(TITLES[3:]))
    expect(wall.locator("#compare-position")).to_have_text("Designs 4–5 of 5")
    press(wall, "2")
    expect(wall.locator("#compare-size-2")).to_have_attribute("aria-current", "true")
    expect(cards).to_have_text(list(TITLES[3:5]))
    press(wall, "ArrowLeft")
    expect(cards).to_have_text(list(TITLES[1:3]))
    wall.get_by_role("link", name="← Previous").click()  # the same with a mouse or a finger
    expect(cards).to_have_text(list(TITLES[:2]))
    assert wall.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    small = moderator(size=SMALL_PROJECTOR)
    small.goto(f"/moderate/w/{w['id']}/compare?n=3")
    expect(small.locator(".compare-card")).to_have_count(3)
    assert small.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    if folder:
        small.screenshot(path=str(folder / "compare-small-projector.png"))

    phone = visitor(size=PHONE)  # the results are public once the workshop is closed
    phone.goto(f"/w/{w['code']}/results")
    expect(phone.locator("td.rank")).to_have_text(["1", "1", "3", "4", "4"])
    assert serious_axe_findings(phone) == []
    if folder:
        phone.screenshot(path=str(folder / "results-phone.png"), full_page=True)
