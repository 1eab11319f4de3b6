"""Team rooms on real server processes with real WebSocket clients (the `websockets` library):
five members building at once end with one grid, equal to what the server stored; a member
away for a while catches up; a SIGKILL loses no acknowledged step and repeats none; a member
flooding the room is slowed down alone.

One server per setup for the whole module (each test makes a workshop and a room of its own;
the tests that kill it start it again): starting a server costs seconds of the suite's budget.
"""

import asyncio
import contextlib
import json
import threading
import time

import httpx
import numpy as np
import pytest
from live_server import MODERATOR, LiveServer
from server_fixtures import drop_database, fresh_database
from websockets.asyncio.client import connect as connect_async
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from game.core.room import Mirror
from game.io.levels import find_level
from server_sync.services.room_hub import EDITS_PER_SECOND

DEMO = find_level("demo")
MOD = {"Authorization": f"Bearer {MODERATOR}"}


@pytest.fixture(
    scope="module",
    params=[("sqlite", 1), ("sqlite", 2), ("postgres", 2)],
    ids=["sqlite-1 process", "sqlite-2 processes", "postgres-2 processes"],
)
def live_server(request, tmp_path_factory):
    """A running server (SQLite with one and two processes, PostgreSQL with two: one process
    on PostgreSQL checks nothing these leave out, tests/server/conftest.py)."""
    database, workers = request.param
    url = None
    if database == "postgres":
        url = fresh_database(request.getfixturevalue("postgres_url"))
    server = LiveServer(tmp_path_factory.mktemp("rooms"), url, workers=workers)
    try:
        yield server.start()
    finally:
        server.kill()
        if url:
            drop_database(url)


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


FLOOD_SECONDS = 3.0


async def _flood_member(
    server, code: str, token: str, flood: bool, start: asyncio.Event, room: list[dict]
) -> dict:
    """One member for FLOOD_SECONDS: an auto-clicker (about 1,000 edits a second) or a hand
    (2 a second), each in a column of its own; then until every edit of its own is answered,
    and on until it has every step of the room (once every member's edits are answered).
    What it sent and heard (in `room` as it goes), and its grid built from the server's steps."""
    url = server.url.replace("http", "ws") + f"/api/v1/rooms/{code}/ws"
    async with connect_async(url, max_size=2**22) as ws:
        await ws.send(json.dumps({"type": "hello", "v": 1, "token": token}))
        welcome = json.loads(await ws.recv())
        me, seq = welcome["you"]["id"], welcome["seq"]
        grid = DEMO.city.copy().reshape(-1)
        grid[welcome["state"]["index"]] = welcome["state"]["block"]
        heard = {"sent": 0, "stored": 0, "slow_down": 0, "refused": 0, "seq": seq, "grid": grid}
        room.append(heard)

        async def listen() -> None:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "step":
                    assert message["seq"] == heard["seq"] + 1, "every step, once, in order"
                    heard["seq"] = message["seq"]
                    grid[message["index"]] = message["block"]
                    heard["stored"] += message["by"] == me
                elif message["type"] == "refused":
                    heard["slow_down" if message["code"] == "room_slow_down" else "refused"] += 1

        listener = asyncio.create_task(listen())
        await start.wait()
        at, began = [48 + me % 32, 70, 2], time.monotonic()
        while time.monotonic() - began < FLOOD_SECONDS:
            for _ in range(10 if flood else 1):
                heard["sent"] += 1
                op = {"op": "place", "block": "housing", "at": at}
                if heard["sent"] % 2 == 0:
                    op = {"op": "remove", "at": at}
                await ws.send(json.dumps({"type": "edit", "ticket": heard["sent"], "op": op}))
            await asyncio.sleep(0.01 if flood else 0.5)
        heard["seconds"] = time.monotonic() - began
        for _ in range(600):  # every edit answered (at most 30 s)
            if heard["stored"] + heard["slow_down"] + heard["refused"] == heard["sent"]:
                break
            await asyncio.sleep(0.05)
        heard["done"] = True
        for _ in range(600):
            if all("done" in m for m in room) and heard["seq"] >= sum(m["stored"] for m in room):
                break
            await asyncio.sleep(0.05)
        listener.cancel()
        return heard


def test_a_flooding_member_is_slowed_down_alone_and_the_room_ends_as_stored(live_server):
    code, tokens = _room(live_server, 5)

    async def run() -> list[dict]:
        start, room = asyncio.Event(), list[dict]()
        members = [
            asyncio.create_task(_flood_member(live_server, code, token, i == 0, start, room))
            for i, token in enumerate(tokens)
        ]
        while len(room) < len(tokens):  # everyone welcomed
            await asyncio.sleep(0.05)
        start.set()
        return await asyncio.gather(*members)

    flooder, *others = asyncio.run(run())
    assert flooder["sent"] >= 1000
    # At most EDITS_PER_SECOND × 2 edits in any 2 s: the rest is refused, the connection stays.
    limit = EDITS_PER_SECOND * 2 * (int(flooder["seconds"] / 2) + 1)
    assert 0 < flooder["stored"] <= limit
    # Every edit answered: the rest slowed down (or refused as changing nothing, an edit whose
    # place before it was slowed down).
    assert flooder["stored"] + flooder["slow_down"] + flooder["refused"] == flooder["sent"]
    assert flooder["slow_down"] >= flooder["sent"] - limit - flooder["refused"]
    for other in others:
        assert other["sent"] >= 5
        assert other["stored"] == other["sent"], "no edit of the others refused or lost"
    final = _stored(live_server, code, tokens[0])
    assert final == sum(m["stored"] for m in [flooder, *others])
    stored = _server_grid(live_server, code, tokens[0]).reshape(-1)
    for member in [flooder, *others]:
        assert member["seq"] == final
        assert member["grid"].tobytes() == stored.tobytes()
