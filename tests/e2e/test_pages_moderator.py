"""The moderator's desk in real Chromium: sign in, create a workshop, moderate, move the phases."""

import re
import zipfile

from playwright.sync_api import expect


def test_moderator_creates_a_workshop_approves_hides_and_moves_to_voting_and_closed(
    site, visitor, moderator, tmp_path
):
    desk = moderator()
    desk.get_by_label("Title").fill("Neuer Markt")
    desk.get_by_label("Level").select_option("demo")
    desk.get_by_label("Votes per participant").fill("2")
    desk.get_by_role("button", name="Create workshop").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Neuer Markt")
    code = desk.locator(".join-code .code-large").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    expect(desk.get_by_role("img", name=f"QR code for {site.url}/?code={code}")).to_be_visible()
    workshop = {"id": int(desk.url.rsplit("/", 1)[1]), "code": code}

    park = site.submit_as(workshop, "Fox", "Park")
    site.submit_as(workshop, "Owl", "Parking deck", x=60)
    gallery = visitor()
    gallery.goto(f"/w/{code}")
    expect(
        gallery.get_by_text("No designs to see yet.")
    ).to_be_visible()  # pre-moderation: nothing public yet

    desk.reload()
    queue = desk.locator(
        "section", has=desk.get_by_role("heading", name=re.compile("Waiting for approval"))
    )
    expect(queue.locator("li h3")).to_have_text(["Park", "Parking deck"])  # oldest first
    for picture in queue.locator(
        "img"
    ).all():  # pending designs are not public, but the moderator sees them
        picture.scroll_into_view_if_needed()
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("img => img.naturalWidth") > 0
    desk.get_by_role("button", name="Approve “Park”").click()
    desk.get_by_role("button", name="Approve “Parking deck”").click()
    expect(desk.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    gallery.reload()
    expect(gallery.locator(".gallery h2")).to_have_text(["Park", "Parking deck"])

    card = desk.locator("li", has=desk.get_by_role("heading", name="Parking deck"))
    card.get_by_label(re.compile("Reason")).fill("Too close to the school entrance")
    card.get_by_role("button", name="Hide “Parking deck”").click()
    expect(
        desk.locator("li", has=desk.get_by_role("heading", name="Parking deck"))
    ).to_contain_text("Hidden: Too close to the school entrance")
    gallery.reload()
    expect(gallery.locator(".gallery h2")).to_have_text(["Park"])
    assert "Parking deck" not in gallery.content()

    desk.get_by_role("button", name="Start voting").click()
    desk.get_by_role("button", name="Yes, open voting").click()
    expect(desk.get_by_text("Now: Voting")).to_be_visible()
    gallery.reload()
    expect(gallery.get_by_text("To vote, join the workshop first.")).to_be_visible()
    desk.get_by_role("button", name="Close the workshop").click()
    desk.get_by_role("button", name="Yes, close the workshop").click()
    expect(desk.get_by_text("Now: Closed")).to_be_visible()
    expect(desk.get_by_role("button", name="Start voting")).to_have_count(0)

    audit = desk.locator("table.audit tbody")
    for action in ("create_workshop", "approve", "hide", "phase_voting", "phase_closed"):
        expect(audit).to_contain_text(action)
    expect(audit).to_contain_text("Too close to the school entrance")
    gallery.goto(f"/w/{code}/results")
    expect(gallery.locator("table.ranking tbody tr")).to_have_count(1)
    assert park in gallery.get_by_role("link", name="Park").get_attribute("href")

    with desk.expect_download() as download:
        desk.get_by_role("link", name="Approved designs (ZIP)").click()
    assert download.value.suggested_filename == f"quartier-{code}.zip"
    download.value.save_as(tmp_path / "council.zip")
    with zipfile.ZipFile(tmp_path / "council.zip") as bundle:
        names = bundle.namelist()
        assert "report.pdf" in names and "submissions.csv" in names
        assert not any("parking" in name.lower() for name in names)  # the hidden design stays out


def test_a_wrong_token_is_refused_and_the_projector_page_shows_the_code_large(
    site, visitor, moderator
):
    page = visitor()
    page.goto("/moderate")
    page.get_by_label("Moderator token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This needs the moderator token or a teacher code."
    )
    workshop = site.workshop("Projektor")
    assert page.goto(f"/moderate/w/{workshop['id']}").status == 200
    expect(page.get_by_role("heading", name="Moderators: sign in")).to_be_visible()  # not the desk

    desk = moderator()
    desk.goto(f"/moderate/w/{workshop['id']}")
    desk.get_by_role("link", name="Show the code large for the projector").click()
    expect(desk.locator(".code-large")).to_have_text(workshop["code"])
    # the text is there before the stylesheet: measured earlier, the size was the default 16 px
    desk.wait_for_load_state("load")
    big = desk.locator(".code-large").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert big >= 48


def test_signing_out_ends_the_session(site, moderator):
    desk = moderator()
    desk.get_by_role("button", name="Sign out").click()
    expect(desk.get_by_role("status")).to_have_text(
        "You are signed out. The next person can join or sign in now."
    )
    expect(desk.get_by_role("button", name="Sign out")).to_have_count(0)
    desk.goto("/moderate")
    expect(desk.get_by_label("Moderator token")).to_be_visible()
