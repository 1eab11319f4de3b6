"""One identity per pupil in real Chromium at phone size: a pupil who joined in the editor
(here: through the API, as the editor does) opens the link of the editor's QR code on a phone,
confirms, and votes as the same participant; the vote counts once for them."""

import re

from browser import screenshot_dir
from playwright.sync_api import expect


def test_a_pupil_from_the_editor_signs_in_on_a_phone_and_votes_as_themselves(site, visitor):
    workshop = site.workshop(moderation="post")  # joining ends when voting starts
    designs = [site.submit_as(workshop, f"Maker{i}", f"Park {i}", x=44 + 6 * i) for i in range(2)]
    editor = site.client.post(
        "/api/v1/join", json={"code": workshop["code"], "pseudonym": "Fox"}
    ).json()
    site.phase(workshop, "voting")

    page = visitor()
    page.goto(f"/p/{editor['personal_code']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in as Fox in “Unser Platz”?")
    if folder := screenshot_dir():
        page.screenshot(path=str(folder / "sign-in-phone.png"), full_page=True)
    assert not [c for c in page.context.cookies() if c["name"] == "quartier_participant"]
    page.get_by_role("button", name="Yes, sign in").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("You are signed in."))
    expect(page.get_by_role("heading", level=1)).to_have_text("Unser Platz")
    page.get_by_role("button", name="Vote for “Park 0”").click()
    expect(page.get_by_role("status")).to_have_text("Your vote has been counted.")

    # The editor's token is the same participant: its vote for the same design is no second one.
    again = site.client.put(
        f"/api/v1/submissions/{designs[0]}/vote",
        headers={"Authorization": f"Bearer {editor['token']}"},
    )
    assert again.status_code == 200 and again.json()["votes_left"] == 2
    results = site.client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=site.mod)
    assert {r["title"]: r["votes"] for r in results.json()} == {"Park 0": 1, "Park 1": 0}
    listed = site.client.get(f"/api/v1/workshops/{workshop['id']}/participants", headers=site.mod)
    assert [r["pseudonym"] for r in listed.json()].count("Fox") == 1


def test_a_phone_typing_the_same_nickname_is_sent_to_the_personal_code(site, visitor):
    workshop = site.workshop()
    editor = site.client.post(
        "/api/v1/join", json={"code": workshop["code"], "pseudonym": "Owl"}
    ).json()
    page = visitor()
    page.goto("/")
    page.get_by_label("Workshop code").fill(workshop["code"])
    page.get_by_label("Your nickname").fill("owl")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "If this is you, sign in with your personal code (your editor shows it)."
    )
    page.get_by_label("Personal code").fill(editor["personal_code"].lower())
    if folder := screenshot_dir():
        page.screenshot(path=str(folder / "join-taken-phone.png"), full_page=True)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(re.compile("You are signed in."))
    expect(page.get_by_role("heading", level=1)).to_have_text("Unser Platz")


def test_a_pupil_who_joined_on_a_computer_signs_their_phone_in_with_the_code_shown(site, visitor):
    from browser import PROJECTOR

    workshop = site.workshop()
    computer = visitor(size=PROJECTOR)
    computer.goto("/")
    computer.get_by_label("Workshop code").fill(workshop["code"])
    computer.get_by_label("Your nickname").fill("Lynx")
    computer.get_by_role("button", name="Join").click()
    computer.get_by_role("button", name="Show my personal code").click()
    code = computer.locator("#personal-code").inner_text()
    if folder := screenshot_dir():
        computer.screenshot(path=str(folder / "personal-code-desktop.png"), full_page=True)
    phone = visitor()
    phone.goto(f"/p/{code}")
    phone.get_by_role("button", name="Yes, sign in").click()
    expect(phone.locator(".who")).to_contain_text("Lynx")
    if folder := screenshot_dir():
        phone.screenshot(path=str(folder / "signed-in-phone.png"), full_page=True)
