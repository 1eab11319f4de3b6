"""Students and the youth jury in real Chromium: join with a code, vote, rate, read the results."""

import re

from playwright.sync_api import expect


def voting_workshop(
    site, titles=("Park", "Plaza", "Garden", "Market"), **fields
) -> tuple[dict, list[str]]:
    # These pupils join on the voting page itself, so joining stays open while voting runs.
    workshop = site.workshop(moderation="post", joining="until_closed", **fields)
    uuids = [
        site.submit_as(workshop, f"Maker{i}", title, x=44 + 6 * i) for i, title in enumerate(titles)
    ]
    site.phase(workshop, "voting")
    return workshop, uuids


def join(page, code: str, pseudonym: str) -> None:
    page.goto("/")
    page.get_by_label("Workshop code").fill(code)
    page.get_by_label("Your nickname").fill(pseudonym)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("status")).to_have_text("Welcome! You have joined.")


def test_student_joins_votes_three_times_is_refused_a_fourth_withdraws_and_votes_again(
    site, visitor
):
    workshop, _ = voting_workshop(site)
    page = visitor()
    join(page, workshop["code"].lower(), "Fox")  # codes are forgiving about case
    expect(page.get_by_role("heading", level=1)).to_have_text(workshop["title"])
    expect(page.locator(".gallery > li")).to_have_count(4)
    expect(page.locator("#votes-left")).to_have_text("You have 3 of 3 votes left.")

    for title, left in (("Park", 2), ("Plaza", 1), ("Garden", 0)):
        page.get_by_role("button", name=f"Vote for “{title}”").click()
        expect(page.get_by_role("status")).to_have_text("Your vote has been counted.")
        expect(page.locator("#votes-left")).to_have_text(f"You have {left} of 3 votes left.")

    page.get_by_role("button", name="Vote for “Market”").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("You have used all your 3 votes"))
    expect(page.get_by_role("button", name="Vote for “Market”")).to_be_visible()

    page.get_by_role("button", name="Take back vote for “Plaza”").click()
    expect(page.get_by_role("status")).to_have_text("Your vote has been taken back.")
    expect(page.locator("#votes-left")).to_have_text("You have 1 of 3 votes left.")
    page.get_by_role("button", name="Vote for “Market”").click()
    expect(page.locator("#votes-left")).to_have_text("You have 0 of 3 votes left.")
    voted = page.locator(".gallery > li", has=page.get_by_text("✓ Your vote"))
    expect(voted).to_have_count(3)


def test_gallery_in_the_building_phase_shows_designs_but_says_voting_is_closed(site, visitor):
    workshop = site.workshop(moderation="post")
    site.submit_as(workshop, "Maker", "Park")
    page = visitor()
    join(page, workshop["code"], "Fox")
    expect(page.get_by_text("Designs are still being built.")).to_be_visible()
    expect(
        page.get_by_alt_text("“Park”: the area close up, changed blocks outlined in pink")
    ).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Vote for"))).to_have_count(0)


def test_student_cannot_vote_for_their_own_design_and_a_wrong_code_is_explained(site, visitor):
    workshop, _ = voting_workshop(site, titles=("Park",))
    page = visitor()
    page.goto("/")
    page.get_by_label("Workshop code").fill("WRONG1")
    page.get_by_label("Your nickname").fill("Fox")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That code is not right. Please check it with your teacher."
    )
    expect(page.get_by_label("Your nickname")).to_have_value("Fox")  # nothing typed is lost
    page.get_by_label("Workshop code").fill(workshop["code"])
    page.get_by_label("Your nickname").fill("Maker0")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Someone in this workshop already has that nickname, or one that looks the same."
        " If this is you, sign in with your personal code (your editor shows it)."
        " If not, please pick another nickname."
    )


def test_large_view_shows_both_pictures_and_the_indicators(site, visitor):
    workshop, _uuids = voting_workshop(site, titles=("Park",))
    page = visitor()
    page.goto(f"/w/{workshop['code']}")
    page.get_by_role("link", name="Park").click()
    # before and after, framed on the zone, and where the zone lies in the city
    expect(page.get_by_role("img", name="The area before “Park”, close up")).to_be_visible()
    expect(
        page.get_by_role("img", name="“Park”: the area close up, changed blocks outlined in pink")
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Map of the whole city"))).to_be_visible()
    for picture in page.locator(
        "main img"
    ).all():  # the server's pictures arrived, not broken images
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("img => img.naturalWidth") > 0
    expect(page.locator(".indicators dt")).to_contain_text(["Green factor"])


def test_jury_rates_with_a_code_and_results_show_jury_stars_apart_from_votes(
    site, visitor, moderator
):
    workshop, uuids = voting_workshop(site, titles=("Park", "Plaza", "Garden"))
    desk = moderator()
    desk.goto(f"/moderate/w/{workshop['id']}")
    desk.get_by_label("Number of new codes").fill("2")
    desk.get_by_role("button", name="Issue jury codes").click()
    codes = desk.locator(".issued .code-small").all_inner_texts()
    assert len(codes) == 2 and all(re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", c) for c in codes)

    for code, stars in zip(codes, ({"Park": 2, "Garden": 5}, {"Park": 3, "Garden": 4})):
        jury = visitor()
        jury.goto("/jury")
        jury.get_by_label("Jury code").fill(code.lower())
        jury.get_by_role("button", name="Start rating").click()
        expect(jury.get_by_text("You are rating as Jury")).to_be_visible()
        for title, n in stars.items():
            card = jury.locator(".gallery > li", has=jury.get_by_role("heading", name=title))
            card.get_by_label(f"{n} ★").check()
            card.get_by_role("button", name="Save stars").click()
            expect(jury.get_by_role("status")).to_have_text("Your stars have been saved.")

    voters = [site.join(workshop, f"Voter{i}") for i in range(3)]
    for who in voters:
        site.vote(who, uuids[1])  # Plaza: 3 votes
    site.vote(voters[0], uuids[0])  # Park: 1 vote
    page = visitor()
    page.goto(f"/w/{workshop['code']}/results")
    expect(
        page.get_by_text("The results appear once the moderator closes the voting.")
    ).to_be_visible()
    site.phase(workshop, "closed")
    page.reload()
    rows = page.locator("table.ranking tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Plaza")
    expect(rows.nth(0)).to_contain_text("Votes: 3")
    expect(rows.nth(0)).to_contain_text("no stars yet")
    expect(rows.nth(1)).to_contain_text("Park")
    expect(rows.nth(1)).to_contain_text("Votes: 1")
    expect(rows.nth(1)).to_contain_text("2.5 of 5 stars (jury ratings: 2)")
    expect(rows.nth(2)).to_contain_text("Garden")
    expect(rows.nth(2)).to_contain_text("4.5 of 5 stars (jury ratings: 2)")
    assert "Voter" not in page.content()  # who voted for what is never shown
