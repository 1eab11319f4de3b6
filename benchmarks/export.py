"""Design export: time and file size per format (prints a table).

Run: `make bench` or `.venv/bin/python benchmarks/export.py` (`--quick`: the demo design only,
one repeat). Rows: each voxel-model format (the GIS formats place a design's changes on a map
and need a georeferenced level) for a student's design on the demo level, the largest bundled
level as it ships, and a synthetic 512×512×128 city (the largest supported level), which the
.vox export splits into several models.
"""

import statistics
import time

import numpy as np
from cities import city_level
from mode import QUICK, pick
from table import print_table

from game.core.ops import Box, Building
from game.core.session import Session
from game.io.formats import FORMATS, grid_exporter, is_geographic
from game.io.levels import available_levels, find_level


def timed(fn, repeat: int) -> tuple[float, dict[str, bytes]]:
    times, result = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def demo_design() -> Session:
    session = Session(find_level("demo"))
    session.apply(Box(from_=(50, 52, 1), to=(60, 58, 6), block="housing"))
    session.apply(Building(polygon=[(62, 52), (68, 52), (68, 62)], floors=3, roof="green_roof"))
    return session


def largest_bundled() -> Session:
    entries, _ = available_levels()
    biggest = max((e for e in entries if e.bundled), key=lambda e: int(np.prod(e.doc.dimensions)))
    return Session(find_level(biggest.doc.id))


def main() -> None:
    subjects = [("demo design", demo_design())]
    if not QUICK:
        subjects += [
            ("largest bundled level", largest_bundled()),
            ("synthetic city", Session(city_level((512, 512, 128)))),
        ]
    rows = []
    for label, session in subjects:
        level = session.level
        for name in (n for n in sorted(FORMATS) if not is_geographic(n)):
            export = grid_exporter(name)
            repeat = pick(5 if session.grid.size < 2**22 else 2, 1)
            ms, files = timed(
                lambda export=export, name=name, grid=session.grid, level=level: export(
                    grid, level.catalogue, level.doc.voxel_size_m, f"x.{name}"
                ),
                repeat,
            )
            size = sum(len(data) for data in files.values())
            rows.append(
                (
                    f"{label} ({level.id})",
                    "×".join(map(str, level.shape)),
                    name,
                    f"{ms:,.0f} ms",
                    f"{size / 2**20:,.2f} MB",
                )
            )
    print_table(("what", "size", "format", "time", "file"), rows)


if __name__ == "__main__":
    main()
