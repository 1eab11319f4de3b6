"""M6 (issue 13): on a shared classroom PC the next pupil must not vote as the one before.
Every page offers sign-out; it forgets the participant, the juror and the desk session; the
cookies last only as long as the browser (and end when the workshop closes); and a vote for
a design taken down since can be taken back on the page, not only through the API (L3)."""

import re

from live_server import csrf, sign_in
from sqlalchemy import select

from server_sync.models import ModeratorSession


def join_page(client, workshop: dict, pseudonym: str):
    return client.post(
        "/join",
        data={"csrf": csrf(client), "code": workshop["code"], "pseudonym": pseudonym},
        follow_redirects=False,
    )


def vote_page(client, workshop: dict, uuid: str, action: str = "cast"):
    return client.post(
        f"/w/{workshop['code']}/d/{uuid}/vote",
        data={"csrf": client.cookies["quartier_csrf"], "action": action},
    )


def test_every_page_offers_sign_out_once_someone_is_signed_in(server):
    workshop = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(workshop, "Fox"))
    pages = ["/", f"/w/{workshop['code']}", f"/w/{workshop['code']}/d/{uuid}", "/jury"]
    pages.append(f"/w/{workshop['code']}/results")
    for path in pages:
        assert 'action="/sign-out"' not in server.client.get(path).text, path
    assert join_page(server.client, workshop, "Owl").status_code == 303
    for path in pages:
        assert 'action="/sign-out"' in server.client.get(path).text, path
    sign_in(server.client)
    for path in ("/moderate", f"/moderate/w/{workshop['id']}"):
        assert server.client.get(path).text.count('action="/sign-out"') == 1, path


def test_sign_out_forgets_the_pupil_so_the_next_one_cannot_vote_as_them(server):
    workshop = server.workshop(moderation="post")
    uuid, _ = server.submit(server.join(workshop, "Fox"))
    client = server.client
    assert join_page(client, workshop, "Owl").status_code == 303
    server.phase(workshop, "voting")
    assert "You are taking part as Owl" in client.get(f"/w/{workshop['code']}").text
    out = client.post(
        "/sign-out", data={"csrf": client.cookies["quartier_csrf"]}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/?done=signed_out"
    assert "quartier_participant" not in client.cookies
    assert "You are signed out" in client.get(out.headers["location"]).text
    gallery = client.get(f"/w/{workshop['code']}").text
    assert "taking part as" not in gallery and "To vote, join the workshop first." in gallery
    refused = vote_page(client, workshop, uuid)
    assert refused.status_code == 401


def test_sign_out_ends_the_desk_session_too(server):
    client = server.client
    sign_in(client)
    cookie = client.cookies["quartier_moderator"]
    client.post("/sign-out", data={"csrf": client.cookies["quartier_csrf"]})
    with server.client.app.state.server.sessions() as session:
        assert session.scalars(select(ModeratorSession)).all() == []
    client.cookies.set("quartier_moderator", cookie)  # a copy kept does not bring it back
    assert "token" in client.get("/moderate").text.lower()
    assert client.get("/moderate/w/1").status_code in (200, 401)  # the sign-in form, not a desk
    assert 'action="/moderate/login"' in client.get("/moderate/w/1").text


def test_sign_out_needs_the_csrf_token(server):
    """A foreign page must not be able to sign a pupil out (or in as someone else)."""
    workshop = server.workshop()
    client = server.client
    assert join_page(client, workshop, "Owl").status_code == 303
    assert client.post("/sign-out", data={"csrf": "forged"}).status_code == 403
    assert "quartier_participant" in client.cookies


def test_pupil_and_jury_cookies_end_with_the_browser_and_with_the_workshop(server):
    workshop = server.workshop()
    client = server.client
    joined = join_page(client, workshop, "Owl")
    cookie = joined.headers["set-cookie"]
    assert "quartier_participant=" in cookie
    assert "max-age" not in cookie.lower() and "expires" not in cookie.lower()
    server.phase(workshop, "closed")
    closed = client.get(f"/w/{workshop['code']}")
    assert re.search(
        r'quartier_participant=""?;.*(Max-Age=0|expires=)', closed.headers["set-cookie"], re.I
    )
    assert "quartier_participant" not in client.cookies
    assert "taking part as" not in closed.text


def test_a_vote_for_a_design_taken_down_can_be_taken_back_on_the_page(server):
    """L3 on the pages: the gallery shows only approved designs, so a vote for one hidden
    later needs its own button, or it stays stuck and the pupil has one vote less."""
    workshop = server.workshop(votes_per_participant=2, moderation="post")
    uuid, _ = server.submit(server.join(workshop, "Fox"), title="Skatepark")
    client = server.client
    assert join_page(client, workshop, "Owl").status_code == 303
    server.phase(workshop, "voting")
    assert vote_page(client, workshop, uuid).status_code == 200
    assert "You have 1 of 2 votes left." in client.get(f"/w/{workshop['code']}").text
    gallery = client.get(f"/w/{workshop['code']}").text
    assert "taken down" not in gallery
    server.moderate(uuid, "hide", "Bitte ohne Namen")
    gallery = client.get(f"/w/{workshop['code']}").text
    assert "Your votes for designs that are no longer shown (1)" in gallery
    assert "Skatepark" not in gallery  # a design taken down shows no title
    withdrawn = vote_page(client, workshop, uuid, "withdraw")
    assert withdrawn.status_code == 200 and "no longer shown" not in withdrawn.text
    assert "You have 2 of 2 votes left." in withdrawn.text
