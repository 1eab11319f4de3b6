"""Indicator performance: each indicator from scratch, the cheap ones after one edit, the expensive ones.

Run: `.venv/bin/python benchmarks/metrics.py` (part of `make bench`). Prints two tables.
"""

import statistics
import time

import numpy as np
from cities import city_level

from game.core.indicators import INDICATORS, Metrics
from game.core.level import Level
from game.core.ops import Place
from game.core.session import Session
from game.io.levels import find_level


def ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def per_indicator(level: Level) -> dict[str, float]:
    grid = level.city
    return {
        cls.key: ms(lambda cls=cls: cls.evaluate(grid, level, level.catalogue))
        for cls in INDICATORS
    }


def single_edits(level: Level, edits: int = 300) -> tuple[float, float, float]:
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
    expensive = ms(lambda: metrics.compute_expensive(metrics.snapshot()), repeat=3)
    return statistics.median(times), float(np.percentile(times, 95)), expensive


def main() -> None:
    levels = {"demo 128×128×32": find_level("demo"), "city 256×256×64": city_level((256, 256, 64))}
    full = {name: per_indicator(level) for name, level in levels.items()}
    names = list(levels)
    print("indicator".ljust(20) + " | " + " | ".join(f"{n} (full)".ljust(24) for n in names))
    print("-" * 20 + "-|-" + "-|-".join("-" * 24 for _ in names))
    for cls in INDICATORS:
        kind = " (bg)" if cls.expensive else ""
        print(
            (cls.key + kind).ljust(20)
            + " | "
            + " | ".join(f"{full[n][cls.key]:.1f} ms".ljust(24) for n in names)
        )
    print()
    print(
        "level".ljust(20) + " | all cheap after 1 edit (median / p95) | all expensive (background)"
    )
    print("-" * 20 + "-|-" + "-" * 38 + "-|-" + "-" * 26)
    for name, level in levels.items():
        median, p95, expensive = single_edits(level)
        print(
            name.ljust(20) + f" | {median:.2f} / {p95:.2f} ms".ljust(41) + f"| {expensive:.0f} ms"
        )


if __name__ == "__main__":
    main()
