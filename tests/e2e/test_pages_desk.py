"""The teacher's desk for a class in real Chromium (#14): create a workshop, approve all waiting,
start voting after a confirmation, undo it, admit a design that arrived late, close after a
confirmation; and a teacher code that opens one workshop's desk only."""

import json
import re

from browser import PHONE, screenshot_dir, serious_axe_findings
from live_server import design_text
from playwright.sync_api import expect

DESKTOP = {"width": 1280, "height": 900}


def test_a_class_session_on_the_desk_approve_all_confirm_undo_and_close(site, visitor, moderator):
    desk = moderator(size=DESKTOP)
    desk.get_by_label("Title").fill("Klasse 7b")
    desk.get_by_label("Level").select_option("demo")
    desk.get_by_role("button", name="Create workshop").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Klasse 7b")
    code = desk.locator(".join-code .code-large").inner_text()
    workshop = {"id": int(desk.url.rsplit("/", 1)[1]), "code": code}
    for n, name in enumerate(("Fox", "Owl", "Elk")):
        site.submit_as(workshop, name, f"Design {name}", x=40 + 8 * n)
    pupil = site.join(workshop, "Yak")  # joins now, sends only after voting started

    desk.reload()
    desk.get_by_role("button", name="Approve all waiting (3)").click()
    expect(desk.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    gallery = visitor()
    gallery.goto(f"/w/{code}")
    expect(gallery.locator(".gallery h2")).to_have_count(3)

    desk.get_by_role("button", name="Start voting").click()
    expect(desk.get_by_role("heading", name="Open voting?")).to_be_visible()
    desk.get_by_role("link", name="Cancel").click()
    expect(desk.get_by_text("Now: Building")).to_be_visible()  # cancelled: nothing changed
    desk.get_by_role("button", name="Start voting").click()
    desk.get_by_role("button", name="Yes, open voting").click()
    expect(desk.get_by_text("Now: Voting")).to_be_visible()

    text = design_text("Late garden", 70)
    late = site.client.put(
        f"/api/v1/submissions/{json.loads(text)['id']}", content=text, headers=pupil
    )
    assert late.status_code == 202
    desk.reload()
    late_section = desk.locator(
        "section", has=desk.get_by_role("heading", name=re.compile("Arrived after voting started"))
    )
    expect(late_section.locator("li h3")).to_have_text(["Late garden"])
    picture = late_section.locator("img[src*='view=zone']")  # after, beside the level before
    picture.scroll_into_view_if_needed()  # drawn by the server for the teacher, though not public
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") > 0
    assert serious_axe_findings(desk) == []
    if folder := screenshot_dir():
        desk.screenshot(path=str(folder / "desk-class.png"), full_page=True)

    desk.get_by_role("button", name="Reopen building").click()
    expect(desk.get_by_role("heading", name="Reopen building?")).to_be_visible()
    assert serious_axe_findings(desk) == []
    desk.get_by_role("button", name="Yes, reopen building").click()
    expect(desk.get_by_text("Now: Building")).to_be_visible()
    # Reopened before anyone voted: the late design now waits like any other.
    expect(desk.get_by_role("button", name="Approve “Late garden”")).to_be_visible()
    desk.get_by_role("button", name="Approve “Late garden”").click()

    desk.get_by_role("button", name="Start voting").click()
    desk.get_by_role("button", name="Yes, open voting").click()
    desk.get_by_role("button", name="Close the workshop").click()
    expect(desk.get_by_role("heading", name="Close the workshop?")).to_be_visible()
    desk.get_by_role("button", name="Yes, close the workshop").click()
    expect(desk.get_by_text("Now: Closed")).to_be_visible()
    expect(desk.get_by_role("button", name="Reopen voting")).to_be_visible()
    audit = desk.locator("table.audit tbody")
    for action in ("approve_all", "phase_voting", "phase_building", "phase_closed"):
        expect(audit).to_contain_text(action)


def test_a_teacher_code_opens_one_workshops_desk_only(site, visitor, moderator):
    mine, other = site.workshop("Klasse 8a"), site.workshop("Klasse 9c")
    admin = moderator(size=DESKTOP)
    admin.goto(f"/moderate/w/{mine['id']}")
    admin.get_by_role("button", name="Issue a teacher code").click()
    code = admin.locator(".issued .code-small").inner_text()

    teacher = visitor(size=PHONE)
    teacher.goto("/moderate")
    teacher.get_by_label("Moderator token or teacher code").fill(code)
    teacher.get_by_role("button", name="Sign in").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Klasse 8a")
    expect(teacher.get_by_role("heading", name="Teacher codes")).to_have_count(0)
    teacher.goto(f"/moderate/w/{other['id']}")
    expect(teacher.get_by_role("alert")).to_contain_text(
        "Your teacher code is for another workshop"
    )

    admin.reload()
    admin.get_by_role("button", name="Revoke Teacher 1").click()
    teacher.goto(f"/moderate/w/{mine['id']}")
    expect(teacher.get_by_label("Moderator token or teacher code")).to_be_visible()
