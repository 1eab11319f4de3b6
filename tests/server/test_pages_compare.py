"""The projector's compare view (#16): the teacher's only, approved designs a set at a time with
links to the next and previous set (the keys only follow them), indicators against the level's
starting state, votes once the workshop is closed; and results whose equal votes share a rank."""

import re

from game.core.indicators import compute_all
from game.io.levels import find_level
from server_sync.services.compare import starting_values
from server_sync.services.ranking import shared_ranks


def titles(html: str) -> list[str]:
    return re.findall(r"<h2>([^<]+)</h2>", html)


def link(html: str, element_id: str) -> str | None:
    found = re.search(rf'id="{element_id}"[^>]*href="([^"]+)"', html)
    return None if found is None else found.group(1).replace("&amp;", "&")


def test_the_compare_view_steps_through_approved_designs_with_plain_links(server):
    w = server.workshop(moderation="post", votes_per_participant=3)
    voters = [server.join(w, name) for name in ("Fox", "Owl", "Elk", "Bee", "Cat", "Yak")]
    uuids = [server.submit(who, f"Design {n}", 36 + 6 * n)[0] for n, who in enumerate(voters)]
    server.moderate(uuids[5], "hide", "not for the wall")
    compare = f"/moderate/w/{w['id']}/compare"
    assert "Design 0" not in server.client.get(compare).text  # not signed in: the sign-in form
    server.sign_in()
    desk = server.client.get(f"/moderate/w/{w['id']}").text
    assert f'href="{compare}"' in desk

    answer = server.client.get(f"{compare}?n=2")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    first = answer.text
    assert "<script>" not in first and " style=" not in first  # the keys come from compare.js
    assert titles(first) == ["Design 0", "Design 1"] and "Designs 1–2 of 5" in first
    assert link(first, "compare-previous") is None
    assert link(first, "compare-next") == f"{compare}?start=2&n=2"
    assert link(first, "compare-size-4") == f"{compare}?start=0&n=4"
    assert '<script src="/static/compare.js" defer></script>' in first
    # Each indicator beside the untouched level's value; no votes while pupils may still vote.
    assert first.count("Before: ") == first.count('class="compare-value"') == 2 * 5
    assert "Place 1" not in first and "once the workshop is closed" in first

    last = server.client.get(
        link(server.client.get(link(first, "compare-next")).text, "compare-next")
    ).text
    assert titles(last) == ["Design 4"] and "Designs 5–5 of 5" in last
    assert link(last, "compare-next") is None
    assert link(last, "compare-previous") == f"{compare}?start=2&n=2"
    assert "Design 5" not in server.client.get(f"{compare}?n=4&start=4").text  # hidden

    odd = server.client.get(f"{compare}?n=x&start=99")  # a mistyped address still shows designs
    assert odd.status_code == 200 and titles(odd.text) == ["Design 4"]

    server.phase(w, "voting")
    for voter in voters[1:4]:
        server.vote(voter, uuids[0])
    server.vote(voters[0], uuids[1])
    server.phase(w, "closed")
    closed = server.client.get(f"{compare}?n=3").text
    assert "Place 1" in closed and "Votes: 3" in closed and "Votes: 1" in closed


def test_the_gallery_links_to_the_compare_view_for_the_teacher_only(server):
    w = server.workshop()
    server.submit(server.join(w, "Fox"))
    compare = f'href="/moderate/w/{w["id"]}/compare"'
    assert compare not in server.client.get(f"/w/{w['code']}").text
    server.sign_in()
    assert compare in server.client.get(f"/w/{w['code']}").text
    waiting = server.client.get(f"/moderate/w/{w['id']}/compare").text  # none approved yet
    assert "No design is approved yet. Approve designs" in waiting and "compare-next" not in waiting


def test_the_starting_state_is_the_untouched_levels_indicators_computed_once():
    level = find_level("demo")
    values = starting_values("demo")
    assert values == {k: r.value for k, r in compute_all(level.city, level).items()}
    assert starting_values("demo") is values


def test_equal_votes_share_a_rank_and_the_next_rank_counts_the_designs_before():
    assert shared_ranks([5, 3, 3, 1]) == [1, 2, 2, 4]
    assert shared_ranks([2, 2, 2]) == [1, 1, 1]
    assert shared_ranks([]) == []


def test_the_results_page_shows_ties_as_one_rank_with_pictures_and_bars(server):
    w = server.workshop(moderation="post", votes_per_participant=2)
    fox, owl, cat, elk = (server.join(w, name) for name in ("Fox", "Owl", "Cat", "Elk"))
    top, _ = server.submit(fox, "Top", 40)
    one, _ = server.submit(owl, "Eins", 50)
    two, _ = server.submit(cat, "Zwei", 60)
    none, _ = server.submit(elk, "Leer", 70)
    server.phase(w, "voting")
    for voter, uuid in ((owl, top), (cat, top), (fox, one), (elk, two)):
        server.vote(voter, uuid)
    server.phase(w, "closed")
    page = server.client.get(f"/w/{w['code']}/results").text
    assert re.findall(r'<td class="rank">(\d+)</td>', page) == ["1", "2", "2", "4"]
    assert re.findall(
        r'class="result-design"[^>]*><img src="/api/v1/submissions/([^/]+)/', page
    ) == [
        top,
        *sorted([one, two], key=lambda u: {one: "Eins", two: "Zwei"}[u]),
        none,
    ]
    assert re.findall(r'class="bar votes".*?<rect width="([\d.]+)"', page) == [
        "100.0",
        "50.0",
        "50.0",
        "0.0",
    ]
