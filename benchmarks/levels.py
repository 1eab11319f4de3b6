"""Level import: time and voxel counts for each real sample file in the repository (prints a table).

Run: `make bench` or `.venv/bin/python benchmarks/levels.py`. Each import runs three times
and the median is shown; target: the Delft district (160 LoD1 buildings and 400 ground
surfaces) at 1 m in under 10 s. Delft is 524 m wide, 12 m more than a level at 1 m, so
at 1 m it is cut to 510 m with --bbox.
"""

import statistics
import time
from pathlib import Path

import numpy as np

from game.core.catalogue import default_catalogue
from game.core.indicators.base import tables
from game.io.level_import import ImportOptions, import_level

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "levels" / "sources" / "berlin-potsdamer-platz-osm.geojson"
TEST_DATA = ROOT / "tests" / "data"
RUNS = [
    (BERLIN, "2 m", ImportOptions(voxel=2.0)),
    (
        BERLIN,
        "1 m, 480×450 m bbox",
        ImportOptions(voxel=1.0, bbox="13.3720,52.5060,13.3790,52.5100"),
    ),
    (
        TEST_DATA / "delft-lod1.city.json",
        "1 m, 510 m bbox",
        ImportOptions(voxel=1.0, bbox="84620,447423,85130,447750"),
    ),
    (TEST_DATA / "delft-lod1.city.json", "2 m", ImportOptions(voxel=2.0)),
    (TEST_DATA / "denhaag-lod2.city.json", "1 m", ImportOptions(voxel=1.0, crs="EPSG:7415")),
    (
        TEST_DATA / "denbosch-multilod.city.json",
        "2 m (LoD 2.2)",
        ImportOptions(voxel=2.0, crs="EPSG:7415"),
    ),
    (
        TEST_DATA / "denbosch-multilod.city.json",
        "3 m (LoD 1.3)",
        ImportOptions(voxel=3.0, crs="EPSG:7415"),
    ),
]


def main() -> None:
    catalogue = default_catalogue()
    building = tables(catalogue).building
    rows = []
    for path, label, options in RUNS:
        options.licence = "benchmark"
        times = []
        for _ in range(3):
            start = time.perf_counter()
            result = import_level(path, options, catalogue)
            times.append(time.perf_counter() - start)
        grid = result.raster.grid
        rows.append(
            (
                path.name,
                label,
                "×".join(map(str, grid.shape)),
                f"{np.count_nonzero(grid):,}",
                f"{int(building[grid].sum()):,}",
                str(result.raster.buildings),
                f"{statistics.median(times) * 1000:,.0f} ms",
            )
        )
    header = (
        "file",
        "voxel size",
        "level size",
        "voxels (non-air)",
        "building voxels",
        "buildings",
        "import",
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))


if __name__ == "__main__":
    main()
