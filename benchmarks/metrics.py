"""Indicator performance: all indicators against one pass over the grid, each indicator alone, the cheap ones after one edit.

Run: `.venv/bin/python benchmarks/metrics.py` (part of `make bench`; `--quick`: the demo level
only, fewer repeats). Prints three tables. The first puts `compute_all` (every indicator from
scratch, what the server does for each upload) beside its floor, one `np.bincount` over the
grid (every indicator must at least look at every voxel once), timed interleaved (medians of
wall and of CPU time).
"""

import statistics
import time

import numpy as np
from cities import city_level
from mode import QUICK, pick
from table import print_table

from game.core.indicators import INDICATORS, Metrics, compute_all
from game.core.level import Level
from game.core.ops import Place
from game.core.session import Session
from game.io.levels import find_level

REPEAT = pick(7, 1)


def ms(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def against_floor(level: Level) -> tuple[float, float, float]:
    """Medians of the bincount floor and of `compute_all`, measured in turns; and the ratio of
    their CPU times, which the other work on a shared machine disturbs less."""
    grid = level.city
    floor: list[float] = []
    every: list[float] = []
    floor_cpu: list[float] = []
    every_cpu: list[float] = []
    for _ in range(pick(15, 1)):
        for fn, wall, cpu in (
            (lambda: np.bincount(grid.reshape(-1), minlength=256), floor, floor_cpu),
            (lambda: compute_all(grid, level), every, every_cpu),
        ):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append(time.process_time() - start_cpu)
    cpu_ratio = statistics.median(every_cpu) / max(statistics.median(floor_cpu), 1e-9)
    return statistics.median(floor), statistics.median(every), cpu_ratio


def per_indicator(level: Level) -> dict[str, float]:
    grid = level.city
    return {
        cls.key: ms(lambda cls=cls: cls.evaluate(grid, level, level.catalogue))
        for cls in INDICATORS
    }


def single_edits(level: Level, edits: int = pick(300, 20)) -> tuple[float, float, float]:
    """Median and p95 of updating every cheap indicator after one placed voxel; and the expensive pass."""
    session = Session(level)
    metrics = Metrics(session)
    rng = np.random.default_rng(3)
    xs, ys = np.nonzero(level.zone_columns)
    times = []
    for i in rng.integers(0, xs.size, edits):
        x, y = int(xs[i]), int(ys[i])
        z = min(int(np.flatnonzero(session.grid[x, y]).max(initial=0)) + 1, level.shape[2] - 1)
        change = session.apply(Place(at=(x, y, z), block="tree")).change
        start = time.perf_counter()
        metrics.update(change)
        times.append((time.perf_counter() - start) * 1000)
    expensive = ms(lambda: metrics.compute_expensive(metrics.snapshot()), repeat=pick(3, 1))
    return statistics.median(times), float(np.percentile(times, 95)), expensive


def main() -> None:
    levels = {"demo 128×128×32": find_level("demo")}
    if not QUICK:
        levels["city 256×256×64"] = city_level((256, 256, 64))
        levels["Berlin 426×438×62"] = find_level("berlin-potsdamer-platz")
    rows = []
    for name, level in levels.items():
        floor, every, cpu_ratio = against_floor(level)
        rows.append(
            (name, f"{floor:.1f} ms", f"{every:.1f} ms", f"{every / floor:.2f}", f"{cpu_ratio:.2f}")
        )
    print_table(
        ("level", "floor: np.bincount", "compute_all (all 15)", "ratio", "ratio of CPU times"), rows
    )
    print()
    full = {name: per_indicator(level) for name, level in levels.items()}
    print_table(
        ("indicator", *(f"{n} (alone)" for n in levels)),
        [
            (
                cls.key + (" (bg)" if cls.expensive else ""),
                *(f"{full[n][cls.key]:.1f} ms" for n in levels),
            )
            for cls in INDICATORS
        ],
    )
    print()
    edits = []
    for name, level in levels.items():
        median, p95, expensive = single_edits(level)
        edits.append((name, f"{median:.2f} / {p95:.2f} ms", f"{expensive:.0f} ms"))
    print_table(
        ("level", "all cheap after 1 edit (median / p95)", "all expensive (background)"), edits
    )


if __name__ == "__main__":
    main()
