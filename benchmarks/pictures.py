"""The server's pictures of a design, per level: the framed ones of issue 16 beside the old
whole-level picture.

Run: `.venv/bin/python benchmarks/pictures.py [--quick]` (part of `make bench`). Each round
renders every kind once, in turn, through the server's own `picture_png` (drawing and PNG
encoding, as a worker process does it); the table gives each kind's median and its ratio to
the whole-level iso picture measured in the same rounds, so the machine's load cancels out.
The design is a small building (4 × 4 × 6 voxels) and one block in the zone. Each kind is drawn
plain (boxes, as before issue 17) and with the generated detail (props, windows, roof edges,
road markings: what the server draws), side by side in the same rounds.

Measured on two shared cores: on Berlin the framed after took 47 ms against 765 ms for the
whole-level iso picture (0.06×), the framed before 28 ms (0.04×), the locator 56 ms (0.07×);
on the demo level (128 × 128) 61 against 87 ms (0.69×).

With the generated detail (issue 17), same machine, detail / plain in the same rounds: Berlin's
whole-level iso 1.23× (1093 → 1343 ms; the design's one tree makes the walls beside it be
cut for the painter's order), its framed pictures 0.93× and 1.40× (no windows there: at 6.4
px per voxel a home's window would be 1.8 px); the demo's whole-level iso 1.50× (its park's
playground and trees), its framed after 0.85× (windows and roof edges drawn). The plan and the
locator draw no detail: their 0.95–1.47× is this machine's noise.
"""

import statistics
import time

import numpy as np
from mode import pick
from table import print_table

from game.core.level import Level
from game.io.levels import find_level
from server_sync.services.images import View, picture_png

LEVELS = pick(("demo", "berlin-potsdamer-platz"), ("demo",))
ROUNDS = pick(7, 1)
KINDS: tuple[tuple[str, View], ...] = (
    ("whole level, iso (before issue 16)", "iso"),
    ("whole level, plan", "top"),
    ("framed after (zone)", "zone"),
    ("framed before", "before"),
    ("locator map", "locator"),
)


def design(level: Level) -> np.ndarray:
    grid = level.city.copy()
    columns = np.argwhere(level.zone_columns)
    x, y = (columns.min(axis=0) + columns.max(axis=0)) // 2
    ground = int(np.nonzero(grid[x, y])[0].max()) + 1
    grid[x : x + 4, y : y + 4, ground : ground + 6] = level.catalogue.id("housing")
    grid[x - 6, y - 6, ground] = level.catalogue.id("tree")
    return grid


def main() -> None:
    rows = []
    for name in LEVELS:
        level = find_level(name)
        grid = design(level)
        times: dict[tuple[View, bool], list[float]] = {
            (view, decorated): [] for _, view in KINDS for decorated in (False, True)
        }
        sizes: dict[str, int] = {}
        for _ in range(ROUNDS):
            # Interleaved: each round renders every kind once plain and once with detail.
            for (view, decorated), spent in times.items():
                start = time.perf_counter()
                png = picture_png(grid, level, view, decorated)
                spent.append(time.perf_counter() - start)
                sizes[view] = len(png)
        whole = statistics.median(times["iso", True])
        for label, view in KINDS:
            plain = statistics.median(times[view, False])
            median = statistics.median(times[view, True])
            rows.append(
                [
                    f"{name} {'×'.join(map(str, level.shape))}",
                    label,
                    f"{plain * 1000:.0f}",
                    f"{median * 1000:.0f}",
                    f"{median / plain:.2f}",
                    f"{median / whole:.2f}",
                    f"{sizes[view] / 1024:.0f}",
                ]
            )
    print(f"Server pictures, median of {ROUNDS} interleaved rounds (drawing and PNG encoding)\n")
    print_table(
        [
            "level",
            "picture",
            "ms plain",
            "ms with detail",
            "detail / plain",
            "× whole iso",
            "PNG KB",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
