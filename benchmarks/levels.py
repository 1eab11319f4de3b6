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
interleaved; each column is the median. A second table puts the GDAL readers (GeoPackage,
Shapefile, FlatGeobuf, written by pyogrio from the same GeoJSON) beside the GeoJSON reader. Target (#15): an import within 5× of its read floor. Delft is 524 m wide, 12 m more than a level at 1 m, so at 1 m it is cut to
510 m with --bbox.
"""

import gc
import json
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import osmium
import pyogrio.raw
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


GDAL_FORMATS = [("GeoPackage", ".gpkg"), ("Shapefile", ".shp"), ("FlatGeobuf", ".fgb")]
TOWN_HOUSES = pick(40_000, 400)  # the generated town: a grid of houses, 8 m wide, 2 m apart


def _town(folder: Path) -> Path:
    """A generated GeoJSON town far larger than Berlin's sample (a district's ALKIS layer)."""
    side = int(TOWN_HOUSES**0.5)
    i, j = np.divmod(np.arange(side * side), side)
    x, y = 390_000 + i * 10.0, 5_818_000 + j * 10.0
    features = [
        {
            "type": "Feature",
            "id": n,
            "properties": {"height": float(3 + n % 7 * 3), "building": "yes"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[a, b], [a + 8, b], [a + 8, b + 8], [a, b + 8], [a, b]]],
            },
        }
        for n, (a, b) in enumerate(zip(x.tolist(), y.tolist()))
    ]
    path = folder / "town.geojson"
    crs = {"type": "name", "properties": {"name": "EPSG:25833"}}
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": features}))
    return path


def _as_gdal(source: Path, folder: Path) -> list[tuple[str, Path]]:
    """`source` as each GDAL format, written by pyogrio, in the file's feature order."""
    meta, _, geometry, fields = pyogrio.raw.read(str(source))
    files = [("GeoJSON", source)]
    for name, suffix in GDAL_FORMATS:
        path = folder / f"{source.stem}{suffix}"
        # no spatial index: it would reorder the features (see tests/io/test_ogr_import.py)
        options = {"layer_options": {"SPATIAL_INDEX": "NO"}} if suffix == ".fgb" else {}
        pyogrio.raw.write(
            str(path),
            geometry,
            fields,
            meta["fields"],
            crs=meta["crs"],
            geometry_type="Polygon",
            **options,
        )
        files.append((name, path))
    return files


def _peak_mb(path: Path, options: ImportOptions, catalogue) -> float:
    """The import's peak of memory allocated through Python (numpy arrays included; not
    GDAL's own buffers), in an untimed run: tracemalloc slows what it watches. The JSON
    readers' figure includes the 64 MB `read_document` asks for at most (a buffer the
    kernel does not fill, so not resident memory)."""
    tracemalloc.start()
    try:
        import_level(path, options, catalogue)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def gdal_main() -> None:
    """The GDAL readers beside the GeoJSON reader on the same data: Berlin and a generated town.

    Every format holds the same features in the same order and gives the same level, so the
    ratio to GeoJSON is the reader's own cost. Runs interleaved, medians.
    """
    catalogue = default_catalogue()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        town = (_town(folder), "4 m", ImportOptions(voxel=4.0, licence="benchmark"))
        berlin = (BERLIN, "2 m", ImportOptions(voxel=2.0, licence="benchmark"))
        sources = pick([berlin, town], [town])
        for source, label, options in sources:
            files = _as_gdal(source, folder)
            for _, path in files:
                import_level(path, options, catalogue)  # warm-up: GDAL's drivers, pyproj
            times: dict[str, list[float]] = {name: [] for name, _ in files}
            for _ in range(REPEATS):
                for name, path in files:
                    times[name].append(_timed(import_level, path, options, catalogue))
            reference = statistics.median(times["GeoJSON"])
            for name, path in files:
                median = statistics.median(times[name])
                rows.append(
                    (
                        source.name,
                        label,
                        name,
                        f"{path.stat().st_size / 2**20:.1f} MB",
                        _ms(median),
                        f"{median / reference:.2f}×",
                        f"{_peak_mb(path, options, catalogue):,.0f} MB",
                    )
                )
    print_table(
        ("source", "voxel size", "format", "file", "import", "÷ GeoJSON", "peak (Python)"),
        rows,
    )


if __name__ == "__main__":
    main()
    gdal_main()
