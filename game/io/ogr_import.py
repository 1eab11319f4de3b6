"""Reading GeoPackage, Shapefile and FlatGeobuf with pyogrio (GDAL) into tagged shapes.

What a planning office holds: ALKIS or a municipal building layer as GeoPackage or Shapefile
(a `.shp` with its `.shx` and `.dbf`, a zip holding one, or the folder it was unpacked into),
or FlatGeobuf. pyogrio reads a whole layer at once into numpy arrays (WKB geometries, one array
per attribute), so no Python loop runs per vertex. The attributes become OSM-style tags
(`geojson_import.Fields`: --height-field, --levels-field, --use-field, the ALKIS and GDAL-OSM
presets) and `geojson_import.read_tagged` makes the district, as for GeoJSON and raw OSM.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from game.core.errors import QuartierError
from game.io.geojson_import import Fields
from game.io.readers import head

SQLITE_MAGIC = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")  # SQLite header bytes 68-71
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian
FLATGEOBUF_MAGIC = b"fgb"  # then the major version, "fgb", and the spec's patch byte
ZIP_MAGIC = b"PK\x03\x04"
ID_FIELDS = ("gml_id", "id", "osm_id", "osm_way_id", "oid", "objectid", "OBJECTID")
FORMATS = "GeoPackage (.gpkg), Shapefile (.shp, .zip), FlatGeobuf (.fgb)"


def claims(path: Path, start: bytes) -> bool:
    """Whether GDAL should read the file, by its content: each format's magic bytes."""
    if path.is_dir():
        return bool(_shapefiles(path))
    if start.startswith(SQLITE_MAGIC):
        return start[68:72] in GPKG_APPLICATION_IDS
    if start.startswith(SHAPEFILE_MAGIC):
        return True
    if start[:3] == FLATGEOBUF_MAGIC and start[4:7] == FLATGEOBUF_MAGIC:
        return True
    if start.startswith(ZIP_MAGIC):
        return bool(_zipped_shapefiles(path))
    return False


def _shapefiles(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".shp")


def _zipped_shapefiles(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return sorted(n for n in archive.namelist() if n.lower().endswith(".shp"))
    except (OSError, zipfile.BadZipFile):
        return []


def _datasets(path: Path) -> list[str]:
    """What GDAL opens: the file itself, each Shapefile of a folder, or of a zip (`/vsizip/`)."""
    if path.is_dir():
        shapefiles = _shapefiles(path)
        _check_dbf([p.name for p in shapefiles], {p.name.lower() for p in path.iterdir()})
        return [str(p) for p in shapefiles]
    if head(path).startswith(ZIP_MAGIC):
        names = _zipped_shapefiles(path)
        with zipfile.ZipFile(path) as archive:
            _check_dbf(names, {n.lower() for n in archive.namelist()})
        return [f"/vsizip/{path.resolve()}/{name}" for name in names]
    if path.suffix.lower() == ".shp":
        _check_dbf([path.name], {p.name.lower() for p in path.parent.iterdir()})
    return [str(path)]


def _check_dbf(shapefiles: list[str], present: set[str]) -> None:
    """Refuse a Shapefile whose .dbf is missing: GDAL reads it without a word, but every
    height and use is in the .dbf, so each building would silently get the default height.
    Offices often send the .shp alone."""
    for name in shapefiles:
        dbf = name[: -len(".shp")] + ".dbf"
        if dbf.lower() not in present:
            raise QuartierError(
                "error.import_shapefile_dbf", what=Path(name).name, dbf=Path(dbf).name
            )


@dataclass
class OgrData:
    """Shapes in the file's CRS with their attributes as tags, in the file's order."""

    names: list[str]
    tags: list[dict]
    shapes: np.ndarray
    crs: CRS | None  # None: the file does not say

    def sample(self) -> tuple[float, float] | None:
        """Any one coordinate pair, to tell lon/lat from metres and pick a UTM zone."""
        if not len(self.shapes):
            return None
        xy = shapely.get_coordinates(self.shapes[:1])
        return (float(xy[0, 0]), float(xy[0, 1])) if len(xy) else None


def read_ogr(path: Path, what: str, fields: Fields) -> OgrData:
    """Every layer of the source (all of a GeoPackage's, every Shapefile of a folder or zip).

    A field city staff name must be in one layer at least: the buildings have a height, the
    streets beside them need none.

    The layers must share one CRS: a level has one, and reprojecting them apart would hide
    that they came from different places.
    """
    import pyogrio.errors  # here: GDAL takes 0.14 s to load, which other imports need not wait for
    import pyogrio.raw

    names: list[str] = []
    tags: list[dict] = []
    shapes: list[np.ndarray] = []
    crs: CRS | None = None
    every_field: list[str] = []
    try:
        for dataset in _datasets(Path(path)):
            for layer, kind in pyogrio.list_layers(dataset):
                if kind is None:  # a table without geometries (notes, a lookup of codes)
                    continue
                meta, fids, wkb, columns = pyogrio.raw.read(
                    dataset, layer=layer, force_2d=True, return_fids=True
                )
                crs = _same_crs(crs, meta.get("crs"), what)
                every_field += meta["fields"].tolist()
                chosen = fields.resolved(meta["fields"], what, strict=False)
                rows = [
                    dict(zip(meta["fields"], values))
                    for values in zip(*(c.tolist() for c in columns))
                ]
                if not rows:
                    rows = [{} for _ in range(len(wkb))]
                tags += [chosen.tags(row) for row in rows]
                names += [_name(layer, fid, row) for fid, row in zip(fids.tolist(), rows)]
                shapes.append(shapely.from_wkb(wkb))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise QuartierError(
            "error.import_ogr_unreadable", what=what, reason=str(exc).split("\n")[0]
        ) from None
    fields.resolved(every_field, what)  # a named field must be in one layer at least
    found = np.concatenate(shapes) if shapes else np.array([], dtype=object)
    keep = ~shapely.is_missing(found)  # a feature without a geometry is nothing to place
    return OgrData(
        [n for n, k in zip(names, keep) if k],
        [t for t, k in zip(tags, keep) if k],
        found[keep],
        crs,
    )


def _name(layer: str, fid: int, row: dict) -> str:
    """How a warning names a feature: its layer and GDAL feature id (as QGIS shows them), and
    its own id (ALKIS `gml_id`, an OSM id) where it has one."""
    ident = next((row[k] for k in ID_FIELDS if row.get(k) not in (None, "")), None)
    return f"{layer} #{fid}" + (f" ({ident})" if ident is not None else "")


def _same_crs(known: CRS | None, named: str | None, what: str) -> CRS | None:
    if named is None:
        return known
    try:
        crs = CRS.from_user_input(named)
    except CRSError:
        raise QuartierError("error.import_crs_unknown", crs=named[:80]) from None
    if known is not None and not known.equals(crs):
        raise QuartierError(
            "error.import_ogr_crs_differ", what=what, first=known.name, other=crs.name
        )
    return crs
