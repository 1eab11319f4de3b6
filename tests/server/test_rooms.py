"""Team rooms in-process: making and joining one, edits checked and numbered by the server, undo,
refusals on the sender only, the teacher's lock, remove and roll back, and garbage on the socket."""

import contextlib
import json
from dataclasses import dataclass

import numpy as np
import pytest

from game.io.levels import find_level

DEMO = find_level("demo")
HOUSING = DEMO.catalogue.id("housing")


def house(x: int, y: int, z: int = 1) -> dict:
    return {"op": "place", "block": "housing", "at": [x, y, z]}


@dataclass
class Scene:
    api: object
    workshop: dict
    code: str
    ada: dict
    bo: dict
    sockets: contextlib.ExitStack

    @property
    def client(self):
        return self.api.client

    def connect(self, who: dict, **hello):
        """A member's socket after the hello and the welcome (closed at the test's end)."""
        url = f"/api/v1/rooms/{self.code}/ws"
        socket = self.sockets.enter_context(self.client.websocket_connect(url))
        token = who["Authorization"].split()[1]
        socket.send_text(json.dumps({"type": "hello", "v": 1, "token": token, **hello}))
        welcome = socket.receive_json()
        assert welcome["type"] == "welcome", welcome
        return socket, welcome


@pytest.fixture
def scene(server):
    workshop = server.workshop()
    ada = server.join(workshop, "Ada")
    bo = server.join(workshop, "Bo")
    made = server.client.post(
        f"/api/v1/workshops/{workshop['id']}/rooms", json={"title": "Team Eule"}, headers=ada
    )
    assert made.status_code == 201, made.text
    # Every socket a test opens is closed at its end even when it fails (else the app waits).
    with contextlib.ExitStack() as sockets:
        yield Scene(server, workshop, made.json()["code"], ada, bo, sockets)


def until(socket, kind: str) -> dict:
    for _ in range(50):
        message = socket.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind}")


def grid_of(welcome: dict, steps: list[dict]) -> np.ndarray:
    grid = DEMO.city.copy().reshape(-1)
    grid[welcome["state"]["index"]] = welcome["state"]["block"]
    for step in steps:
        grid[step["index"]] = step["block"]
    return grid.reshape(DEMO.shape)


def send(socket, kind: str, ticket: int, **fields) -> None:
    socket.send_text(json.dumps({"type": kind, "ticket": ticket, **fields}))


def test_two_members_see_each_others_edits_in_one_order_and_a_late_joiner_gets_the_state(scene):
    a, welcome_a = scene.connect(scene.ada, lang="de")
    b, _ = scene.connect(scene.bo)
    assert welcome_a["you"]["name"] == "Ada" and welcome_a["seq"] == 0
    presence = until(a, "presence")
    assert {m["name"] for m in presence["members"]} >= {"Ada"}
    send(a, "edit", 1, op=house(50, 50))
    send(b, "edit", 7, op=house(60, 60))
    seen_a = [until(a, "step"), until(a, "step")]
    seen_b = [until(b, "step"), until(b, "step")]
    assert [s["seq"] for s in seen_a] == [s["seq"] for s in seen_b] == [1, 2]
    mine = next(s for s in seen_a if s["ticket"] == 1)
    assert mine["by"] == welcome_a["you"]["id"] and mine["kind"] == "edit"
    _, late = scene.connect(scene.ada)
    grid = grid_of(late, [])
    assert grid[50, 50, 1] == grid[60, 60, 1] == HOUSING
    assert late["seq"] == 2
    room = scene.client.get(f"/api/v1/rooms/{scene.code}", headers=scene.bo).json()
    assert room["seq"] == 2 and {m["name"] for m in room["members"]} == {"Ada", "Bo"}


def test_a_reconnecting_member_gets_only_the_steps_after_what_it_has(scene):
    a, _ = scene.connect(scene.ada)
    for ticket in range(3):
        send(a, "edit", ticket, op=house(50 + ticket, 50))
        until(a, "step")
    _, again = scene.connect(scene.bo, since=1)
    assert "state" not in again
    assert [s["seq"] for s in again["steps"]] == [2, 3]


def test_refusals_go_to_the_sender_alone_with_the_real_reason_in_its_language(scene):
    a, _ = scene.connect(scene.ada, lang="de")
    b, _ = scene.connect(scene.bo)
    send(a, "edit", 3, op=house(5, 5))
    refused = until(a, "refused")
    assert refused["ticket"] == 3 and refused["code"] == "room_outside_zone"
    assert "Baufläche" in refused["message"]
    send(a, "edit", 4, op={"op": "place", "block": "housing"})
    assert until(a, "refused")["code"] == "room_bad_op"
    send(b, "edit", 1, op=house(50, 50))
    step = until(b, "step")
    assert step["seq"] == 1, "bo's first step is the room's first: ada's refusals numbered nothing"
    assert until(a, "step")["seq"] == 1, "ada's next message is bo's step, not her refusals"


def test_undo_takes_back_only_your_own_edit(scene):
    a, _ = scene.connect(scene.ada)
    b, _ = scene.connect(scene.bo)
    send(a, "edit", 1, op=house(50, 50))
    until(b, "step")
    send(b, "edit", 1, op=house(51, 50))
    until(a, "step")
    send(a, "undo", 2)
    steps = [until(b, "step") for _ in range(2)]
    undo = steps[-1]
    assert undo["kind"] == "undo"
    assert undo["index"] == [int(np.ravel_multi_index((50, 50, 1), DEMO.shape))]
    assert undo["block"] == [int(DEMO.city[50, 50, 1])]


def test_the_teacher_locks_removes_and_rolls_back_and_the_members_hear_it(scene):
    api, code = scene.api, scene.code
    a, _ = scene.connect(scene.ada)
    for ticket, x in enumerate((50, 52, 54)):
        send(a, "edit", ticket, op=house(x, 50))
        until(a, "step")
    lock = f"/api/v1/rooms/{code}/lock"
    locked = api.client.post(lock, json={"locked": True}, headers=api.mod)
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert until(a, "locked")["locked"] is True
    send(a, "edit", 9, op=house(56, 50))
    assert until(a, "refused")["code"] == "room_locked"
    api.client.post(lock, json={"locked": False}, headers=api.mod)
    assert until(a, "locked")["locked"] is False
    back = api.client.post(f"/api/v1/rooms/{code}/rollback", json={"to": 1}, headers=api.mod)
    assert back.status_code == 200, back.text
    rollback = until(a, "step")
    assert rollback["kind"] == "rollback" and rollback["seq"] == 4
    assert sorted(rollback["block"]) == [int(DEMO.city[52, 50, 1]), int(DEMO.city[54, 50, 1])]
    rooms = f"/api/v1/workshops/{scene.workshop['id']}/rooms"
    listed = api.client.get(rooms, headers=api.mod).json()
    assert listed[0]["edits_per_minute"] == 4
    assert [m["online"] for m in listed[0]["members"] if m["name"] == "Ada"] == [True]
    ada_id = listed[0]["members"][0]["id"]
    gone = api.client.delete(f"/api/v1/rooms/{code}/members/{ada_id}", headers=api.mod)
    assert gone.status_code == 204
    assert until(a, "error")["code"] == "room_removed"
    # Typing the code again, the pupil hears it at once (the start screen looks the code up).
    looked_up = api.client.get(f"/api/v1/rooms/{code}", headers=scene.ada)
    assert looked_up.status_code == 403 and looked_up.json()["error"]["code"] == "room_removed"
    with api.client.websocket_connect(f"/api/v1/rooms/{code}/ws") as socket:
        socket.send_text(
            json.dumps({"type": "hello", "v": 1, "token": scene.ada["Authorization"][7:]})
        )
        assert socket.receive_json()["code"] == "room_removed"


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ("not json", "room_bad_message"),
        (json.dumps({"type": "hello", "v": 1, "token": "forged"}), "not_participant"),
        (json.dumps({"type": "edit"}), "room_no_hello"),
        ("x" * 70_000, "room_message_too_big"),
    ],
)
def test_garbage_forged_tokens_and_huge_messages_are_refused_clearly(scene, first, code):
    a, _ = scene.connect(scene.ada)
    with scene.client.websocket_connect(f"/api/v1/rooms/{scene.code}/ws") as socket:
        socket.send_text(first)
        error = socket.receive_json()
        assert error["type"] == "error" and error["code"] == code
        assert error["message"]
    send(a, "edit", 1, op=house(50, 50))
    assert until(a, "step")["seq"] == 1, "nothing broke for the member already in the room"


def test_a_flood_of_edits_is_throttled_for_the_flooder_alone(scene):
    a, welcome = scene.connect(scene.ada)
    for ticket in range(200):
        send(a, "edit", ticket, op=house(50, 50 + ticket % 20))
    answers = [a.receive_json() for _ in range(200)]
    slow = [m for m in answers if m["type"] == "refused" and m["code"] == "room_slow_down"]
    assert slow, "an auto-clicker is told to slow down"
    b, _ = scene.connect(scene.bo)
    send(b, "edit", 1, op=house(60, 60))
    step = until(b, "step")
    assert step["by"] != welcome["you"]["id"] and step["ticket"] == 1, "bo still builds"


def test_looking_up_a_full_rooms_code_says_it_is_full_to_a_newcomer_not_to_a_member(
    scene, monkeypatch
):
    from server_sync.services import rooms

    monkeypatch.setattr(rooms, "MAX_MEMBERS", 1)  # Ada made the room: it is full
    room = f"/api/v1/rooms/{scene.code}"
    assert scene.client.get(room, headers=scene.ada).status_code == 200
    newcomer = scene.client.get(room, headers=scene.bo)
    assert newcomer.status_code == 409, newcomer.text
    assert newcomer.json()["error"]["code"] == "room_full"
    assert "1" in newcomer.json()["error"]["message"]
    with scene.client.websocket_connect(f"{room}/ws") as socket:  # the socket says the same
        token = scene.bo["Authorization"].split()[1]
        socket.send_text(json.dumps({"type": "hello", "v": 1, "token": token}))
        assert socket.receive_json()["code"] == "room_full"
