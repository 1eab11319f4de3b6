"""A class's workshop on the Berlin level against a real server (issue #15's first "Done when").

Run: `.venv/bin/python benchmarks/workshop.py` (part of `make bench`; `--quick`: a few pupils
for a few seconds, SQLite with one server process). Each setup starts `quartier-server serve`
in its own process on 127.0.0.1 with a new data folder: SQLite with one and two server
processes (`--workers`), the same with the CPU work in threads of the server instead of worker
processes (`--cpu-pool threads`, what services/workers.py was before), and PostgreSQL with two
server processes (a throwaway cluster, as in tests/support/server_fixtures.py). Each setup
runs ROUNDS times, the setups interleaved, and its figures are pooled over the rounds.

60 participants are joined. 30 pupils each send 3 revisions of their own design (buildings,
trees and benches in the zone, 3–5 KB, growing from revision to revision), the revisions
spread over SECONDS: each pupil starts at a random moment of the first third and sends again
a third later. They behave like the editor's sync client: a 503 or 429 is waited out for its
Retry-After (with jitter) and sent again. Meanwhile 30 others load the gallery page and vote
(a vote, then taking it back), each with 0.5–1.5 s between clicks. Votes are only taken in the
voting phase, so the voters are in a second workshop on the same level and server, whose
designs were sent before the measurement.

Columns: uploads acknowledged (of those sent) and 5xx answers (503 busy included: the target
is none), the time from a revision's first send to its acknowledgement (p50/p95), and the
gallery's and votes' latency (p50/p99). The ceiling row of each setup is /healthz on the same
server while it is idle, measured just before the load. Targets (issue #15): every upload
acknowledged with no 5xx, p95 upload < 5 s, gallery and vote p99 < 300 ms.

The load generator runs in this process and shares the two cores with the server, like the
class's own browsers do not: the figures are an upper bound on what pupils would see.
"""

import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from mode import pick
from processes import free_port, stop_server, throwaway_postgres, wait_for
from table import print_table

from game import __version__
from game.core.design import new_design, save_changes
from game.core.ops import Box
from game.core.session import Session
from game.io.levels import find_level

BERLIN = "berlin-potsdamer-platz"
TOKEN = "benchmark-moderator-token-0123456789"
MOD = {"Authorization": f"Bearer {TOKEN}"}
PUPILS = pick(30, 4)  # each sends REVISIONS revisions
VOTERS = pick(30, 4)  # each loads the gallery and votes
REVISIONS = 3
SECONDS = pick(60.0, 6.0)  # over which the revisions are spread
SHOWN = pick(10, 2)  # designs in the voters' workshop, sent before the measurement
THINK = (0.5, 1.5)  # seconds between a voter's clicks
HEALTHZ_PROBES = pick(300, 50)
ROUNDS = pick(2, 1)  # of each setup, interleaved
Setup = tuple[str, str | None, int, str]  # name, database, server processes, CPU pool
SETUPS: list[Setup] = pick(
    [
        ("SQLite, 1 process, CPU work in threads", None, 1, "threads"),
        ("SQLite, 1 process, worker processes", None, 1, "processes"),
        ("SQLite, 2 processes, CPU work in threads", None, 2, "threads"),
        ("SQLite, 2 processes, worker processes", None, 2, "processes"),
        ("PostgreSQL, 2 processes, worker processes", "postgres", 2, "processes"),
    ],
    [("SQLite, 1 process, worker processes", None, 1, "processes")],
)


def pupil_designs(seed: int) -> list[str]:
    """One pupil's design in REVISIONS growing revisions: blocks of housing, offices and more,
    and trees, benches and flower beds between them, all in the zone (3–5 KB each)."""
    level = find_level(BERLIN)
    rng = random.Random(seed)
    session = Session(level)
    doc = new_design(level, __version__, title=f"Quartier {seed}")
    buildings = ["housing", "housing_affordable", "office", "green_roof", "kindergarten", "shop"]
    small = ["tree", "bench", "flower_bed", "grass", "playground", "footpath"]
    revisions = []
    for _ in range(REVISIONS):
        for _ in range(20):
            x, y = rng.randrange(72, 126), rng.randrange(56, 110)
            w, d, h = rng.randrange(2, 6), rng.randrange(2, 6), rng.randrange(2, 14)
            session.apply(Box(from_=(x, y, 0), to=(x + w, y + d, h), block=rng.choice(buildings)))
        for _ in range(110):
            x, y = rng.randrange(72, 132), rng.randrange(56, 116)
            session.apply(Box(from_=(x, y, 0), to=(x, y, 0), block=rng.choice(small)))
        revisions.append(save_changes(doc, session, __version__).to_json())
    return revisions


@contextlib.contextmanager
def server(db_url: str | None, workers: int, pool: str) -> Iterator[str]:
    """`quartier-server serve` in its own process group, stopped at the end; its URL. Limits
    as in a workshop (the default queue), only the rate limits raised: the class shares one
    address here."""
    port = free_port()
    data = tempfile.mkdtemp(prefix="quartier-bench-")
    command = [
        sys.executable,
        "-m",
        "server_sync.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        data,
        "--rate-limit",
        "10000000",
        "--workers",
        str(workers),
        "--cpu-pool",
        pool,
    ]
    if db_url:
        command += ["--db", db_url]
    process = subprocess.Popen(
        command,
        env={**os.environ, "QUARTIER_MODERATOR_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(process, url)
        yield url
    finally:
        stop_server(process)
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class Figures:
    """What one setup measured, in ms (upload: from a revision's first send to its answer)."""

    uploads: list[float] = field(default_factory=list)
    sent: int = 0
    server_errors: int = 0
    gallery: list[float] = field(default_factory=list)
    votes: list[float] = field(default_factory=list)
    healthz: list[float] = field(default_factory=list)

    def add(self, other: "Figures") -> None:
        """Pool another round's figures into these."""
        self.uploads += other.uploads
        self.sent += other.sent
        self.server_errors += other.server_errors
        self.gallery += other.gallery
        self.votes += other.votes
        self.healthz += other.healthz


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


async def timed(figures: list[float], request) -> httpx.Response:
    started = time.perf_counter()
    answer = await request
    figures.append((time.perf_counter() - started) * 1000)
    return answer


async def join(c: httpx.AsyncClient, code: str, name: str) -> dict[str, str]:
    joined = (await c.post("/api/v1/join", json={"code": code, "pseudonym": name})).json()
    return {"Authorization": "Bearer " + joined["token"]}


async def put(c: httpx.AsyncClient, text: str, who: dict[str, str]) -> httpx.Response:
    uuid = json.loads(text)["id"]
    return await c.put(f"/api/v1/submissions/{uuid}", content=text, headers=who)


async def workshop(url: str, designs: list[list[str]]) -> Figures:
    """The class's workshop against the server at `url`."""
    figures = Figures()
    limits = httpx.Limits(max_connections=PUPILS + VOTERS + 10)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:
        for _ in range(HEALTHZ_PROBES):  # the idle server's ceiling
            await timed(figures.healthz, c.get("/healthz"))
        made = []
        for title in ("Uploads", "Votes"):
            body = {"title": title, "level_id": BERLIN, "moderation": "post"}
            made.append((await c.post("/api/v1/workshops", headers=MOD, json=body)).json())
        building, voting = made
        pupils = [await join(c, building["code"], f"Pupil{n}") for n in range(PUPILS)]
        voters = [await join(c, voting["code"], f"Voter{n}") for n in range(VOTERS)]
        shown = []
        for n in range(SHOWN):
            text = designs[PUPILS + n][0]
            answer = await put(c, text, voters[n])
            assert answer.status_code == 201, answer.text
            shown.append(json.loads(text)["id"])
        changed = await c.patch(
            f"/api/v1/workshops/{voting['id']}", json={"phase": "voting"}, headers=MOD
        )
        assert changed.status_code == 200, changed.text
        done = asyncio.Event()
        start = time.perf_counter()

        async def pupil(n: int) -> None:
            rng = random.Random(n)
            for r, text in enumerate(designs[n]):
                at = start + (rng.random() + r) * SECONDS / REVISIONS
                await asyncio.sleep(max(0.0, at - time.perf_counter()))
                first = time.perf_counter()
                figures.sent += 1
                while True:
                    answer = await put(c, text, pupils[n])
                    if answer.status_code < 300:
                        figures.uploads.append((time.perf_counter() - first) * 1000)
                        break
                    if answer.status_code >= 500:
                        figures.server_errors += 1
                    if answer.status_code not in (429, 503):
                        print(f"upload refused: {answer.status_code} {answer.text[:200]}")
                        break
                    wait = float(answer.headers.get("retry-after", "5"))
                    await asyncio.sleep(wait * (1 + rng.random() / 2))  # as game/sync/client.py

        async def voter(n: int) -> None:
            rng = random.Random(1000 + n)
            who, mine = voters[n], shown[n] if n < len(shown) else None
            targets = [uuid for uuid in shown if uuid != mine]
            while not done.is_set():
                answer = await timed(figures.gallery, c.get(f"/w/{voting['code']}"))
                assert answer.status_code == 200, answer.status_code
                await asyncio.sleep(rng.uniform(*THINK))
                path = f"/api/v1/submissions/{rng.choice(targets)}/vote"
                answer = await timed(figures.votes, c.put(path, headers=who))
                assert answer.status_code < 300, answer.text
                await asyncio.sleep(rng.uniform(*THINK))
                answer = await timed(figures.votes, c.delete(path, headers=who))
                assert answer.status_code < 300, answer.text
                await asyncio.sleep(rng.uniform(*THINK))

        watching = [asyncio.create_task(voter(n)) for n in range(VOTERS)]
        await asyncio.gather(*(pupil(n) for n in range(PUPILS)))
        done.set()
        await asyncio.gather(*watching)
    return figures


def ms(values: list[float], q: float) -> str:
    return f"{quantile(values, q):.0f}"


def row(name: str, f: Figures) -> list[str]:
    return [
        name,
        f"{len(f.uploads)} / {f.sent}",
        str(f.server_errors),
        f"{statistics.median(f.uploads) / 1000:.2f} s" if f.uploads else "-",
        f"{quantile(f.uploads, 0.95) / 1000:.2f} s",
        ms(f.gallery, 0.5),
        ms(f.gallery, 0.99),
        ms(f.votes, 0.5),
        ms(f.votes, 0.99),
    ]


def ceiling(f: Figures) -> list[str]:
    """/healthz on the idle server, in the latency columns of both the gallery and the votes."""
    idle = [ms(f.healthz, 0.5), ms(f.healthz, 0.99)]
    return ["  ceiling: /healthz, idle", "", "", "", "", *idle, *idle]


def main() -> None:
    designs = [pupil_designs(n) for n in range(PUPILS + SHOWN)]
    sizes = [len(text) for revisions in designs for text in revisions]
    pooled = {setup: Figures() for setup in SETUPS}
    for round_ in range(ROUNDS):  # the setups interleaved, so that the machine's load is shared
        for setup in SETUPS:
            name, database, workers, pool = setup
            with contextlib.ExitStack() as stack:
                db_url = stack.enter_context(throwaway_postgres()) if database else None
                url = stack.enter_context(server(db_url, workers, pool))
                pooled[setup].add(asyncio.run(workshop(url, designs)))
            print(f"round {round_ + 1}: {name}: done", file=sys.stderr)
    rows = []
    for setup, figures in pooled.items():
        rows += [row(setup[0], figures), ceiling(figures)]
    print(
        f"\n{PUPILS} pupils x {REVISIONS} revisions on {BERLIN} within {SECONDS:g} s "
        f"(designs {min(sizes) / 1000:.1f}-{max(sizes) / 1000:.1f} KB), {VOTERS} voters "
        f"loading the gallery and voting; {ROUNDS} round(s) per setup, interleaved, the "
        f"figures pooled; times in ms unless marked\n"
    )
    print_table(
        [
            "setup",
            "uploads acked",
            "5xx",
            "upload p50",
            "upload p95",
            "gallery p50",
            "gallery p99",
            "vote p50",
            "vote p99",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
