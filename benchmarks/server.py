"""Collection server throughput: 50 concurrent clients against a real server on 127.0.0.1 (SQLite).

Run: `.venv/bin/python benchmarks/server.py` (part of `make bench`). Each row runs for a bounded
time; requests/s with p50/p99 latency, and the ratio to /healthz on the same server. The server
runs with a high rate limit and revision limit, and a worker queue as long as the clients, so
that the limiters do not decide the numbers.

The gallery is measured idle and while one participant uploads a new revision of a design of a
hundred buildings on the Berlin level as fast as the server answers (each the full check,
~0.4 s of CPU, and its pictures): issue 13 asks for its p99 within 2x of the idle one.

A second table holds 20,000 half-sent requests open against the server (as many as this
process may open files for) and measures /healthz beside them against /healthz on the quiet
server: it must answer within 1 s, or the connection cap refuse it with a 503.

The Python clients share the two cores with the server, so when `wrk` is installed
(`apt-get install wrk`) the ceiling table measures /healthz and votes with it beside two
ceiling apps (benchmarks/ceiling.py: a bare ASGI app and plain Starlette running the vote's
SQL on the same database; on PostgreSQL also plain Starlette with the vote in the three
statements the server ran before its one statement), on SQLite and on a throwaway PostgreSQL
15 cluster, with one and two server processes, the apps' runs interleaved (issue 15: Quartier's votes at least 0.5 of
Starlette's on SQLite, 0.8 on PostgreSQL with p99 under 100 ms). Then the gallery under wrk,
and what durability costs: votes and submissions (a new revision each) on SQLite with
synchronous=NORMAL and =FULL (what the server uses, server_sync/db.py), two servers side by
side with their runs interleaved, medians of ROUNDS runs each.

`--quick` (benchmarks/mode.py): ten clients, 1 s rows, one round, one process, a few hundred
idle connections; the gallery under wrk and the durability table are left out.
"""

import asyncio
import contextlib
import json
import os
import re
import resource
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from ceiling import STEPS
from mode import QUICK, pick
from processes import free_port, stop_server, throwaway_postgres, wait_for
from table import print_table as markdown_table

from game import __version__
from game.core.design import new_design, save_changes
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level

CLIENTS, SECONDS = pick(50, 10), pick(5.0, 1.0)
ROUNDS = pick(5, 1)  # interleaved runs per setting in the durability table
CEILING_ROUNDS = pick(3, 1)  # interleaved runs per app in the ceiling table
PROCESSES = pick((1, 2), (1,))  # server processes in the wrk tables
UPLOADERS = 4  # concurrent submissions: each takes ~0.1 s of server time, so more only queue
TITLE = "@TITLE@"  # replaced in every upload by the wrk script, so each is a new revision
TOKEN = "benchmark-moderator-token-0123456789"
MOD = {"Authorization": f"Bearer {TOKEN}"}
BERLIN = "berlin-potsdamer-platz"
IDLE_CONNECTIONS = pick(20_000, 200)  # half-sent requests held open (issue 13, M3)
HEALTHZ_PROBES = pick(20, 5)  # /healthz requests, each on a new connection, per idle-connection row


def design(title: str, x: int) -> str:
    level = find_level("demo")
    session = Session(level)
    session.apply(Box(from_=(x, 52, 1), to=(x + 2, 55, 3), block="housing"))
    return save_changes(new_design(level, __version__, title=title), session, __version__).to_json()


def berlin_design() -> str:
    """A hundred office blocks across the Berlin level's zone, within its rules and budget."""
    level = find_level(BERLIN)
    session = Session(level)
    for x in range(72, 132, 6):
        for y in range(56, 116, 6):
            session.apply(Box(from_=(x, y, 0), to=(x + 3, y + 3, 2 + (x + y) % 7), block="office"))
    return save_changes(new_design(level, __version__, title="B"), session, __version__).to_json()


class Uploader(threading.Thread):
    """One participant of a Berlin workshop sending a new revision of a big design as soon as the
    last one is answered, until stopped; the answers' status codes are counted. A thread of its
    own, so that the clients measuring the gallery do not slow it down."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.answers, self.stopping = url, Counter[int](), threading.Event()
        with httpx.Client(base_url=url, timeout=60) as c:
            workshop = c.post(
                "/api/v1/workshops", headers=MOD, json={"title": "B", "level_id": BERLIN}
            ).json()
            joined = c.post("/api/v1/join", json={"code": workshop["code"], "pseudonym": "Busy"})
        self.token = {"Authorization": "Bearer " + joined.json()["token"]}
        self.design = json.loads(berlin_design())

    def run(self) -> None:
        raw = self.design
        with httpx.Client(base_url=self.url, timeout=60) as c:
            while not self.stopping.is_set():
                body = json.dumps(dict(raw, title=f"Berlin {self.answers.total()}"))
                answer = c.put(f"/api/v1/submissions/{raw['id']}", content=body, headers=self.token)
                self.answers[answer.status_code] += 1

    def __enter__(self) -> "Uploader":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.join()

    def summary(self) -> str:
        return ", ".join(f"{n} x {status}" for status, n in sorted(self.answers.items()))


def print_gallery_ratio(idle: tuple, busy: tuple, uploader: Uploader, clients: str) -> None:
    """Issue 13's target: the gallery's p99 while one participant uploads within 2x of idle."""
    print(
        f"gallery p99 ({clients}) while one participant uploads on Berlin: {busy[3]:.1f} ms "
        f"against {idle[3]:.1f} ms idle, {busy[3] / idle[3]:.2f}x (target: at most 2x); "
        f"uploads answered: {uploader.summary()}"
    )


async def hammer(url: str, make_request) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 latency (ms) of CLIENTS loops for SECONDS."""
    latencies: list[float] = []
    stop = time.perf_counter() + SECONDS

    async def client(i: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as c:
            n = 0
            while time.perf_counter() < stop:
                start = time.perf_counter()
                response = await make_request(c, i, n)
                latencies.append((time.perf_counter() - start) * 1000)
                assert response.status_code < 400, response.text
                n += 1

    begin = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    elapsed = time.perf_counter() - begin
    latencies.sort()
    return (
        len(latencies) / elapsed,
        statistics.median(latencies),
        latencies[int(len(latencies) * 0.99)],
    )


async def main_async(url: str) -> tuple[list[tuple], Uploader]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        w = (
            await c.post(
                "/api/v1/workshops",
                headers=MOD,
                json={
                    "title": "Bench",
                    "level_id": "demo",
                    "moderation": "post",
                    "votes_per_participant": 3,
                },
            )
        ).json()
        tokens = []
        for i in range(CLIENTS):
            joined = await c.post(
                "/api/v1/join", json={"code": w["code"], "pseudonym": f"Bench{i}"}
            )
            tokens.append({"Authorization": "Bearer " + joined.json()["token"]})
        texts = [json.loads(design(f"D{i}", 48 + (i % 9) * 3)) for i in range(CLIENTS)]
        for i, raw in enumerate(texts):
            await c.put(
                f"/api/v1/submissions/{raw['id']}", content=json.dumps(raw), headers=tokens[i]
            )
        for raw in texts[:3]:
            await c.get(f"/api/v1/submissions/{raw['id']}/image.png")  # rendered once, then cached

    async def healthz(c, i, n):
        return await c.get("/healthz")

    async def submit(c, i, n):
        raw = dict(
            texts[i], title=f"D{i} v{n}"
        )  # a new revision every time: validation, metrics, storage
        return await c.put(
            f"/api/v1/submissions/{raw['id']}", content=json.dumps(raw), headers=tokens[i]
        )

    async def image(c, i, n):
        return await c.get(f"/api/v1/submissions/{texts[n % 3]['id']}/image.png")

    async def gallery(c, i, n):
        return await c.get(f"/w/{w['code']}")

    async def vote(c, i, n):
        target = texts[(i + 1 + (n // 2) % 3) % CLIENTS]["id"]  # never one's own design
        if n % 2:
            return await c.delete(f"/api/v1/submissions/{target}/vote", headers=tokens[i])
        return await c.put(f"/api/v1/submissions/{target}/vote", headers=tokens[i])

    rows = [("healthz",) + await hammer(url, healthz)]
    # Before the new revisions: their pictures are drawn after the answers, so afterwards the
    # latest revisions' pictures would still be waiting for the pictures' worker.
    rows.append(("images (cached PNG)",) + await hammer(url, image))
    rows.append(("submissions (new revision)",) + await hammer(url, submit))
    rows.append(("gallery (idle)",) + await hammer(url, gallery))
    with Uploader(url) as uploader:
        rows.append(("gallery, 1 uploader (Berlin)",) + await hammer(url, gallery))
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        await c.patch(f"/api/v1/workshops/{w['id']}", json={"phase": "voting"}, headers=MOD)
    rows.append(("votes (cast / withdraw)",) + await hammer(url, vote))
    return rows, uploader


# The server as `quartier-server` runs it, except for SQLite's synchronous setting (argv[1]).
SERVE = (
    "import sys, server_sync.db, server_sync.cli; "
    "server_sync.db.SQLITE_SYNCHRONOUS = sys.argv[1]; "
    "sys.exit(server_sync.cli.main(sys.argv[2:]))"
)


def start_server(
    workers: int = 1, synchronous: str = "FULL", db: str | None = None, data: str | None = None
) -> tuple[subprocess.Popen, str]:
    """`quartier-server serve` on a free port; `db`: a database URL instead of SQLite in `data`
    (in the temporary folder, on the machine's disk here (ext4), where fsync costs what it costs)."""
    port = free_port()
    data = data or tempfile.mkdtemp(prefix="quartier-bench-")
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            synchronous,
            "serve",
            *(["--db", db] if db else []),
            "--port",
            str(port),
            "--data-dir",
            data,
            "--rate-limit",
            "10000000",
            "--revisions-per-minute",
            "10000000",
            "--cpu-queue",  # an upload and its pictures for every client: no 503 in the rows
            str(2 * CLIENTS),
            "--workers",
            str(workers),
        ],
        env={**os.environ, "QUARTIER_MODERATOR_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(server, url)
    return server, url


def start_ceiling(
    kind: str, db: str, workers: int, steps: bool = False
) -> tuple[subprocess.Popen, str]:
    """A ceiling app of benchmarks/ceiling.py (`bare` or `starlette`) on the database `db`,
    started but not yet answering (see `wait_for`); `steps`: a PostgreSQL vote in the three
    statements Quartier used before its one statement."""
    port = free_port()
    script = Path(__file__).resolve().parent / "ceiling.py"
    server = subprocess.Popen(
        [sys.executable, str(script), kind, db, str(port), str(workers)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, STEPS: "1"} if steps else None,
    )
    return server, f"http://127.0.0.1:{port}"


def prepare_votes(url: str, phase: str = "voting") -> tuple[list[str], list[str]]:
    """A workshop in `phase` with CLIENTS participants and designs: (tokens, design ids)."""
    tokens, ids, _ = prepare_workshop(url, phase)
    return tokens, ids


def prepare_workshop(url: str, phase: str) -> tuple[list[str], list[str], str]:
    """A workshop in `phase` with CLIENTS participants and designs: (tokens, design ids, code)."""
    with httpx.Client(base_url=url, timeout=60) as c:
        w = c.post(
            "/api/v1/workshops",
            headers=MOD,
            json={"title": "W", "level_id": "demo", "moderation": "post"},
        ).json()
        tokens = [
            c.post("/api/v1/join", json={"code": w["code"], "pseudonym": f"W{i}"}).json()["token"]
            for i in range(CLIENTS)
        ]
        ids = []
        for i, token in enumerate(tokens):
            raw = json.loads(design(f"D{i}", 48 + (i % 9) * 3))
            c.put(
                f"/api/v1/submissions/{raw['id']}",
                content=json.dumps(raw),
                headers={"Authorization": "Bearer " + token},
            )
            ids.append(raw["id"])
        if phase != "building":
            c.patch(f"/api/v1/workshops/{w['id']}", json={"phase": phase}, headers=MOD)
    return tokens, ids, w["code"]


# wrk scripts: `lua_script` puts the participants' tokens and design ids in front of each.
VOTES_LUA = """
request = function()
  counter = counter + 1
  local i = (counter %% %d) + 1
  local target = ids[((i + (math.floor(counter / %d) %% 3)) %% %d) + 1]
  local method = (math.floor(counter / %d) %% 2 == 0) and "PUT" or "DELETE"
  return wrk.format(method, "/api/v1/submissions/" .. target .. "/vote", {["Authorization"] = "Bearer " .. tokens[i]})
end
"""


def _search(pattern: str, out: str) -> re.Match[str]:
    found = re.search(pattern, out)
    if found is None:
        raise RuntimeError(f"no {pattern!r} in the output of wrk:\n{out}")
    return found


def wrk(url: str, script: str | None = None, clients: int = CLIENTS) -> tuple[float, float, float]:
    command = ["wrk", "-t1", f"-c{clients}", f"-d{SECONDS:.0f}s", "--timeout", "30s", "--latency"]
    command += ["-s", script, url] if script else [url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"refused or failed requests: {out}")
    rate = float(_search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label: str) -> float:
        value, unit = _search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rate, ms("50"), ms("99")


def lua_script(tokens: list[str], ids: list[str], text: str) -> str:
    """A wrk script file: the Lua tables `tokens` and `ids`, a request `counter`, then `text`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        for name, values in (("tokens", tokens), ("ids", ids)):
            f.write(f"{name} = {{{','.join(repr(v) for v in values)}}}\n")
        f.write("counter = 0\n" + text)
    return f.name


def votes_script(tokens: list[str], ids: list[str]) -> str:
    return lua_script(tokens, ids, VOTES_LUA % (CLIENTS, CLIENTS, CLIENTS, 3 * CLIENTS))


# Each request uploads participant i's design again with a new title: a new revision every time.
SUBMIT_LUA = """
bodies = {%s}
request = function()
  counter = counter + 1
  local i = (counter %% %d) + 1
  local body = string.gsub(bodies[i], "%s", "D" .. i .. " v" .. counter, 1)
  local headers = {["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = "application/json"}
  return wrk.format("PUT", "/api/v1/submissions/" .. ids[i], headers, body)
end
"""


def submit_script(tokens: list[str], ids: list[str]) -> str:
    """Uploads by the first UPLOADERS participants of a workshop in the building phase."""
    bodies = []
    for n in range(UPLOADERS):
        raw = json.loads(design(TITLE, 48 + (n % 9) * 3))
        raw["id"] = ids[n]  # the design this participant already submitted
        bodies.append("[==[" + json.dumps(raw) + "]==]")
    return lua_script(
        tokens[:UPLOADERS], ids[:UPLOADERS], SUBMIT_LUA % (",".join(bodies), UPLOADERS, TITLE)
    )


def durability_rows() -> list[list[str]]:
    """Votes and submissions with synchronous=NORMAL and =FULL, interleaved, medians of ROUNDS."""
    servers, scripts = {}, {}
    try:
        for mode in ("NORMAL", "FULL"):
            servers[mode] = start_server(synchronous=mode)
            url = servers[mode][1]
            scripts[mode] = (
                votes_script(*prepare_votes(url)),
                submit_script(*prepare_votes(url, "building")),
            )
        runs: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        for n in range(ROUNDS):
            for mode in ("NORMAL", "FULL") if n % 2 == 0 else ("FULL", "NORMAL"):
                url = servers[mode][1]
                votes, submissions = scripts[mode]
                runs.setdefault(("votes (cast / withdraw)", mode), []).append(wrk(url, votes))
                runs.setdefault(("submissions (new revision)", mode), []).append(
                    wrk(url, submissions, UPLOADERS)
                )
                time.sleep(2)  # let the server render the last revisions' pictures first
    finally:
        for server, _ in servers.values():
            stop_server(server)
    rows = []
    for what in ("votes (cast / withdraw)", "submissions (new revision)"):
        normal, full = (
            [statistics.median(run[k] for run in runs[what, mode]) for k in range(3)]
            for mode in ("NORMAL", "FULL")
        )
        rows.append(
            [
                what,
                f"{normal[0]:.0f}",
                f"{full[0]:.0f}",
                f"{full[0] / normal[0]:.2f}",
                f"{normal[1]:.1f}",
                f"{full[1]:.1f}",
                f"{full[1] / normal[1]:.2f}",
                f"{normal[2]:.1f}",
                f"{full[2]:.1f}",
            ]
        )
    return rows


def wrk_rows() -> tuple[list[tuple], Uploader]:
    """/healthz and votes on one and two processes; the gallery idle and while one participant
    uploads, on one process (rows 3 and 4, which the gallery ratio is printed from)."""
    rows = []
    for workers in PROCESSES:
        server, url = start_server(workers)
        try:
            tokens, ids, code = prepare_workshop(url, "voting")
            rows.append((f"healthz, {workers} process(es)",) + wrk(url + "/healthz"))
            rows.append((f"votes, {workers} process(es)",) + wrk(url, votes_script(tokens, ids)))
            if workers == 1:
                rows.append(("gallery (idle), 1 process",) + wrk(f"{url}/w/{code}"))
                with Uploader(url) as uploader:
                    rows.append(("gallery, 1 uploader, 1 process",) + wrk(f"{url}/w/{code}"))
        finally:
            stop_server(server)
    return rows, uploader


APPS = ("bare ASGI", "Starlette", "Quartier")
#: On PostgreSQL (full runs): plain Starlette with the vote in three statements (caller and
#: target, my votes, insert or delete), the technique before the one statement that Quartier
#: and the ceiling apps now run; the ceiling Quartier's votes were measured against before.
STEPS_APP = "Starlette, 3 statements"


def ceiling_runs(db: str | None, workers: int) -> dict[tuple[str, str], list[tuple]]:
    """/healthz and votes on Quartier and the two ceiling apps (benchmarks/ceiling.py) on the
    same database (`db`, or Quartier's SQLite file), each with `workers` processes, in
    CEILING_ROUNDS rounds whose order rotates: (app, what) → the runs' (req/s, p50, p99)."""
    data = tempfile.mkdtemp(prefix="quartier-bench-")
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    runs: dict[tuple[str, str], list[tuple]] = {}
    try:
        servers["Quartier"] = start_server(workers, db=db, data=data)  # makes the schema
        shared = db or f"sqlite:///{data}/quartier.sqlite3"
        servers["bare ASGI"] = start_ceiling("bare", shared, workers)
        servers["Starlette"] = start_ceiling("starlette", shared, workers)
        if db and not QUICK:
            servers[STEPS_APP] = start_ceiling("starlette", shared, workers, steps=True)
        script = votes_script(*prepare_votes(servers["Quartier"][1]))  # while they start
        for server, url in servers.values():
            wait_for(server, url)
        apps = list(servers)
        for n in range(CEILING_ROUNDS):
            for app in apps[n % len(apps) :] + apps[: n % len(apps)]:
                url = servers[app][1]
                runs.setdefault((app, "healthz"), []).append(wrk(url + "/healthz"))
                runs.setdefault((app, "votes"), []).append(wrk(url, script))
    finally:
        for server, _ in servers.values():
            stop_server(server)
    return runs


def ceiling_rows() -> list[list[str]]:
    """Quartier beside the ceiling apps on SQLite and PostgreSQL, PROCESSES processes each:
    medians, and Quartier's ratios to each (req/s: higher is better; p99: lower is)."""
    rows = []
    for database in ("SQLite", "PostgreSQL"):
        with contextlib.ExitStack() as stack:
            db = None
            if database == "PostgreSQL":
                db = stack.enter_context(throwaway_postgres())
                if db is None:
                    print("PostgreSQL 15 not found: no PostgreSQL rows")
                    continue
            for workers in PROCESSES:
                runs = ceiling_runs(db, workers)
                for what in ("healthz", "votes"):
                    apps = [app for app in (*APPS, STEPS_APP) if (app, what) in runs]
                    medians = {
                        app: [
                            statistics.median(run[k] for run in runs[app, what]) for k in range(3)
                        ]
                        for app in apps
                    }
                    for app in apps:
                        rate, p50, p99 = medians[app]
                        ratios = ["", "", "", ""]
                        if app == "Quartier":
                            starlette, bare = medians["Starlette"], medians["bare ASGI"]
                            ratios = [
                                f"{rate / starlette[0]:.2f}",
                                f"{rate / bare[0]:.2f}",
                                f"{p99 / starlette[2]:.2f}",
                                f"{p99 / bare[2]:.2f}",
                            ]
                        rows.append(
                            [database, str(workers), what, app, f"{rate:.0f}", f"{p50:.1f}"]
                            + [f"{p99:.1f}", *ratios]
                        )
    return rows


def raise_own_file_limit() -> int:
    """This process's soft limit of open files raised to its hard limit; the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def healthz_probes(url: str) -> tuple[float, float, str]:
    """/healthz on a new connection each time, as a newcomer's: median and largest latency in
    ms, and the answers by status (503: refused by the connection cap)."""
    latencies, statuses = [], []
    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for _ in range(HEALTHZ_PROBES):
            start = time.perf_counter()
            try:
                statuses.append(str(client.get(url + "/healthz").status_code))
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)
            latencies.append((time.perf_counter() - start) * 1000)
    answers = ", ".join(f"{statuses.count(s)}× {s}" for s in sorted(set(statuses)))
    return statistics.median(latencies), max(latencies), answers


def still_open(sockets: list[socket.socket]) -> int:
    """How many of `sockets` the server has not closed (a closed one polls as readable)."""
    poll = select.poll()
    for sock in sockets:
        poll.register(sock, select.POLLIN)
    return len(sockets) - len(poll.poll(0))


def idle_connection_rows() -> list[list[str]]:
    """/healthz without and with IDLE_CONNECTIONS half-sent requests held open by one client
    (issue 13, M3: so many once took every file descriptor of the server and /healthz stopped
    answering). The client needs a file per connection: if its hard limit is lower, it opens
    as many as it can, and the table says how many."""
    wanted = min(IDLE_CONNECTIONS, raise_own_file_limit() - 100)  # 100 for its own files
    server, url = start_server()
    sockets: list[socket.socket] = []
    try:
        quiet = healthz_probes(url)
        port = int(url.rsplit(":", 1)[1])
        with contextlib.suppress(OSError):  # out of ports or files: as many as it could
            while len(sockets) < wanted:
                sockets.append(socket.create_connection(("127.0.0.1", port), timeout=10))
                sockets[-1].sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n")  # unfinished
        held = still_open(sockets)
        crowded = healthz_probes(url)
    finally:
        for sock in sockets:
            sock.close()
        stop_server(server)
    rows = []
    for opened, still, (p50, worst, answers) in ((0, 0, quiet), (len(sockets), held, crowded)):
        ratio = p50 / quiet[0]
        rows.append(
            [f"{opened:,}", f"{still:,}", f"{p50:.1f}", f"{worst:.1f}", f"{ratio:.2f}", answers]
        )
    return rows


CLASS = 30  # pupils pressing "join" at the same moment


async def at_once(url: str, requests: list) -> tuple[float, list[float]]:
    """The requests sent together from one client with a connection each (made beforehand, as
    pupils' devices have theirs): (seconds until the last answer, each one's latency in ms).
    Every answer must be a success."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as c:
        await asyncio.gather(*(c.get("/healthz") for _ in requests))  # the connections, open

        async def one(make) -> float:
            start = time.perf_counter()
            answer = await make(c)
            assert answer.status_code < 300, answer.text
            return (time.perf_counter() - start) * 1000

        start = time.perf_counter()
        latencies = await asyncio.gather(*(one(make) for make in requests))
        return time.perf_counter() - start, list(latencies)


def class_join_rows() -> list[list[str]]:
    """A class of CLASS pupils joining one workshop at once (issue 14), ROUNDS times on one
    server, each round beside as many /healthz at once (the ceiling): medians."""
    server, url = start_server()
    joins, ceiling = [], []
    try:
        for n in range(ROUNDS):
            with httpx.Client(base_url=url, timeout=60) as c:
                w = c.post(
                    "/api/v1/workshops",
                    headers=MOD,
                    json={"title": f"Class {n}", "level_id": "demo"},
                )
            code = w.json()["code"]

            def joiner(i: int, code: str = code):
                return lambda c: c.post(
                    "/api/v1/join", json={"code": code, "pseudonym": f"Kind{i:02d}"}
                )

            ceiling.append(asyncio.run(at_once(url, [lambda c: c.get("/healthz")] * CLASS)))
            joins.append(asyncio.run(at_once(url, [joiner(i) for i in range(CLASS)])))
    finally:
        stop_server(server)
    rows = []
    for name, runs in (
        (f"{CLASS} × /healthz at once", ceiling),
        (f"{CLASS} pupils join at once", joins),
    ):
        total = statistics.median(seconds for seconds, _ in runs)
        p50 = statistics.median(statistics.median(lat) for _, lat in runs)
        p99 = statistics.median(statistics.quantiles(lat, n=100)[98] for _, lat in runs)
        rows.append([name, f"{total * 1000:.0f}", f"{p50:.0f}", f"{p99:.0f}"])
    base = float(rows[0][1])
    for row in rows:
        row.append(f"{float(row[1]) / base:.1f}")
    return rows


def print_table(rows: list[tuple], note: str) -> None:
    """Each row against the /healthz row measured last before it, on the same server."""
    print(f"{'what':<28} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | vs healthz")
    print("-" * 28 + "-|-" + "-|-".join("-" * 7 for _ in range(3)) + "-|-" + "-" * 10)
    base = rows[0][1]
    for name, rate, p50, p99 in rows:
        base = rate if name.startswith("healthz") else base
        print(f"{name:<28} | {rate:>7.0f} | {p50:>7.1f} | {p99:>7.1f} | {rate / base:>9.2f}")
    print(note)


def main() -> None:
    server, url = start_server()
    try:
        rows, uploader = asyncio.run(main_async(url))
    finally:
        stop_server(server)
    print_table(
        rows,
        f"{CLIENTS} concurrent Python clients, {SECONDS:.0f} s per row, one server process, SQLite (WAL)",
    )
    print_gallery_ratio(rows[3], rows[4], uploader, "Python clients")
    print()
    markdown_table(
        (
            "idle connections opened",
            "still open",
            "/healthz p50 ms",
            "/healthz max ms",
            "p50 vs none",
            "answers",
        ),
        idle_connection_rows(),
    )
    print(
        f"half-sent requests held open by one client, then {HEALTHZ_PROBES} × /healthz on a new "
        "connection each; the server closes the longest-waiting beyond its cap "
        "(--max-connections, default 1,000 per process)"
    )
    print()
    markdown_table(
        ("at once", "all answered ms", "p50 ms", "p99 ms", "vs /healthz"), class_join_rows()
    )
    print(
        f"one server process, SQLite (WAL, synchronous=FULL), a new connection per request, "
        f"medians of {ROUNDS} rounds"
    )
    if shutil.which("wrk"):
        print()
        markdown_table(
            (
                "database",
                "processes",
                "what",
                "app",
                "req/s",
                "p50 ms",
                "p99 ms",
                "req/s vs Starlette",
                "req/s vs bare",
                "p99 vs Starlette",
                "p99 vs bare",
            ),
            ceiling_rows(),
        )
        print(
            f"wrk, 1 thread, {CLIENTS} connections, {SECONDS:.0f} s per run, medians of "
            f"{CEILING_ROUNDS} rounds per app with the order rotating; the ceiling apps "
            "(benchmarks/ceiling.py) run the vote's SQL on the same database as Quartier"
        )
        if QUICK:  # what --quick must prove runs is above: these two take minutes on their own
            print("--quick: the gallery under wrk and the durability table are left out")
            return
        print()
        rows, uploader = wrk_rows()
        print_table(
            rows, f"wrk, 1 thread, {CLIENTS} connections, {SECONDS:.0f} s per row, SQLite (WAL)"
        )
        print_gallery_ratio(rows[2], rows[3], uploader, "wrk")
        print()
        markdown_table(
            (
                "SQLite, 1 process",
                "NORMAL req/s",
                "FULL req/s",
                "FULL/NORMAL",
                "NORMAL p50 ms",
                "FULL p50 ms",
                "FULL/NORMAL p50",
                "NORMAL p99 ms",
                "FULL p99 ms",
            ),
            durability_rows(),
        )
        print(
            f"wrk, 1 thread, {CLIENTS} connections for votes and {UPLOADERS} for submissions, "
            f"{SECONDS:.0f} s per run, medians of {ROUNDS} interleaved runs per setting"
        )


if __name__ == "__main__":
    main()
