"""Level import beside its floor: each real sample file in the repository (prints a table).

Run: `make bench` or `.venv/bin/python benchmarks/levels.py` (`--quick`: two small files, one
run). The floor is what any importer must do at least: read the file and parse its JSON
(`json.loads`, as the importer does), also with Python's cycle collector paused, as the
importer pauses it (a stricter floor: the collector doubles the parsing of Delft). A level is
written too, so "encode level" times encoding the imported grid the way every level is
stored (palette + zlib); for a small source making a large level (Berlin: 146 KB of GeoJSON,
11.5 million voxels) that, not the reading, is the floor. For raw OpenStreetMap the floor is
pyosmium handing every object, with its nodes' locations, to Python (`FileProcessor`), the
least a reader in Python does; JSON is not involved. Floors, encoding and import run
interleaved; each column is the median. Target (#15): an import within 5× of its read floor. Delft is 524 m wide, 12 m more than a level at 1 m, so at 1 m it is cut to
510 m with --bbox.
A second table imports Berlin's footprints flat and on a generated GeoTIFF DEM (`--dem`, a
30 m rise), interleaved: what the ground model costs beside the import itself.
"""

import gc
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import osmium
import tifffile
from mode import pick
from table import print_table

from game.core.catalogue import default_catalogue
from game.core.codec import encode_dense, to_palette
from game.io.level_import import ImportOptions, import_level
from game.io.storage import read_document

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "levels" / "sources" / "berlin-potsdamer-platz-osm.geojson"
TEST_DATA = ROOT / "tests" / "data"
DELFT = TEST_DATA / "delft-lod1.city.json"
DENHAAG = TEST_DATA / "denhaag-lod2.city.json"
DENBOSCH = TEST_DATA / "denbosch-multilod.city.json"
KAISERSLAUTERN = ROOT / "levels" / "sources" / "kaiserslautern-city-centre.osm.gz"
RUNS = [
    (BERLIN, "2 m", ImportOptions(voxel=2.0)),
    (
        BERLIN,
        "1 m, 480×450 m bbox",
        ImportOptions(voxel=1.0, bbox="13.3720,52.5060,13.3790,52.5100"),
    ),
    (DELFT, "1 m, 510 m bbox", ImportOptions(voxel=1.0, bbox="84620,447423,85130,447750")),
    (DELFT, "2 m", ImportOptions(voxel=2.0)),
    (DENHAAG, "1 m", ImportOptions(voxel=1.0, crs="EPSG:7415")),
    (DENBOSCH, "2 m (LoD 2.2)", ImportOptions(voxel=2.0, crs="EPSG:7415")),
    (DENBOSCH, "3 m (LoD 1.3)", ImportOptions(voxel=3.0, crs="EPSG:7415")),
    (
        KAISERSLAUTERN,
        "2 m, 940×1000 m bbox (OSM)",
        ImportOptions(voxel=2.0, bbox="7.764,49.437,7.777,49.446"),
    ),
]
QUICK_RUNS = [RUNS[4], RUNS[6], RUNS[7]]
REPEATS = pick(7, 1)


def _timed(work, *args) -> float:
    start = time.perf_counter()
    work(*args)
    return time.perf_counter() - start


def _read(path: Path) -> None:
    if path.name.endswith(".osm.gz"):
        for _ in osmium.FileProcessor(str(path)).with_locations():
            pass
    else:
        json.loads(read_document(path))


def _read_paused(path: Path) -> None:
    gc.disable()
    try:
        _read(path)
    finally:
        gc.enable()


def _encode(grid, catalogue) -> None:
    encode_dense(to_palette(grid, catalogue.key)[0])


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:,.0f} ms"


def main() -> None:
    catalogue = default_catalogue()
    rows = []
    for path, label, options in pick(RUNS, QUICK_RUNS):
        options.licence = "benchmark"
        result = import_level(path, options, catalogue)  # warm-up: pyproj's database, caches
        grid = result.raster.grid
        times: list[list[float]] = [[], [], [], []]
        for _ in range(REPEATS):
            times[0].append(_timed(_read, path))
            times[1].append(_timed(_read_paused, path))
            times[2].append(_timed(_encode, grid, catalogue))
            times[3].append(_timed(import_level, path, options, catalogue))
        read, paused, encode, imported = map(statistics.median, times)
        rows.append(
            (
                path.name,
                label,
                "×".join(map(str, grid.shape)),
                str(result.raster.buildings),
                _ms(read),
                _ms(paused),
                _ms(encode),
                _ms(imported),
                f"{imported / read:.1f}×",
                f"{imported / paused:.1f}×",
                f"{imported / (paused + encode):.1f}×",
            )
        )
    print_table(
        (
            "file",
            "voxel size",
            "level size",
            "buildings",
            "read (floor)",
            "read, GC paused",
            "encode level",
            "import",
            "÷ read",
            "÷ read, GC paused",
            "÷ (read, GC paused + encode)",
        ),
        rows,
    )


def _slope_geotiff(path: Path, extent: tuple[float, float, float, float], epsg: int) -> None:
    """A 5 m GeoTIFF DEM over `extent` rising 30 m from west to east, as a survey's DGM5."""
    x0, y0, x1, y1 = extent
    cols, rows = int((x1 - x0) / 5) + 2, int((y1 - y0) / 5) + 2
    heights = np.tile(30 + 30 * np.arange(cols, dtype=np.float32) / cols, (rows, 1))
    keys = (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg)
    tifffile.imwrite(
        path,
        heights,
        extratags=[
            (33550, "d", 3, (5.0, 5.0, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, x0 - 5, y1 + 5, 0.0), False),
            (34735, "H", len(keys), keys, False),
        ],
    )


def terrain() -> None:
    """The same import flat and on a GeoTIFF DEM (Berlin's footprints, 1 m), interleaved."""
    catalogue = default_catalogue()
    bbox, area = pick(
        ("13.3720,52.5060,13.3790,52.5100", "480×450 m"),
        ("13.3740,52.5070,13.3770,52.5090", "200×220 m"),
    )
    flat = ImportOptions(voxel=1.0, bbox=bbox, licence="benchmark")
    result = import_level(BERLIN, flat, catalogue)
    frame, shape = result.raster.frame, result.raster.grid.shape
    x1, y1 = frame.to_world(np.array(shape[0]), np.array(shape[1]))
    extent = (frame.origin[0], frame.origin[1], float(x1), float(y1))
    with tempfile.TemporaryDirectory() as folder:
        dem = Path(folder) / "dgm5.tif"
        _slope_geotiff(dem, extent, frame.epsg)
        hill = ImportOptions(**{**flat.__dict__, "dem": dem})
        hilly = import_level(BERLIN, hill, catalogue)
        times: list[list[float]] = [[], []]
        for _ in range(REPEATS):
            times[0].append(_timed(import_level, BERLIN, flat, catalogue))
            times[1].append(_timed(import_level, BERLIN, hill, catalogue))
    plain, dem_time = map(statistics.median, times)
    print_table(
        (f"import (Berlin, 1 m, {area})", "level size", "import", "÷ flat"),
        [
            ("flat", "×".join(map(str, shape)), _ms(plain), "1.0×"),
            (
                "on a 5 m GeoTIFF DEM, 30 m rise",
                "×".join(map(str, hilly.raster.grid.shape)),
                _ms(dem_time),
                f"{dem_time / plain:.1f}×",
            ),
        ],
    )


if __name__ == "__main__":
    main()
    terrain()
