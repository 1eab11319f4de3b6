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
interleaved; each column is the median. Target (#15): an import within 5× of its read floor.
A second table imports a CityGML tile the script generates (50 MB; `--quick` 1 MB) beside
lxml's iterparse over it, each in a child process that reports its own peak memory (< 1 GB).
A third puts the GDAL readers (GeoPackage, Shapefile, FlatGeobuf, written by pyogrio from the
same GeoJSON) beside the GeoJSON reader. Delft is 524 m wide, 12 m more than a level at 1 m, so at 1 m it is cut to
510 m with --bbox.
A second table imports Berlin's footprints flat and on a generated GeoTIFF DEM (`--dem`, a
30 m rise), interleaved: what the ground model costs beside the import itself.
"""

import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import osmium
import pyogrio.raw
import tifffile
from lxml import etree
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


# --- CityGML: a generated state-survey tile -----------------------------------------------------

CITYGML_MB = pick(50, 1)
CITYGML_REPEATS = pick(3, 1)
CITYGML_CHILD = "--citygml-child"
TILE_M = 1000.0  # the tile's width: at 2 m voxels it is one level


def _house(n: int, x: float, y: float) -> str:
    """One LoD2 gabled house as a German LoD2 tile writes it: bounded-by surfaces only, ALKIS
    function, ids on every polygon, a few generic attributes."""
    w, d, eaves, ridge, z = 8.0, 6.0, 6.0 + n % 5, 9.0 + n % 5, 240.0 + (x + y) / 100
    corners = [(x, y), (x + w, y), (x + w, y + d), (x, y + d)]
    ring = lambda pts: " ".join(f"{a:.3f} {b:.3f} {c:.3f}" for a, b, c in [*pts, pts[0]])  # noqa: E731
    surfaces = [("GroundSurface", [(a, b, z) for a, b in reversed(corners)])]
    for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1]):
        surfaces.append(
            ("WallSurface", [(ax, ay, z), (bx, by, z), (bx, by, z + eaves), (ax, ay, z + eaves)])
        )
    mid = y + d / 2
    surfaces.append(
        (
            "RoofSurface",
            [
                (x, y, z + eaves),
                (x + w, y, z + eaves),
                (x + w, mid, z + ridge),
                (x, mid, z + ridge),
            ],
        )
    )
    surfaces.append(
        (
            "RoofSurface",
            [
                (x + w, y + d, z + eaves),
                (x, y + d, z + eaves),
                (x, mid, z + ridge),
                (x + w, mid, z + ridge),
            ],
        )
    )
    surfaces.append(
        ("WallSurface", [(x, y, z + eaves), (x, mid, z + ridge), (x, y + d, z + eaves)])
    )
    surfaces.append(
        ("WallSurface", [(x + w, y + d, z + eaves), (x + w, mid, z + ridge), (x + w, y, z + eaves)])
    )
    bounded = "".join(
        f'<bldg:boundedBy><bldg:{kind} gml:id="DEBY_{n}_{k}"><bldg:lod2MultiSurface><gml:MultiSurface>'
        f'<gml:surfaceMember><gml:Polygon gml:id="DEBY_{n}_{k}_p"><gml:exterior><gml:LinearRing>'
        f'<gml:posList srsDimension="3">{ring(pts)}</gml:posList></gml:LinearRing></gml:exterior>'
        f"</gml:Polygon></gml:surfaceMember></gml:MultiSurface></bldg:lod2MultiSurface></bldg:{kind}>"
        f"</bldg:boundedBy>"
        for k, (kind, pts) in enumerate(surfaces)
    )
    attributes = "".join(
        f'<gen:stringAttribute name="{k}"><gen:value>{v}</gen:value></gen:stringAttribute>'
        for k, v in (
            ("DatenquelleDachhoehe", "1000"),
            ("DatenquelleLage", "1000"),
            ("Gemeindeschluessel", "09162000"),
            ("Grundrissaktualitaet", "2023-04-01"),
        )
    )
    return (
        f'<core:cityObjectMember><bldg:Building gml:id="DEBY_LOD2_{n}">{attributes}'
        f"<bldg:function>31001_1000</bldg:function><bldg:roofType>1030</bldg:roofType>"
        f'<bldg:measuredHeight uom="urn:adv:uom:m">{ridge}</bldg:measuredHeight>'
        f"<bldg:storeysAboveGround>2</bldg:storeysAboveGround>{bounded}</bldg:Building></core:cityObjectMember>\n"
    )


def write_citygml_tile(path: Path, megabytes: float) -> int:
    """A CityGML 2.0 tile of about `megabytes` MB of houses spread over one square kilometre."""
    per_house = len(_house(0, 0.0, 0.0).encode())
    count = max(4, int(megabytes * 1e6 / per_house))
    side = int(count**0.5) + 1
    step = TILE_M / side
    x0, y0 = 691000.0, 5335000.0
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<core:CityModel '
            'xmlns:core="http://www.opengis.net/citygml/2.0" '
            'xmlns:bldg="http://www.opengis.net/citygml/building/2.0" '
            'xmlns:gen="http://www.opengis.net/citygml/generics/2.0" xmlns:gml="http://www.opengis.net/gml">'
            '<gml:boundedBy><gml:Envelope srsName="urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH" srsDimension="3">'
            f"<gml:lowerCorner>{x0} {y0} 200</gml:lowerCorner><gml:upperCorner>{x0 + TILE_M} {y0 + TILE_M} 300</gml:upperCorner>"
            "</gml:Envelope></gml:boundedBy>\n"
        )
        for n in range(count):
            f.write(_house(n, x0 + (n % side) * step, y0 + (n // side) * step))
        f.write("</core:CityModel>\n")
    return count


def _citygml_floor(path: Path) -> None:
    """The least a streaming reader does: lxml's iterparse over the whole tile, each city object
    cleared and dropped once parsed (the reader's own bounded-memory loop, without geometry)."""
    member = "{http://www.opengis.net/citygml/2.0}cityObjectMember"
    for _, elem in etree.iterparse(str(path), events=("end",), tag=member, huge_tree=True):
        elem.clear()
        while elem.getprevious() is not None:
            del elem.getparent()[0]


def _citygml_child(work: str, path: Path) -> None:
    """In its own process, so its peak memory (its own ru_maxrss) is the work's: prints the
    seconds and the peak in KB."""
    if work == "import":
        options = ImportOptions(voxel=2.0, licence="benchmark")
        catalogue = default_catalogue()
        start = time.perf_counter()
        import_level(path, options, catalogue)
    else:
        start = time.perf_counter()
        _citygml_floor(path)
    print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _in_child(work: str, path: Path) -> tuple[float, float]:
    """(seconds, peak resident MB) of one child process doing `work` on the tile."""
    done = subprocess.run(
        [sys.executable, __file__, CITYGML_CHILD, work, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak_kb = done.stdout.split()[-2:]
    return float(seconds), int(peak_kb) / 1024


def citygml_rows() -> None:
    """Import of a generated CityGML tile beside its read floor, each in a child process."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lod2-tile.gml"
        houses = write_citygml_tile(path, CITYGML_MB)
        times: dict[str, list[float]] = {"floor": [], "import": []}
        peaks = {"floor": 0.0, "import": 0.0}
        for _ in range(CITYGML_REPEATS):
            for work in ("floor", "import"):  # interleaved
                seconds, peak = _in_child(work, path)
                times[work].append(seconds)
                peaks[work] = max(peaks[work], peak)
        floor, imported = (statistics.median(times[w]) for w in ("floor", "import"))
        print_table(
            (
                "CityGML tile",
                "houses",
                "read floor (iterparse)",
                "import (2 m)",
                "÷ floor",
                "peak memory, floor",
                "peak memory, import",
            ),
            [
                (
                    f"{path.stat().st_size / 1e6:.0f} MB LoD2, bounded-by",
                    f"{houses:,}",
                    _ms(floor),
                    _ms(imported),
                    f"{imported / floor:.1f}×",
                    f"{peaks['floor']:.0f} MB",
                    f"{peaks['import']:.0f} MB",
                )
            ],
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
    if sys.argv[1:2] == [CITYGML_CHILD]:
        _citygml_child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
        citygml_rows()
        terrain()
        gdal_main()
