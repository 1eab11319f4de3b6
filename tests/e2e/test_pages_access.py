"""Every page in real Chromium: safe with hostile text, usable by keyboard, checked by axe-core,
and photographed on a phone and a projector (kept when `make screenshots` asks for them)."""

import re

import pytest
from browser import PHONE, PROJECTOR, screenshot_dir, serious_axe_findings
from playwright.sync_api import expect

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture(scope="module")
def scene(site):
    """A workshop in the voting phase with three designs, one hidden, and a closed one with results."""
    # Pupils join on the voting page itself here, so joining stays open while voting runs.
    voting = site.workshop("Unser Kiez", moderation="post", joining="until_closed")
    uuids = [
        site.submit_as(voting, name, title, x=44 + 8 * i)
        for i, (name, title) in enumerate(
            (("Fox", "Park am Bach"), ("Owl", "Marktplatz"), ("Elk", "Hidden"))
        )
    ]
    site.moderate(uuids[2], "hide", "not for the gallery")
    joined = site.client.post("/api/v1/join", json={"code": voting["code"], "pseudonym": "Yak"})
    site.phase(voting, "voting")
    closed = site.workshop("Abgeschlossen", moderation="post", joining="until_closed")
    first = site.submit_as(closed, "Fox", "Spielstraße")
    site.submit_as(closed, "Owl", "Grüner Hof", x=60)
    bee = site.join(closed, "Bee")  # joining ends when voting starts
    site.phase(closed, "voting")
    site.vote(bee, first)
    site.phase(closed, "closed")
    return {
        "voting": voting,
        "uuids": uuids,
        "closed": closed,
        "personal_code": joined.json()["personal_code"],
    }


def pages(scene) -> dict[str, str]:
    voting, closed = scene["voting"], scene["closed"]
    return {
        "join": "/",
        "jury": "/jury",
        "gallery": f"/w/{voting['code']}",
        "design": f"/w/{voting['code']}/d/{scene['uuids'][0]}",
        "results": f"/w/{closed['code']}/results",
        "not-found": "/w/NOSUCH",
        "sign-in": "/moderate",
        "personal-sign-in": f"/p/{scene['personal_code']}",
    }


MODERATOR_PAGES = {
    "desk": "/moderate",
    "workshop-desk": "/moderate/w/{id}",
    "projector": "/moderate/w/{id}/projector",
    "compare": "/moderate/w/{id}/compare",
    "confirm-phase": "/moderate/w/{id}/phase?phase=closed",
}


def test_a_title_with_markup_is_shown_as_text_and_never_runs(site, visitor):
    workshop = site.workshop(moderation="post")
    site.submit_as(workshop, "Fox", XSS)
    page = visitor()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"/w/{workshop['code']}")
    expect(page.locator(".gallery h2")).to_have_text(XSS)
    assert page.locator("main script, main img[src='x']").count() == 0
    page.get_by_role("link", name=XSS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS)
    assert dialogs == []


def test_hidden_design_appears_on_no_public_page(site, visitor, scene):
    page = visitor()
    for path in pages(scene).values():
        page.goto(path)
        assert "Hidden" not in page.locator("main").inner_text(), path
    hidden = scene["uuids"][2]
    assert page.goto(f"/w/{scene['voting']['code']}/d/{hidden}").status == 404
    assert page.goto(f"/api/v1/submissions/{hidden}/image.png").status == 404


def test_student_joins_and_votes_with_the_keyboard_alone(site, visitor, scene):
    page = visitor(size=PROJECTOR)
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(10):  # from the top of the content to the first field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "code":
            break
    page.keyboard.type(scene["voting"]["code"])
    page.keyboard.press("Tab")
    page.keyboard.type("Lynx")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Welcome! You have joined.")

    vote = page.get_by_role("button", name="Vote for “Marktplatz”")
    for _ in range(40):
        page.keyboard.press("Tab")
        if vote.evaluate("b => b === document.activeElement"):
            break
    expect(vote).to_be_focused()
    outline = vote.evaluate(
        "b => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).boxShadow"
    )
    assert not outline.startswith("none") and "rgb(255, 191, 71)" in outline  # a visible focus ring
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Your vote has been counted.")
    expect(page.locator("#votes-left")).to_have_text("You have 2 of 3 votes left.")
    expect(page.locator(f"#d-{scene['uuids'][1]}")).to_be_focused()  # back where the student was


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_page_passes_axe_and_is_photographed_on_a_phone_and_a_projector(
    site, visitor, moderator, scene, lang
):
    folder = screenshot_dir()
    found = {}
    for size_name, size in (("phone", PHONE), ("projector", PROJECTOR)):
        student = visitor(size=size, lang=lang)
        student.goto("/")
        student.locator("#code").fill(scene["voting"]["code"])
        student.locator("#pseudonym").fill(f"Lynx{lang}{size_name}")
        student.locator("form[action='/join'] button").click()
        desk = moderator(size=size)
        if lang == "de":
            desk.goto("/lang/de?next=/moderate")
        targets = [(student, name, path) for name, path in pages(scene).items()]
        targets += [
            (desk, name, path.format(id=scene["voting"]["id"]))
            for name, path in MODERATOR_PAGES.items()
        ]
        for page, name, path in targets:
            page.goto(path)
            page.wait_for_load_state("load")
            assert page.locator("html").get_attribute("lang") == lang
            problems = serious_axe_findings(page)
            if problems:
                found[f"{name} ({size_name})"] = problems
            if folder:
                page.screenshot(path=folder / f"{name}-{size_name}-{lang}.png", full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways on the {size_name} ({overflow} px)"
    assert found == {}


def test_pages_speak_the_browsers_language_and_switch_on_request(site, visitor):
    page = visitor(lang="de-DE")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beim Workshop mitmachen")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join a workshop")
    page.goto("/jury")
    expect(page.get_by_role("heading", level=1)).to_have_text("Youth jury")
    assert re.search(r"/jury$", page.url)


def test_the_accessibility_check_does_find_problems_where_there_are_some(visitor):
    page = visitor()
    page.set_content(
        '<html><body><img src="x.png"><button></button><p style="color:#ccc">faint</p></body></html>'
    )
    problems = " ".join(serious_axe_findings(page))
    assert "image-alt" in problems and "button-name" in problems and "html-has-lang" in problems
