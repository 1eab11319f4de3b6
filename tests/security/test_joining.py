"""H2 (issue 13), the rest: joining ends when voting starts (unless the moderator keeps it open
until the close), and a workshop can be given a most number of participants that holds even
when a whole class presses "join" at the same moment."""

from concurrent.futures import ThreadPoolExecutor

import httpx
from live_server import Api, LiveServer, csrf, sign_in
from sqlalchemy import select

from server_sync.models import AuditEntry


def join(client, workshop: dict, pseudonym: str) -> httpx.Response:
    return client.post("/api/v1/join", json={"code": workshop["code"], "pseudonym": pseudonym})


def test_sock_puppets_cannot_join_once_voting_started(server):
    workshop = server.workshop()
    assert workshop["joining"] == "until_voting" and workshop["max_participants"] is None
    server.join(workshop, "Fox")
    server.phase(workshop, "voting")
    refused = join(server.client, workshop, "Puppet1")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "joining_closed"
    assert "Joining this workshop has ended" in refused.json()["error"]["message"]
    german = server.client.post(
        "/api/v1/join",
        json={"code": workshop["code"], "pseudonym": "Puppet2"},
        headers={"Accept-Language": "de"},
    )
    assert "Der Beitritt zu diesem Workshop ist beendet" in german.json()["error"]["message"]
    page = server.client.post(
        "/join",
        data={"csrf": csrf(server.client), "code": workshop["code"], "pseudonym": "Puppet3"},
    )
    assert page.status_code == 409 and "Joining this workshop has ended" in page.text
    assert "quartier_participant" not in server.client.cookies


def test_the_moderator_can_keep_joining_open_until_the_close(server):
    workshop = server.workshop(joining="until_closed")
    server.phase(workshop, "voting")
    assert join(server.client, workshop, "Late").status_code == 201
    changed = server.client.patch(
        f"/api/v1/workshops/{workshop['id']}", json={"joining": "until_voting"}, headers=server.mod
    )
    assert changed.status_code == 200 and changed.json()["phase"] == "voting"
    assert join(server.client, workshop, "Later").json()["error"]["code"] == "joining_closed"
    server.phase(workshop, "closed")
    reopened = server.client.patch(
        f"/api/v1/workshops/{workshop['id']}", json={"joining": "until_closed"}, headers=server.mod
    )
    assert reopened.status_code == 200
    assert join(server.client, workshop, "Latest").json()["error"]["code"] == "workshop_closed"
    with server.client.app.state.server.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.workshop_id == workshop["id"])
        ).all()
    assert actions.count("joining") == 2


def test_only_the_moderator_changes_joining(server):
    workshop = server.workshop()
    pupil = server.join(workshop, "Fox")
    for headers in ({}, pupil, {"Authorization": "Bearer junk"}):
        refused = server.client.patch(
            f"/api/v1/workshops/{workshop['id']}",
            json={"joining": "until_closed", "max_participants": 500},
            headers=headers,
        )
        assert refused.status_code in (401, 403)
    assert server.client.get(f"/api/v1/workshops/{workshop['id']}").json()["joining"] == (
        "until_voting"
    )


def test_a_full_workshop_refuses_the_next_pupil_with_the_limit_named(server):
    workshop = server.workshop(max_participants=2)
    server.join(workshop, "Fox")
    server.join(workshop, "Owl")
    full = join(server.client, workshop, "Cat")
    assert full.status_code == 409 and full.json()["error"]["code"] == "workshop_full"
    assert "2 participants" in full.json()["error"]["message"]
    raised = server.client.patch(
        f"/api/v1/workshops/{workshop['id']}", json={"max_participants": 3}, headers=server.mod
    )
    assert raised.json()["max_participants"] == 3
    assert join(server.client, workshop, "Cat").status_code == 201
    unlimited = server.client.patch(
        f"/api/v1/workshops/{workshop['id']}", json={"max_participants": None}, headers=server.mod
    )
    assert unlimited.json()["max_participants"] is None
    assert join(server.client, workshop, "Bee").status_code == 201


def test_the_limit_takes_only_whole_numbers_in_range(server):
    for bad in (0, -1, 501, "²", 2.5, True):
        refused = server.client.post(
            "/api/v1/workshops",
            json={"title": "x", "level_id": "demo", "max_participants": bad},
            headers=server.mod,
        )
        assert refused.status_code == 422, bad


def test_a_class_joining_at_once_never_gets_past_the_limit(tmp_path, db_url):
    """24 pupils press "join" together on a workshop for 10, served by two worker processes
    (SQLite and PostgreSQL): exactly 10 get in, and the rest hear that it is full."""
    server = LiveServer(tmp_path / "live", db_url, workers=2).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            workshop = Api(client).workshop(max_participants=10)

            def one(i: int) -> int:
                with httpx.Client(base_url=server.url, timeout=30) as own:
                    return join(own, workshop, f"Pupil{i}").status_code

            with ThreadPoolExecutor(12) as pool:
                statuses = list(pool.map(one, range(24)))
            again = join(client, workshop, "Pupil99")
    finally:
        server.kill()
    assert statuses.count(201) == 10 and statuses.count(409) == 14
    assert again.json()["error"]["code"] == "workshop_full"


def test_the_desk_sets_and_changes_joining(server):
    client = server.client
    sign_in(client)
    token = client.cookies["quartier_csrf"]
    created = client.post(
        "/moderate/workshops",
        data={
            "csrf": token,
            "title": "Klasse 7b",
            "level_id": "demo",
            "votes": "3",
            "joining": "until_closed",
            "max_participants": "28",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    desk = client.get(created.headers["location"])
    assert "0 of at most 28 participants." in desk.text
    assert 'value="until_closed" checked' in desk.text
    workshop_id = created.headers["location"].rsplit("/", 1)[1]
    for bad in ("²", "0", "abc", "501"):
        refused = client.post(
            f"/moderate/w/{workshop_id}/joining",
            data={"csrf": token, "joining": "until_voting", "max_participants": bad},
        )
        assert refused.status_code == 422 and "Please fill in every field correctly" in refused.text
    saved = client.post(
        f"/moderate/w/{workshop_id}/joining",
        data={"csrf": token, "joining": "until_voting", "max_participants": ""},
    )
    assert saved.status_code == 200  # the desk again, after the redirect
    assert "0 participants, no limit." in saved.text and "Open: pupils can join" in saved.text
    client.post(
        f"/moderate/w/{workshop_id}/phase",
        data={"csrf": token, "phase": "voting", "confirmed": "yes"},
    )
    assert "Ended: no one can join any more." in client.get(f"/moderate/w/{workshop_id}").text
