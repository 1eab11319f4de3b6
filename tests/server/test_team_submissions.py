"""A team room's design sent to the gallery once for the team (issue 18): the server's own copy
of the room, one submission per room with a revision per send, every member named as an author
(API, gallery, design page, export), clear refusals, and votes kept per participant: no member
votes for their team's design. On SQLite and PostgreSQL (the `server` fixture)."""

import contextlib
import io
import json
import zipfile

import numpy as np
import pytest
from live_server import csrf
from pypdf import PdfReader

from game.core.design import open_design, parse_design
from game.core.errors import QuartierError
from game.io.levels import find_level
from game.sync.client import SyncClient
from game.sync.credentials import Participant as Credentials
from game.sync.outbox import Outbox

DEMO = find_level("demo")


def house(x: int, y: int = 50) -> dict:
    return {"op": "place", "block": "housing", "at": [x, y, 1]}


class Team:
    """A workshop with a room of Ada and Bo, Cem outside it, and their sockets."""

    def __init__(self, api, sockets: contextlib.ExitStack) -> None:
        self.api, self.sockets = api, sockets
        self.workshop = api.workshop()
        self.ada = api.join(self.workshop, "Ada")
        self.bo = api.join(self.workshop, "Bo")
        self.cem = api.join(self.workshop, "Cem")
        made = api.client.post(
            f"/api/v1/workshops/{self.workshop['id']}/rooms",
            json={"title": "Team Eule"},
            headers=self.ada,
        )
        assert made.status_code == 201, made.text
        self.code = made.json()["code"]
        self.tickets = 0

    def connect(self, who: dict):
        socket = self.sockets.enter_context(
            self.api.client.websocket_connect(f"/api/v1/rooms/{self.code}/ws")
        )
        token = who["Authorization"].removeprefix("Bearer ")
        socket.send_text(json.dumps({"type": "hello", "v": 1, "token": token}))
        assert socket.receive_json()["type"] == "welcome"
        return socket

    def build(self, socket, op: dict) -> None:
        """One edit, answered by its numbered step (stored before it is sent)."""
        self.tickets += 1
        socket.send_text(json.dumps({"type": "edit", "ticket": self.tickets, "op": op}))
        for _ in range(20):
            message = socket.receive_json()
            if message["type"] == "step" and message["ticket"] == self.tickets:
                return
        raise AssertionError("no step")

    def submit(self, who: dict, title: str = "Unser Platz", **headers):
        return self.api.client.post(
            f"/api/v1/rooms/{self.code}/submission",
            json={"title": title},
            headers={**who, **headers},
        )


@pytest.fixture
def team(server):
    with contextlib.ExitStack() as sockets:
        yield Team(server, sockets)


def error(response) -> str:
    return response.json()["error"]["code"]


def test_a_team_sends_its_room_once_and_every_send_after_is_a_revision(team):
    api = team.api
    a, b = team.connect(team.ada), team.connect(team.bo)
    team.build(a, house(50))
    first = team.submit(team.ada)
    assert first.status_code == 201, first.text
    sent = first.json()
    assert sent["revision"] == 1 and sent["status"] == "pending"
    assert sent["authors"] == ["Ada", "Bo"]
    team.build(b, house(52))
    second = team.submit(team.bo, "Unser Platz mit Haus")
    assert second.status_code == 201, second.text
    assert second.json()["uuid"] == sent["uuid"] and second.json()["revision"] == 2
    again = team.submit(team.ada, "Unser Platz mit Haus")
    assert again.status_code == 200 and again.json()["revision"] == 2
    listed = api.client.get(
        f"/api/v1/workshops/{team.workshop['id']}/submissions", headers=api.mod
    ).json()
    assert len(listed) == 1, "one submission per room, never one per member"
    assert listed[0]["pseudonym"] == "Ada, Bo" and listed[0]["authors"] == ["Ada", "Bo"]
    stored = api.client.get(f"/api/v1/submissions/{sent['uuid']}", headers=api.mod).json()
    assert stored["design"]["pseudonyms"] == ["Ada", "Bo"]
    assert stored["design"]["title"] == "Unser Platz mit Haus"
    grid = open_design(parse_design(json.dumps(stored["design"])), DEMO).grid
    housing = DEMO.catalogue.id("housing")
    assert grid[50, 50, 1] == housing and grid[52, 50, 1] == housing
    changed = np.argwhere(grid != DEMO.city)
    assert sorted(map(tuple, changed.tolist())) == [(50, 50, 1), (52, 50, 1)]


def test_the_design_is_the_servers_copy_and_the_authors_follow_the_team(team):
    """A member who joins later is an author of the next revision; a removed one is not."""
    api = team.api
    a = team.connect(team.ada)
    team.connect(team.bo)
    team.build(a, house(50))
    assert team.submit(team.ada).json()["authors"] == ["Ada", "Bo"]
    dan = api.join(team.workshop, "Dan")
    team.connect(dan)
    bo_id = next(
        m["id"]
        for m in api.client.get(f"/api/v1/rooms/{team.code}", headers=team.ada).json()["members"]
        if m["name"] == "Bo"
    )
    gone = api.client.delete(f"/api/v1/rooms/{team.code}/members/{bo_id}", headers=api.mod)
    assert gone.status_code == 204
    later = team.submit(dan)
    assert later.status_code == 201, later.text
    assert later.json()["authors"] == ["Ada", "Dan"] and later.json()["revision"] == 2


def test_only_members_of_the_room_may_send_it(team):
    a = team.connect(team.ada)
    team.build(a, house(50))
    other = team.api.workshop(title="Andere Klasse")
    for who, status, code in [
        (team.cem, 403, "room_not_member"),
        (team.api.join(other, "Eve"), 404, "room_not_found"),
        ({"Authorization": "Bearer forged"}, 401, "not_participant"),
    ]:
        refused = team.submit(who, **{"Accept-Language": "de"})
        assert refused.status_code == status and error(refused) == code
        assert refused.json()["error"]["message"]


def test_refusals_say_what_to_do_next(team):
    api = team.api
    empty = team.submit(team.ada, **{"Accept-Language": "de"})
    assert empty.status_code == 422 and error(empty) == "room_empty"
    assert "Baut zuerst etwas" in empty.json()["error"]["message"]
    a = team.connect(team.ada)
    team.build(a, house(50))
    sent = team.submit(team.ada).json()
    # The team's design comes from the room alone, never from one member's file.
    text = api.client.get(f"/api/v1/submissions/{sent['uuid']}", headers=api.mod).json()["design"]
    own = api.client.put(
        f"/api/v1/submissions/{sent['uuid']}", content=json.dumps(text), headers=team.ada
    )
    assert own.status_code == 409 and error(own) == "team_design"
    bad_title = team.submit(team.ada, title="")
    assert bad_title.status_code == 422
    api.phase(team.workshop, "voting")
    closed = team.submit(team.ada)
    assert closed.status_code == 409 and error(closed) == "room_submit_closed"
    assert "Ask your teacher" in closed.json()["error"]["message"]


def test_no_member_votes_for_the_teams_design_everyone_else_may(team):
    api = team.api
    a = team.connect(team.ada)
    team.connect(team.bo)
    team.build(a, house(50))
    uuid = team.submit(team.bo).json()["uuid"]  # Bo sends it: the owner; Ada is a member
    own_uuid, _ = api.submit(team.cem)
    api.approve(uuid)
    api.approve(own_uuid)
    api.phase(team.workshop, "voting")
    for member in (team.ada, team.bo):
        refused = api.client.put(f"/api/v1/submissions/{uuid}/vote", headers=member)
        assert refused.status_code == 403 and error(refused) == "own_design"
        api.vote(member, own_uuid)  # each member's votes stay their own
    api.vote(team.cem, uuid)
    # The gallery shows a member the team's design as their own, with no vote button.
    api.client.cookies.set(
        "quartier_participant", team.ada["Authorization"].removeprefix("Bearer ")
    )
    gallery = api.client.get(f"/w/{team.workshop['code']}", headers={"Accept-Language": "en"})
    assert "by Ada, Bo" in gallery.text
    assert gallery.text.count("Your own design") == 1
    assert gallery.text.count('action="cast"') + gallery.text.count('value="withdraw"') == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_editor_sends_a_team_room_with_submit_room(team, tmp_path):
    from game.io import storage

    a = team.connect(team.ada)
    team.build(a, house(50))
    token = team.ada["Authorization"].removeprefix("Bearer ")
    me = Credentials(str(team.api.client.base_url), token, "1", str(team.workshop["id"]), "Ada")
    outbox = Outbox(tmp_path / "outbox", storage)
    with SyncClient(me, outbox, transport=team.api.client._transport) as client:
        sent = client.submit_room(team.code.lower(), "Unser Platz")
        assert sent.new and sent.revision == 1 and sent.authors == ("Ada",)
        assert not client.submit_room(team.code, "Unser Platz").new
        with pytest.raises(QuartierError) as refused:
            client.submit_room("ZZZZZ", "Unser Platz", lang="de")
        assert "Code" in refused.value.message("de")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_team_is_named_on_the_design_page_and_in_the_council_export(team):
    api = team.api
    a = team.connect(team.ada)
    team.connect(team.bo)
    team.build(a, house(50))
    uuid = team.submit(team.ada, "Unser Hof").json()["uuid"]
    api.approve(uuid)
    # The teacher renames the team's owner: the team's line keeps everyone, with the new name.
    ada_id = api.client.get("/api/v1/me", headers=team.ada).json()["participant_id"]
    renamed = api.client.patch(
        f"/api/v1/participants/{ada_id}", json={"pseudonym": "Adele"}, headers=api.mod
    )
    assert renamed.status_code == 200, renamed.text
    page = api.client.get(f"/w/{team.workshop['code']}/d/{uuid}", headers={"Accept-Language": "en"})
    assert "by Adele, Bo" in page.text
    api.sign_in()
    bundle = api.client.get(f"/moderate/w/{team.workshop['id']}/export.zip")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        table = archive.read("submissions.csv").decode("utf-8-sig")
        listed = json.loads(archive.read("submissions.json"))["designs"]
        report = "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(archive.read("report.pdf"))).pages
        )
        design = json.loads(archive.read(listed[0]["design_file"]))
    assert "Adele, Bo" in table  # the team in the spreadsheet, in one cell
    assert [d["pseudonym"] for d in listed] == ["Adele, Bo"]
    assert "Adele, Bo" in report
    assert design["pseudonyms"] == ["Adele", "Bo"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_title_that_hides_characters_is_refused_in_words(team):
    a = team.connect(team.ada)
    team.build(a, house(50))
    refused = team.submit(team.ada, title="Park\u202eniert")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["message"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_desks_room_forms_need_the_signed_in_desk_and_its_csrf_token(team):
    api, client = team.api, team.api.client
    lock = f"/moderate/w/{team.workshop['id']}/rooms/{team.code}/lock"
    signed_out = client.post(lock, data={"csrf": csrf(client), "locked": "yes"})
    assert signed_out.history and signed_out.history[0].status_code == 303  # to the sign-in
    api.sign_in()
    assert client.post(lock, data={"locked": "yes"}).status_code == 403  # no CSRF token
    other = api.workshop(title="Andere Klasse")
    elsewhere = f"/moderate/w/{other['id']}/rooms/{team.code}/lock"
    wrong = client.post(elsewhere, data={"csrf": csrf(client), "locked": "yes"})
    assert wrong.status_code == 404  # a room is acted on from its own workshop's desk only
    done = client.post(lock, data={"csrf": csrf(client), "locked": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("#rooms")
    shown = client.get(f"/api/v1/rooms/{team.code}", headers=team.ada).json()
    assert shown["locked"] is True
    made = client.post(
        f"/moderate/w/{team.workshop['id']}/rooms", data={"csrf": csrf(client), "title": ""}
    )
    assert made.status_code == 422 and "Give the room a name" in made.text
