"""Team rooms on real server processes with real WebSocket clients (the `websockets` library):
five members building at once end with one grid, equal to what the server stored; a member
away for a while catches up; a SIGKILL loses no acknowledged step and repeats none."""

import contextlib
import json
import threading
import time

import httpx
import numpy as np
import pytest
from live_server import MODERATOR
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from game.core.room import Mirror
from game.io.levels import find_level

DEMO = find_level("demo")
MOD = {"Authorization": f"Bearer {MODERATOR}"}
pytestmark = pytest.mark.parametrize(
    "live_server", [1, 2], indirect=True, ids=["1 process", "2 processes"]
)


def _room(server, members: int) -> tuple[str, list[str]]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        w = c.post("/api/v1/workshops", json={"title": "Team", "level_id": "demo"}, headers=MOD)
        code = w.json()["code"]
        tokens = [
            c.post("/api/v1/join", json={"code": code, "pseudonym": f"P{i}"}).json()["token"]
            for i in range(members)
        ]
        made = c.post(
            f"/api/v1/workshops/{w.json()['id']}/rooms",
            json={"title": "Eule"},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        )
        assert made.status_code == 201, made.text
    return made.json()["code"], tokens


class Member:
    """A client as the editor is one: a mirror of the room fed by the server's steps."""

    def __init__(self, server, code: str, token: str, since: int | None = None, mirror=None):
        url = server.url.replace("http", "ws") + f"/api/v1/rooms/{code}/ws"
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(url, open_timeout=30))
        hello = {"type": "hello", "v": 1, "token": token}
        if since is not None:
            hello["since"] = since
        self.ws.send(json.dumps(hello))
        welcome = json.loads(self.ws.recv(timeout=30))
        assert welcome["type"] == "welcome", welcome
        self.me = welcome["you"]["id"]
        if mirror is None:
            grid = DEMO.city.copy()
            grid.reshape(-1)[welcome["state"]["index"]] = welcome["state"]["block"]
            mirror = Mirror(DEMO, grid, welcome["seq"])
        self.mirror = mirror
        for step in welcome.get("steps", []):
            self._apply(step)
        self.acknowledged: list[int] = []
        self.refused = 0

    def _apply(self, step: dict) -> None:
        mine = step["ticket"] if step["by"] == self.me else None
        self.mirror.receive(step["seq"], np.array(step["index"]), np.array(step["block"]), mine)
        if mine is not None:
            self.acknowledged.append(step["seq"])

    def read(self, until_seq: int | None = None, seconds: float = 30) -> None:
        """Apply what arrives (until step `until_seq` and every answer to its own edits, or until
        the line is quiet)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if until_seq is not None and self.mirror.seq >= until_seq and not self.mirror.pending:
                return
            try:
                message = json.loads(self.ws.recv(timeout=0.5 if until_seq is None else 5))
            except TimeoutError:
                if until_seq is None:
                    return
                continue
            if message["type"] == "step":
                self._apply(message)
            elif message["type"] == "refused":
                self.mirror.refused(message["ticket"])
                self.refused += 1

    def edit(self, op: dict) -> None:
        from game.core.ops import parse_script

        (parsed,) = parse_script(json.dumps([op]))
        ticket = self.mirror.propose(parsed)
        self.ws.send(json.dumps({"type": "edit", "ticket": ticket, "op": op}))


def _stored(server, code: str, token: str) -> int:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        return c.get(f"/api/v1/rooms/{code}", headers={"Authorization": f"Bearer {token}"}).json()[
            "seq"
        ]


def _server_grid(server, code: str, token: str) -> np.ndarray:
    """The room as a newcomer gets it from the server: its stored design."""
    member = Member(server, code, token)
    member.stack.close()
    return member.mirror.confirmed


def test_five_members_building_at_once_end_with_the_servers_grid(live_server):
    live_server.start()
    code, tokens = _room(live_server, 5)
    members = [Member(live_server, code, t) for t in tokens]

    def build(i: int, member: Member) -> None:
        for k in range(12):
            x, y = 48 + (k * 3 + i) % 32, 48 + (i * 7 + k) % 32
            if k % 4 == 3:
                member.edit({"op": "remove", "at": [x, y, 1]})
            else:
                member.edit(
                    {"op": "box", "block": "housing", "from": [x, y, 1], "to": [x + 1, y, 2]}
                )

    threads = [threading.Thread(target=build, args=(i, m)) for i, m in enumerate(members)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for member in members:
        member.read(until_seq=0)  # until every edit of its own is answered
    final = _stored(live_server, code, tokens[0])
    for member in members:
        member.read(until_seq=final)
        member.stack.close()
    assert final == sum(len(m.acknowledged) for m in members) > 20
    stored = _server_grid(live_server, code, tokens[0])
    for member in members:
        assert not member.mirror.pending, "every edit was answered"
        assert member.mirror.confirmed.tobytes() == stored.tobytes()
        assert member.mirror.shown.grid.tobytes() == stored.tobytes()


def test_a_member_away_for_ten_seconds_catches_up_and_a_killed_server_keeps_every_step_once(
    live_server,
):
    live_server.start()
    code, tokens = _room(live_server, 3)
    away = Member(live_server, code, tokens[2])
    away.read()
    seen, mirror = away.mirror.seq, away.mirror
    away.stack.close()
    builders = [Member(live_server, code, t) for t in tokens[:2]]
    stop = threading.Event()

    def build(i: int, member: Member) -> None:
        k = 0
        while not stop.is_set() and k < 400:
            x, y = 48 + (k * 5 + i) % 32, 48 + (k // 6 + 3 * i) % 32
            try:
                member.edit({"op": "place", "block": "housing", "at": [x, y, 1 + k % 3]})
                member.read(seconds=0.05)
            except (ConnectionClosed, OSError):
                return  # the server died under us
            k += 1

    threads = [threading.Thread(target=build, args=(i, m)) for i, m in enumerate(builders)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while sum(len(m.acknowledged) for m in builders) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    live_server.kill()  # mid-stream: edits are in flight
    stop.set()
    for t in threads:
        t.join()
    acknowledged = sorted(s for m in builders for s in m.acknowledged)
    assert len(acknowledged) >= 30
    live_server.start()
    final = _stored(live_server, code, tokens[0])
    assert final >= acknowledged[-1], "every acknowledged step is still there"
    back = Member(live_server, code, tokens[2], since=seen, mirror=mirror)
    back.read(until_seq=final)
    back.stack.close()
    assert back.mirror.seq == final, "the steps it missed, each once, in order"
    stored = _server_grid(live_server, code, tokens[0])
    assert back.mirror.confirmed.tobytes() == stored.tobytes()
    for member in builders:
        for seq in member.acknowledged:
            assert seq <= final


def _until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def test_the_editors_room_client_shows_a_teammates_box_and_reconnects_after_a_restart(
    live_server,
):
    from game.core.ops import Box
    from game.sync.room import Refused, RoomClient, Step

    live_server.start()
    code, tokens = _room(live_server, 2)
    url = live_server.url.replace("http", "ws") + f"/api/v1/rooms/{code}/ws"
    ada, bo = (RoomClient(url, t, DEMO, lang="de") for t in tokens)
    for client in (ada, bo):
        client.connect()
    try:
        ada.propose(Box(block="housing", from_=(50, 50, 1), to=(52, 51, 3)))
        assert ada.grid()[51, 50, 2] == DEMO.catalogue.id("housing"), "shown at once"
        _until(lambda: bo.grid()[51, 50, 2] == DEMO.catalogue.id("housing"))
        assert any(isinstance(e, Step) and not e.mine for e in bo.events())
        ada.propose(Box(block="housing", from_=(5, 5, 1), to=(6, 5, 1)))  # outside the zone
        _until(lambda: any(isinstance(e, Refused) for e in ada.events()))
        live_server.kill()
        live_server.start()  # same port: the clients come back by themselves
        bo.propose(Box(block="road", from_=(60, 60, 1), to=(61, 60, 1)))
        road = DEMO.catalogue.id("road")
        _until(lambda: ada.grid()[60, 60, 1] == road and not bo.mirror.pending, seconds=60)
        assert ada.grid().tobytes() == bo.grid().tobytes()
    finally:
        for client in (ada, bo):
            client.close()
