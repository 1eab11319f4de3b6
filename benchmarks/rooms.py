"""Team rooms under a class's load: from sending an edit to every other member having it.

Loads on a real `quartier-server` (SQLite, one process), each member a WebSocket client
sending 2 edits a second (a voxel placed, then taken away again, in a column of its own):

* one room of 30 members (a whole class on one design),
* 40 rooms of 5 members (a year group in teams),
* one room of 5 where one member is an auto-clicker, sending FLOOD edits a second (refused
  as `room_slow_down` beyond 20 a second): the four others' edits are timed.

Beside it, in the same run and with the same clients, the ceiling: a bare WebSocket server
(the `websockets` library, nothing else) that passes every message on to the other members
of its room at once, without reading it, checking it or storing it (with the flood, the
ceiling runs the same room without the auto-clicker). The table gives p50, p95 and p99 of the
time until the *last* other member has the edit, and Quartier's p95 against the ceiling's as
a ratio. Targets (issue 18): p95 < 50 ms, p99 < 150 ms. Neither side compresses messages.
"""

import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator

import httpx
from mode import pick
from processes import free_port
from table import print_table
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from workshop import TOKEN, server

MOD = {"Authorization": f"Bearer {TOKEN}"}
RATE = 2.0
"""Edits per member and second."""
SECONDS = pick(20.0, 3.0)
LOADS = pick(((1, 30, False), (40, 5, False), (1, 5, True)), ((1, 6, False), (2, 3, True)))
"""Rooms, members in each, and whether the first member of each room floods it."""
FLOOD = 1000
"""Edits a second of the auto-clicker."""


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Clock:
    """When each edit was sent and when each member had it: the latency of the slowest."""

    def __init__(self, members: dict[str, int]) -> None:
        self.members = members  # room → members in it
        self.sent: dict[tuple[str, int, int], float] = {}
        self.seen: dict[tuple[str, int, int], int] = defaultdict(int)
        self.latency: list[float] = []

    def send(self, key: tuple[str, int, int]) -> None:
        self.sent[key] = time.perf_counter()

    def have(self, key: tuple[str, int, int]) -> None:
        self.seen[key] += 1
        if self.seen[key] == self.members[key[0]] - 1 and key in self.sent:
            self.latency.append((time.perf_counter() - self.sent.pop(key)) * 1000)


def _op(member: int, k: int) -> dict:
    """Edit `k` (from 1) of a member: two voxels placed in its own column, then taken away."""
    j = k - 1
    x, y = 48 + member % 32, 48 + (member // 32) * 8 + j % 2
    if j % 4 < 2:
        return {"op": "place", "block": "housing", "at": [x, y, 2]}
    return {"op": "remove", "at": [x, y, 2]}


async def _member(
    url: str, room: str, who: int, token: str | None, clock: Clock, ready, go, flood: bool
):
    """Member `who` of its room: the hello (Quartier only), then 2 edits a second in a column of
    its own (FLOOD a second, in bursts of 10, not timed, if `flood`); every step counted."""
    async with connect(url, max_size=2**22) as ws:
        if token is not None:
            await ws.send(json.dumps({"type": "hello", "v": 1, "token": token}))
            welcome = json.loads(await ws.recv())
            me = welcome["you"]["id"]
        else:
            me = who
        ready()
        await go.wait()

        async def listen() -> None:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "step" and message.get("by") != me:
                    clock.have((room, message["by"], message["ticket"]))

        listener = asyncio.create_task(listen())
        start, k = time.perf_counter(), 0
        offset = (who % 10) / 10 / RATE  # members spread over the second, as hands are
        rate = FLOOD if flood else RATE
        while (due := start + offset + k / rate) < start + SECONDS:
            if not flood or k % 10 == 0:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            k += 1
            if not flood:
                clock.send((room, me, k))
            op = _op(who, k)
            if token is not None:
                await ws.send(json.dumps({"type": "edit", "ticket": k, "op": op}))
            else:
                await ws.send(json.dumps({"type": "step", "by": me, "ticket": k, "op": op}))
        await asyncio.sleep(1.0)  # the last edits' way round
        listener.cancel()


async def _run(
    urls: list[str], tokens: list[str | None], rooms: list[str], per_room: int, flood: bool
) -> Clock:
    members: dict[str, int] = defaultdict(int)
    for room in rooms:
        members[room] += 1
    clock = Clock(members)
    go = asyncio.Event()
    count = 0

    def ready() -> None:
        nonlocal count
        count += 1
        if count == len(urls):
            go.set()

    await asyncio.gather(
        *(
            _member(url, room, i % per_room, token, clock, ready, go, flood and i % per_room == 0)
            for i, (url, token, room) in enumerate(zip(urls, tokens, rooms))
        )
    )
    return clock


def _quartier(url: str, rooms: int, per_room: int, flood: bool) -> Clock:
    """Members in `rooms` rooms of one workshop on the Quartier server at `url`."""
    with httpx.Client(base_url=url, timeout=60) as c:
        w = c.post("/api/v1/workshops", json={"title": "Rooms", "level_id": "demo"}, headers=MOD)
        workshop = w.json()
        tokens = [
            c.post("/api/v1/join", json={"code": workshop["code"], "pseudonym": f"P{i}"}).json()[
                "token"
            ]
            for i in range(rooms * per_room)
        ]
        codes = [
            c.post(
                f"/api/v1/workshops/{workshop['id']}/rooms",
                json={"title": f"Team {r}"},
                headers={"Authorization": f"Bearer {tokens[r * per_room]}"},
            ).json()["code"]
            for r in range(rooms)
        ]
    base = url.replace("http", "ws")
    socket_urls = [f"{base}/api/v1/rooms/{codes[i // per_room]}/ws" for i in range(len(tokens))]
    room_of = [codes[i // per_room] for i in range(len(tokens))]
    return asyncio.run(_run(socket_urls, list(tokens), room_of, per_room, flood))


@contextlib.contextmanager
def _ceiling() -> Iterator[str]:
    """A bare WebSocket server in a thread of its own: each message goes on to the other
    members of its room (the path names the room), unread."""
    import threading

    port = free_port()
    rooms: dict[str, set[ServerConnection]] = defaultdict(set)
    stop = None
    started = threading.Event()

    async def member(ws: ServerConnection) -> None:
        room = rooms[ws.request.path if ws.request else ""]
        room.add(ws)
        try:
            async for message in ws:
                for other in room:
                    if other is not ws:
                        with contextlib.suppress(Exception):
                            await other.send(message)
        finally:
            room.discard(ws)

    def run() -> None:
        nonlocal stop

        async def main() -> None:
            nonlocal stop
            stop = asyncio.get_running_loop().create_future()
            # Uncompressed, as Quartier's server sends room messages (server_sync/cli.py).
            async with serve(member, "127.0.0.1", port, max_size=2**22, compression=None):
                started.set()
                await stop

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        if stop is not None:
            stop.get_loop().call_soon_threadsafe(stop.set_result, None)
        thread.join(10)


def _bare(url: str, rooms: int, per_room: int) -> Clock:
    count = rooms * per_room
    return asyncio.run(
        _run(
            [f"{url}/room{i // per_room}" for i in range(count)],
            [None] * count,
            [f"room{i // per_room}" for i in range(count)],
            per_room,
            False,
        )
    )


def main() -> None:
    rows = []
    for rooms, per_room, flood in LOADS:
        with server(None, 1, "processes") as url:
            ours = _quartier(url, rooms, per_room, flood)
        with _ceiling() as url:
            bare = _bare(url, rooms, per_room)
        for name, clock in (("Quartier", ours), ("bare WebSocket relay (ceiling)", bare)):
            lat = clock.latency
            rows.append(
                [
                    f"{rooms} × {per_room}" + (f", one at {FLOOD:,} edits/s" if flood else ""),
                    name,
                    str(len(lat)),
                    f"{statistics.median(lat):.1f}" if lat else "–",
                    f"{quantile(lat, 0.95):.1f}",
                    f"{quantile(lat, 0.99):.1f}",
                    f"{quantile(ours.latency, 0.95) / quantile(lat, 0.95):.2f}"
                    if lat and clock is bare
                    else "",
                ]
            )
    print(
        f"Team rooms: {RATE:g} edits/s per member for {SECONDS:g} s, SQLite, one server process;"
        " ms from sending an edit to the last other member having it\n"
    )
    print_table(
        [
            "rooms × members",
            "server",
            "edits timed",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "Quartier p95 ÷ this p95",
        ],
        rows,
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
