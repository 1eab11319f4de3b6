"""Core performance: the command line's cold start, design encode/decode, box edit and undo, history memory.

Run: `make bench` or `.venv/bin/python benchmarks/core.py` (prints two tables). The cold start
puts `quartier --version` and `quartier levels` beside `python -c pass`, in turns (medians of
wall and CPU time), in a temporary QUARTIER_HOME: `levels` once with its index of checked
level files and once with the index removed before each run (every file checked in full).
Levels are synthetic cities (ground, streets, building blocks) of 256×256×64 and 512×512×128
voxels (`--quick`: one city of 128×128×64, fewer edits and runs).
"""

import base64
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from cities import city_level
from mode import pick
from table import print_table

from game.core.design import new_design, open_design, parse_design, save_changes
from game.core.errors import QuartierError
from game.core.level import Level
from game.core.ops import Box
from game.core.session import Session


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def design_with(level: Level, changed: int):
    """A design whose changes are `changed` voxels: half one big build, half scattered edits."""
    session = Session(level)
    rng = np.random.default_rng(changed)
    flat = session.grid.reshape(-1)
    start = level.volume // 3
    flat[start : start + changed // 2] = 1
    scattered = rng.choice(level.volume, changed - changed // 2, replace=False)
    flat[scattered] = np.where(flat[scattered] == 2, 3, 2)
    return save_changes(new_design(level, "bench"), session, "bench")


def bomb_row(level: Level) -> tuple[str, str, str]:
    """A 1 KB payload that inflates to ~1 MB of zeros, posing as a design of the whole level."""
    doc = new_design(level, "bench").model_dump(mode="json")
    bomb = base64.b64encode(zlib.compress(bytes(1_030_000), 9)).decode()
    doc["changes"].update(count=level.volume // 5, data=bomb, palette=["air"])
    text = json.dumps(doc)
    start = time.perf_counter()
    try:
        open_design(parse_design(text), level)
        verdict = "ACCEPTED (bug)"
    except QuartierError:
        verdict = "refused"
    return (
        f"{len(bomb) / 1024:.1f} KB",
        f"{verdict} in {(time.perf_counter() - start) * 1000:.1f} ms",
        "",
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_start() -> None:
    """`quartier --version` and `quartier levels` in a fresh interpreter, beside `python -c pass`."""
    levels = ["-m", "game.cli", "levels"]
    commands = {
        "python -c pass (floor)": ["-c", "pass"],
        "quartier --version": ["-m", "game.cli", "--version"],
        "quartier levels (indexed)": levels,
        "quartier levels (no index)": levels,
    }
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QUARTIER_HOME": home}
        index = Path(home) / "cache" / "levels-index.json"
        subprocess.run([sys.executable, *levels], check=True, env=env, stdout=subprocess.DEVNULL)
        for _ in range(pick(15, 2)):  # in turns, so a busy moment hits every command alike
            for name, argv in commands.items():
                if name.endswith("(no index)"):
                    index.unlink(missing_ok=True)
                start, start_cpu = time.perf_counter(), _children_cpu()
                subprocess.run(
                    [sys.executable, *argv], check=True, env=env, stdout=subprocess.DEVNULL
                )
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(_children_cpu() - start_cpu)
    medians = {name: statistics.median(t) * 1000 for name, t in wall.items()}
    floor = medians["python -c pass (floor)"]
    print_table(
        ("cold start", "median", "vs floor", "CPU (user + system)"),
        [
            (name, f"{ms:.0f} ms", f"{ms / floor:.1f}x", f"{statistics.median(cpu[name]):.2f} s")
            for name, ms in medians.items()
        ],
    )
    print()


def main() -> None:
    cold_start()
    rows = []
    edits = pick(1000, 50)
    for shape in pick(((256, 256, 64), (512, 512, 128)), ((128, 128, 64),)):
        level = city_level(shape)
        label = "×".join(map(str, shape))
        for changed in pick((10_000, 1_000_000), (10_000, 100_000)):
            doc = design_with(level, changed)
            text = doc.to_json()
            session = open_design(doc, level)
            enc_ms, _ = timed(
                lambda doc=doc, session=session: save_changes(doc, session, "b").to_json(), 3
            )
            dec_ms, _ = timed(
                lambda text=text, level=level: open_design(parse_design(text), level), 5
            )
            rows.append(
                (
                    label,
                    f"design, {changed:,} changed voxels",
                    f"{len(text) / 1024:,.1f} KB",
                    f"encode {enc_ms:.0f} ms",
                    f"decode {dec_ms:.0f} ms",
                )
            )
        rows.append((label, "1 KB zip bomb design", *bomb_row(level)))
        session = Session(level)
        box = Box(from_=(10, 10, 1), to=(73, 73, 32), block="housing")
        start = time.perf_counter()
        session.apply(box)
        fill_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        session.undo()
        undo_ms = (time.perf_counter() - start) * 1000
        rows.append(
            (
                label,
                "64×64×32 box fill / undo",
                "",
                f"fill {fill_ms:.1f} ms",
                f"undo {undo_ms:.1f} ms",
            )
        )
        session = Session(level)
        rng = np.random.default_rng(7)
        start = time.perf_counter()
        for i in range(edits):
            lo = rng.integers(0, np.array(shape) - [56, 56, 24])
            hi = lo + rng.integers(1, [56, 56, 24])
            session.apply(
                Box(
                    from_=tuple(map(int, lo)),
                    to=tuple(map(int, hi)),
                    block=["housing", "tree", "road"][i % 3],
                )
            )
        per_edit = time.perf_counter() - start
        rows.append(
            (
                label,
                f"history after {edits:,} box edits",
                f"{session.history.nbytes / 2**20:.1f} MB",
                f"{per_edit:.1f} s total",
                "",
            )
        )
    print_table(("level", "what", "size", "time", "time"), rows)


if __name__ == "__main__":
    main()
