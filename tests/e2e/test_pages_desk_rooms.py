"""The teacher's team rooms on the desk in real Chromium (issue 18): a room appears with its
members in their colours and who is online, the list follows by itself when someone joins, and
the lock, take out and roll back buttons reach the members at once; a room made on the desk."""

import contextlib
import json
import re

from browser import PHONE, screenshot_dir, serious_axe_findings
from playwright.sync_api import expect
from websockets.sync.client import connect

PROJECTOR = {"width": 1920, "height": 1080}


class Member:
    """A pupil's socket in the room (the protocol of docs/rooms.md, as the editor speaks it)."""

    def __init__(self, sockets: contextlib.ExitStack, url: str, code: str, who: dict) -> None:
        address = f"{url.replace('http', 'ws', 1)}/api/v1/rooms/{code}/ws"
        self.socket = sockets.enter_context(connect(address, open_timeout=30))
        token = who["Authorization"].removeprefix("Bearer ")
        self.send({"type": "hello", "v": 1, "token": token})
        assert self.until("welcome")
        self.ticket = 0

    def send(self, message: dict) -> None:
        self.socket.send(json.dumps(message))

    def until(self, type_: str, **fields) -> dict:
        """The next message of this type (and these fields), past any before it."""
        for _ in range(100):
            message = json.loads(self.socket.recv(timeout=15))
            if message["type"] == type_ and fields.items() <= message.items():
                return message
        raise AssertionError(f"no {type_}")

    def build(self, x: int) -> None:
        self.ticket += 1
        self.send(
            {
                "type": "edit",
                "ticket": self.ticket,
                "op": {"op": "place", "block": "housing", "at": [x, 50, 1]},
            }
        )
        assert self.until("step")["ticket"] == self.ticket


def test_the_desk_shows_the_rooms_and_its_buttons_reach_the_members(site, moderator):
    with contextlib.ExitStack() as sockets:
        the_desk_and_its_buttons(site, moderator, sockets)


def the_desk_and_its_buttons(site, moderator, sockets: contextlib.ExitStack) -> None:
    workshop = site.workshop(title="Klasse 7b")
    ada, bo = site.join(workshop, "Ada"), site.join(workshop, "Bo")
    made = site.client.post(
        f"/api/v1/workshops/{workshop['id']}/rooms", json={"title": "Team Eule"}, headers=ada
    )
    code = made.json()["code"]
    a = Member(sockets, site.url, code, ada)
    b = Member(sockets, site.url, code, bo)
    for x in (50, 52, 54):
        a.build(x)
    b.build(56)
    desk = moderator(size=PROJECTOR)
    desk.goto(f"/moderate/w/{workshop['id']}")
    room = desk.locator(f"li.room[data-room='{code}']")
    expect(room.locator("h3")).to_contain_text("Team Eule")
    expect(room.locator(".members li")).to_have_text(
        [re.compile(r"Ada\s+online"), re.compile(r"Bo\s+online")]
    )
    expect(room.locator(".members .swatch")).to_have_count(2)
    expect(room).to_contain_text("4 changes in the last minute")

    cem = site.join(workshop, "Cem")
    c = Member(sockets, site.url, code, cem)  # the desk follows by itself (its script), no reload
    expect(room.locator(".members li")).to_have_count(3, timeout=20_000)
    c.socket.close()

    if folder := screenshot_dir():
        desk.locator("section.desk-rooms").scroll_into_view_if_needed()
        desk.screenshot(path=str(folder / "desk-rooms.png"))
    assert serious_axe_findings(desk) == []

    desk.get_by_role("button", name="Lock Team Eule").click()
    expect(room).to_contain_text("Locked: nobody can build")
    assert a.until("locked")["locked"] is True
    a.send(
        {
            "type": "edit",
            "ticket": 99,
            "op": {"op": "place", "block": "housing", "at": [58, 50, 1]},
        }
    )
    assert a.until("refused")["code"] == "room_locked"
    desk.get_by_role("button", name="Unlock Team Eule").click()
    assert a.until("locked")["locked"] is False

    room.get_by_text("Go back to an earlier step").click()
    log = room.locator("ol.room-log li")
    expect(log.first).to_contain_text("Bo")
    expect(log.first).to_contain_text("now")
    room.get_by_role("button", name="Back to step 2").click()
    back = a.until("step", kind="rollback")
    assert back["by"] is None and back["seq"] == 5
    assert b.until("step", kind="rollback") == back
    room = desk.locator(f"li.room[data-room='{code}']")
    room.get_by_text("Go back to an earlier step").click()
    expect(room.locator("ol.room-log li").first).to_contain_text("went back to step 2")

    room.get_by_text("Take someone out of the room").click()
    room.get_by_role("button", name="Take Bo out").click()
    assert b.until("error")["code"] == "room_removed"
    members = desk.locator(f"li.room[data-room='{code}'] .members li")
    expect(members).to_have_text([re.compile(r"Ada\s+online"), re.compile(r"Cem\s+away")])
    a.build(60)  # after an action too, the desk follows by itself
    expect(desk.locator(f"li.room[data-room='{code}'] ol.room-log li").first).to_contain_text(
        "Step 6", timeout=20_000
    )


def test_a_teacher_makes_a_room_on_the_phone(site, moderator):
    workshop = site.workshop(title="Klasse 8a")
    desk = moderator(size=PHONE)
    desk.goto(f"/moderate/w/{workshop['id']}")
    desk.get_by_label("Name of the new room").fill("Team Fuchs")
    desk.get_by_role("button", name="Make a room").click()
    room = desk.locator("li.room")
    expect(room.locator("h3")).to_contain_text("Team Fuchs")
    expect(room).to_contain_text("Nobody is in this room yet")
    code = room.locator(".code-small").inner_text()
    pupil = site.join(workshop, "Dina")
    assert site.client.get(f"/api/v1/rooms/{code}", headers=pupil).status_code == 200
    if folder := screenshot_dir():
        desk.locator("section.desk-rooms").screenshot(path=str(folder / "desk-rooms-phone.png"))
