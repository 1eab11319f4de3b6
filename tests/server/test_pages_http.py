"""The web pages' safety rules, checked at the HTTP level (fast; the browser tests drive the flows)."""

import re
from datetime import timedelta

import pytest
from live_server import MODERATOR as MODERATOR_FORM_TOKEN
from live_server import csrf, sign_in
from sqlalchemy import select

from server_sync.models import JuryMember, JuryRating, ModeratorSession, Vote, now


def db(server):
    return server.client.app.state.server.sessions()


def test_pages_forbid_inline_scripts_and_framing(server):
    response = server.client.get("/")
    policy = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy
        and "frame-ancestors 'none'" in policy
    )
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text and " style=" not in response.text


def test_cookies_are_http_only_and_same_site_strict(server):
    w = server.workshop()
    response = server.client.post(
        "/join",
        data={"csrf": csrf(server.client), "code": w["code"], "pseudonym": "Fox"},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert (
        "quartier_participant=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    )


@pytest.mark.parametrize("sent", [None, "forged"])
def test_a_form_without_the_right_csrf_token_is_refused_and_changes_nothing(server, sent):
    w = server.workshop(moderation="post")
    _uuid, _ = server.submit(server.join(w, "Fox"))
    server.phase(w, "voting")
    client = server.client
    csrf(client)
    form = {} if sent is None else {"csrf": sent}
    assert (
        client.post("/join", data={**form, "code": w["code"], "pseudonym": "Owl"}).status_code
        == 403
    )
    assert (
        client.post("/moderate/login", data={**form, "token": MODERATOR_FORM_TOKEN}).status_code
        == 403
    )
    assert "quartier_moderator" not in client.cookies
    sign_in(client)
    refused = client.post(f"/moderate/w/{w['id']}/phase", data={**form, "phase": "closed"})
    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert client.get(f"/api/v1/workshops/{w['id']}").json()["phase"] == "voting"
    with db(server) as session:
        assert session.scalars(select(Vote)).all() == []


def test_moderator_session_ends_after_thirty_minutes_without_activity(server):
    sign_in(server.client)
    assert "New workshop" in server.client.get("/moderate").text
    with db(server) as session:
        for found in session.scalars(select(ModeratorSession)):
            found.last_seen = now() - timedelta(minutes=31)
        session.commit()
    page = server.client.get("/moderate")
    assert (
        page.status_code == 401
        and "Your session ended" in page.text
        and "New workshop" not in page.text
    )
    with db(server) as session:
        assert session.scalars(select(ModeratorSession)).all() == []
    again = server.client.get("/moderate")  # said once: the ended session's cookie is gone
    assert again.status_code == 200 and "Your session ended" not in again.text


def test_a_moderator_cookie_reads_but_never_writes_through_the_api(server):
    w = server.workshop()
    uuid, _ = server.submit(server.join(w, "Fox"))
    sign_in(server.client)
    assert (
        server.client.get(f"/api/v1/submissions/{uuid}").status_code == 200
    )  # pending: only a moderator sees it
    refused = server.client.post(
        f"/api/v1/submissions/{uuid}/moderation", json={"action": "approve"}
    )
    assert refused.status_code == 401


def test_language_switch_only_ever_redirects_within_the_site(server):
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        response = server.client.get("/lang/de", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"
    response = server.client.get("/lang/de", params={"next": "/jury"}, follow_redirects=False)
    assert (
        response.headers["location"] == "/jury"
        and "quartier_lang=de" in response.headers["set-cookie"]
    )


def test_the_browsers_preferred_language_is_used_when_none_was_chosen(server):
    german_second = {"Accept-Language": "fr, de;q=0.8, en;q=0.5"}
    assert "Beim Workshop mitmachen" in server.client.get("/", headers=german_second).text
    assert (
        "Join a workshop"
        in server.client.get("/", headers={"Accept-Language": "en-GB, de;q=0.9"}).text
    )


def test_hidden_and_rejected_designs_appear_on_no_public_page(server):
    w = server.workshop(moderation="post")
    _shown, _ = server.submit(server.join(w, "Fox"), title="Shown")
    hidden, _ = server.submit(server.join(w, "Owl"), title="Secret plan", x=58)
    server.client.post(
        f"/api/v1/submissions/{hidden}/moderation",
        json={"action": "reject", "reason": "rude"},
        headers=server.mod,
    )
    server.phase(w, "closed")
    public = (
        server.client.get(f"/w/{w['code']}").text
        + server.client.get(f"/w/{w['code']}/results").text
    )
    assert "Shown" in public and "Secret plan" not in public and hidden not in public
    assert server.client.get(f"/w/{w['code']}/d/{hidden}").status_code == 404


def test_jury_codes_are_stored_as_hashes_and_stars_stay_within_zero_to_five(server):
    w = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(w, "Fox"))
    server.phase(w, "voting")
    client = server.client
    sign_in(client)
    page = client.post(
        f"/moderate/w/{w['id']}/jury", data={"csrf": client.cookies["quartier_csrf"], "count": "1"}
    )
    code = re.search(r'class="code-small">([A-Z0-9]{5}-[A-Z0-9]{5})<', page.text).group(1)
    with db(server) as session:
        stored = session.scalars(select(JuryMember.token_hash)).one()
    assert code not in stored and code.replace("-", "") not in stored

    token = client.cookies["quartier_csrf"]
    assert (
        client.post(
            f"/w/{w['code']}/d/{uuid}/stars", data={"csrf": token, "stars": "4"}
        ).status_code
        == 401
    )
    joined = client.post("/jury", data={"csrf": token, "code": code}, follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == f"/w/{w['code']}"
    for bad in ("6", "-1", "x", ""):
        assert (
            client.post(
                f"/w/{w['code']}/d/{uuid}/stars", data={"csrf": token, "stars": bad}
            ).status_code
            == 422
        )
    assert (
        client.post(
            f"/w/{w['code']}/d/{uuid}/stars",
            data={"csrf": token, "stars": "4"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/w/{w['code']}/d/{uuid}/stars",
            data={"csrf": token, "stars": "5"},
            follow_redirects=False,
        ).status_code
        == 303
    )  # changing one's mind replaces the rating
    with db(server) as session:
        assert [r.stars for r in session.scalars(select(JuryRating))] == [5]
    results = server.client.get(f"/api/v1/workshops/{w['id']}/results", headers=server.mod).json()
    assert (
        results[0]["votes"] == 0
        and results[0]["jury_stars"] == 5.0
        and results[0]["jury_ratings"] == 1
    )


def test_a_wrong_jury_code_and_an_unknown_workshop_get_clear_pages(server):
    token = csrf(server.client)
    wrong = server.client.post("/jury", data={"csrf": token, "code": "AAAAA-BBBBB"})
    assert wrong.status_code == 404 and "That jury code is not right" in wrong.text
    missing = server.client.get("/w/NOSUCH")
    assert missing.status_code == 404 and "That code is not right" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
