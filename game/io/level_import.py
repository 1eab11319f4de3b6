"""`quartier level import`: a GIS file becomes a georeferenced level; `READERS` lists the formats
(GeoJSON, CityJSON, CityGML, also several tiles, OpenStreetMap, GeoPackage, Shapefile...).

Reads the source, settles the CRS (the file's or `--crs`, checked against the data; the
level's from `--target-crs`, the source's or UTM), projects, voxelises on the ground (flat,
the buildings' bases or `--dem`), cuts the editable zone from a polygon file, and encodes
the level. Every check runs before anything
is written; the caller writes the returned document.
"""

import gc
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyproj import CRS

from game.core.bilingual import Text
from game.core.catalogue import Catalogue
from game.core.document import parse_json, validation_error
from game.core.errors import QuartierError
from game.core.i18n import text
from game.core.level import Goal, InfoMarker, LevelDocument, build_level_document
from game.io import (
    citygml_import,
    cityjson_import,
    geojson_import,
    ogr_import,
    osm_import,
    readers,
    terrain,
)
from game.io.features import District, licence_in, repaired_polygons
from game.io.georef import (
    WGS84,
    Frame,
    SourceCrs,
    check_plausible,
    crs_label,
    epsg_code,
    level_crs,
    looks_geographic,
    parse_crs,
    source_crs,
    transformer,
)
from game.io.storage import read_document
from game.io.voxelise import Raster, voxelise

BUDGET_EUR_PER_M2 = 23_000  # per m² of zone and m³ of voxel: the demo level's budget per column
DEFAULT_STOREYS = 3


class LevelSettings(BaseModel):
    """What city staff add to an import from a small JSON file: texts, goals, markers, budget."""

    model_config = ConfigDict(extra="forbid")
    description: Text | None = None
    goals: list[Goal] = Field(default_factory=list, max_length=20)
    markers: list[InfoMarker] = Field(default_factory=list, max_length=100)
    budget: float | None = Field(default=None, ge=0)
    allowed_blocks: list[str] | None = None
    zone_top: int | None = Field(default=None, ge=2)


@dataclass
class ImportOptions:
    voxel: float = 1.0
    bbox: str | None = None
    crs: str | None = None
    zone: Path | None = None
    id: str | None = None
    title_de: str | None = None
    title_en: str | None = None
    licence: str | None = None
    storey_m: float = 3.0
    settings: Path | None = None
    target_crs: str | None = None
    dem: Path | None = None
    fields: geojson_import.Fields = field(default_factory=geojson_import.Fields)

    @property
    def default_height_m(self) -> float:
        """What a footprint without any height is assumed to be."""
        return DEFAULT_STOREYS * self.storey_m


@dataclass
class Imported:
    doc: LevelDocument
    raster: Raster
    district: District = field(repr=False)
    crs: SourceCrs | None = None  # the source's CRS and where it came from, for the message


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in value.split(","))
    except ValueError:
        raise QuartierError("error.import_bbox", bbox=value) from None
    if not (x0 < x1 and y0 < y1) or not all(map(math.isfinite, (x0, y0, x1, y1))):
        raise QuartierError("error.import_bbox", bbox=value)
    return x0, y0, x1, y1


def _projector(src, dst):
    move = transformer(src, dst)
    if move is None:
        return lambda xy: xy
    return lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1]))


def _read_json(path: Path) -> Any:
    return parse_json(read_document(path), what=Path(path).name)


def _claims_osm(path: Path, start: bytes) -> bool:
    return osm_import.osm_format(path) is not None


def _claims_citygml(path: Path, start: bytes) -> bool:
    return citygml_import.is_citygml(path)


def _claims_json(path: Path, start: bytes) -> bool:
    """A JSON object: GeoJSON or CityJSON, its `type` tells which (a wrong one gets its own message).

    Not when gzipped: the JSON readers read the file as it is.
    """
    return readers.starts_with(start, b"{") and not readers.gzipped(path)


def _settings(path: Path | None) -> LevelSettings:
    if path is None:
        return LevelSettings()
    try:
        return LevelSettings.model_validate(_read_json(path))
    except ValidationError as exc:
        raise validation_error(Path(path).name, exc) from None


def _zone(path: Path | None, crs: CRS, frame: Frame, shape: tuple[int, int]) -> np.ndarray:
    """Columns whose centre lies in the polygons of a GeoJSON file (lon/lat or the level's CRS)."""
    if path is None:
        return np.ones(shape, bool)
    raw, what = _read_json(path), Path(path).name
    src = geojson_import.source_crs(raw, crs, geojson_import.sample_point(raw, what))
    project = _projector(src, crs)
    shapes = geojson_import.feature_shapes(geojson_import.features(raw, what), what)
    shapes = shapely.transform(repaired_polygons(shapes)[0], project)  # a union needs valid ones
    area = shapely.union_all([s for s in shapes if s.geom_type in geojson_import.POLYGONS])
    i, j = np.meshgrid(np.arange(shape[0]) + 0.5, np.arange(shape[1]) + 0.5, indexing="ij")
    inside = shapely.contains_xy(area, *frame.to_world(i, j))
    if not inside.any():
        raise QuartierError("error.import_zone_empty", what=what)
    return inside


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while importing; it runs again (and catches up) after.

    A parsed source is millions of small lists, and every few thousand new objects (shapely
    geometries, numpy arrays) the collector walked all of them again: half of parsing Delft
    (89 ms against 41 ms) and a varying share of the rest. An import makes no reference cycles
    worth collecting while it runs.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_level(
    source: Path | list[Path], options: ImportOptions, catalogue: Catalogue
) -> Imported:
    """The level document for `source` (a file, a folder of CityGML tiles, or a list of tiles);
    raises QuartierError (and writes nothing) on bad input."""
    with _no_cycle_collection():
        return _import(source, options, catalogue)


def _import(source: Path | list[Path], options: ImportOptions, catalogue: Catalogue) -> Imported:
    if not 1 <= options.voxel <= 4:
        raise QuartierError("error.import_voxel_size", voxel=f"{options.voxel:g}")
    if not 2 <= options.storey_m <= 6:
        raise QuartierError("error.import_storey_height", height=f"{options.storey_m:g}")
    settings = _settings(options.settings)
    for key in settings.allowed_blocks or []:
        catalogue.id(key)
    if isinstance(source, list) and len(source) == 1:
        source = source[0]
    if isinstance(source, list):  # several CityGML tiles
        return _import_citygml(source, options, catalogue, settings)
    reader = readers.choose(source, READERS)
    return reader.load(Path(source), options, catalogue, settings)


def _import_json(
    source: Path, options: ImportOptions, catalogue: Catalogue, settings: LevelSettings
) -> Imported:
    """GeoJSON or CityJSON: which one, the JSON's `type` says."""
    what = source.name
    raw = _read_json(source)
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in ("CityJSON", "FeatureCollection", "Feature"):
        raise QuartierError("error.import_format", what=what)
    licence = options.licence or licence_in(raw) or licence_in(raw.get("metadata") or {})
    if not licence:
        raise QuartierError("error.import_no_licence", what=what)
    sample: tuple[float, float, float, float] | None
    if kind == "CityJSON":
        cityjson_import.check(raw, what)
        src = source_crs(cityjson_import.crs_name(raw), options.crs, None, "CityJSON")
        sample = cityjson_import.extent(raw)
    else:
        sample = geojson_import.sample_extent(raw, what)
        named = geojson_import.crs_name(raw)
        default = WGS84 if sample is None or looks_geographic(sample) else None
        src = source_crs(named, options.crs, default, "GeoJSON")
    crs = _level_crs(src, sample, options)
    project = _projector(src.crs, crs)
    extent = _bbox_extent(options, src.crs, project)
    if kind == "CityJSON":
        district = cityjson_import.read_cityjson(
            raw, what, project, options.voxel, options.storey_m, options.default_height_m
        )
    else:
        district = geojson_import.read_geojson(
            raw, what, project, options.storey_m, options.default_height_m, options.fields
        )
    return _finish(district, extent, crs, options, catalogue, settings, what, licence, src)


def _level_crs(
    src: SourceCrs, sample: tuple[float, float, float, float] | None, options: ImportOptions
) -> CRS:
    """Check the source's CRS against the data's extent (`sample`), then pick the level's CRS.

    Any reader calls this once it knows the CRS its file names and roughly where its data
    lies, so a wrong `--crs` is refused before anything is read in it.
    """
    if sample is not None:
        check_plausible(src, sample)
    x0, y0, x1, y1 = sample or (0.0, 0.0, 0.0, 0.0)
    lon_lat = _projector(src.crs, WGS84)(np.array([[(x0 + x1) / 2, (y0 + y1) / 2]]))[0]
    try:
        target = parse_crs(options.target_crs) if options.target_crs else None
    except QuartierError:
        raise QuartierError("error.import_target_crs_unknown", crs=options.target_crs) from None
    return level_crs(src.crs, target, (float(lon_lat[0]), float(lon_lat[1])))


def _import_osm(
    source: Path, options: ImportOptions, catalogue: Catalogue, settings: LevelSettings
) -> Imported:
    """OSM is WGS84 by definition and ODbL unless city staff name another licence."""
    what = source.name
    fmt = osm_import.osm_format(source)
    assert fmt is not None  # READERS chose this reader because it is OSM data
    data = osm_import.read_osm(source, fmt)
    src = source_crs(None, options.crs, WGS84, "OSM")
    crs = _level_crs(src, _bounds(data.shapes), options)
    project = _projector(WGS84, crs)
    extent = _bbox_extent(options, WGS84, project)
    district = _read_tagged(data, project, options, osm_import.LICENCE)
    for _ in range(data.incomplete):
        district.skip("Polygon")
    licence = options.licence or osm_import.LICENCE
    return _finish(district, extent, crs, options, catalogue, settings, what, licence, src)


def _import_ogr(
    source: Path, options: ImportOptions, catalogue: Catalogue, settings: LevelSettings
) -> Imported:
    """GeoPackage, Shapefile, FlatGeobuf: the file's own CRS unless --crs overrides it.

    --crs wins because a Shapefile's .prj is often missing or wrong (an ESRI name GDAL reads
    as another datum); the import says which CRS it used (`Imported.crs`).
    """
    what = source.name
    licence = options.licence
    if not licence:
        raise QuartierError("error.import_no_licence", what=what)
    data = ogr_import.read_ogr(source, what, options.fields)
    sample = _bounds(data.shapes)
    # a Shapefile without its .prj is lon/lat if its numbers can be
    default = WGS84 if sample is not None and looks_geographic(sample) else None
    src = source_crs(data.crs, options.crs, default, what)
    crs = _level_crs(src, sample, options)
    project = _projector(src.crs, crs)
    extent = _bbox_extent(options, src.crs, project)
    district = _read_tagged(data, project, options, licence)
    return _finish(district, extent, crs, options, catalogue, settings, what, licence, src)


def _bounds(shapes: np.ndarray) -> tuple[float, float, float, float] | None:
    """The extent of a reader's shapes, for the plausibility of their CRS (None: no shapes)."""
    if not len(shapes):
        return None
    x0, y0, x1, y1 = shapely.total_bounds(shapes).tolist()
    return x0, y0, x1, y1


def _read_tagged(
    data: osm_import.OsmData | ogr_import.OgrData, project, options: ImportOptions, licence: str
) -> District:
    """The district of a reader's tagged shapes, projected into the level's CRS."""
    return geojson_import.read_tagged(
        data.names,
        data.tags,
        shapely.transform(data.shapes, project),
        options.storey_m,
        options.default_height_m,
        licence,
    )


def _import_citygml(
    source: Path | list[Path], options: ImportOptions, catalogue: Catalogue, settings: LevelSettings
) -> Imported:
    """One CityGML tile, a folder of tiles or a list of them: the first tile's CRS (or --crs)
    places the level, and every tile is projected from its own."""
    paths = citygml_import.tiles(source if isinstance(source, list) else [source])
    what = Path(source[0] if isinstance(source, list) else source).name
    if not options.licence:
        raise QuartierError("error.import_no_licence", what=what)
    peeked = [citygml_import.peek(p) for p in paths]
    srcs = [source_crs(t.srs, options.crs, None, "CityGML") for t in peeked]
    corner = peeked[0].sample
    crs = _level_crs(srcs[0], corner and (*corner, *corner), options)
    extent = _bbox_extent(options, srcs[0].crs, _projector(srcs[0].crs, crs))
    district = citygml_import.read_citygml(
        [(path, src.crs) for path, src in zip(paths, srcs)],
        lambda src: _projector(src, crs),
        options.voxel,
        options.storey_m,
        options.default_height_m,
        extent,
    )
    return _finish(
        district, extent, crs, options, catalogue, settings, what, options.licence, srcs[0]
    )


def _bbox_extent(
    options: ImportOptions, src: CRS, project
) -> tuple[float, float, float, float] | None:
    """The --bbox (in the source's CRS) in the level's CRS, densified so its bounds stay right.

    A bbox in degrees for a source in metres (or the other way round) selected nothing and
    ended in "Nothing to import"; it is refused naming the source's CRS instead.
    """
    if not options.bbox:
        return None
    bbox = parse_bbox(options.bbox)
    if looks_geographic(bbox) != bool(src.is_geographic):
        key = "error.import_bbox_degrees" if src.is_geographic else "error.import_bbox_metres"
        raise QuartierError(key, bbox=options.bbox, crs=crs_label(src))
    box = shapely.segmentize(shapely.box(*bbox), _segment(src))
    x0, y0, x1, y1 = shapely.transform(box, project).bounds
    return x0, y0, x1, y1


def _finish(
    district: District,
    extent: tuple[float, float, float, float] | None,
    crs: CRS,
    options: ImportOptions,
    catalogue: Catalogue,
    settings: LevelSettings,
    what: str,
    licence: str,
    src: SourceCrs | None = None,
) -> Imported:
    """Voxelise the district, cut the zone and encode the level: the same for every reader."""
    if extent is not None:
        district.cut = district.cut_by(extent)
    extent = extent or district.bounds
    if extent is None:
        raise QuartierError("error.import_empty")
    district.missing_heights = district.guessed_in(extent)
    dem = _dem(options.dem, crs, src.crs if src else crs)
    raster = voxelise(district, options.voxel, extent, catalogue, epsg_code(crs), dem)
    zone = _zone(options.zone, crs, raster.frame, raster.grid.shape[:2])
    try:
        doc = _document(raster, zone, catalogue, settings, options, what, licence)
    except ValidationError as exc:  # e.g. an --id with capitals, a marker outside the level
        raise validation_error(what, exc) from None
    return Imported(doc, raster, district, src)


def _dem(path: Path | None, crs: CRS, source: CRS) -> terrain.Sampler | None:
    """The ground heights of `--dem` at points of the level's CRS; a DEM without a CRS of its
    own (XYZ, a GeoTIFF without GeoKeys) is in the source's CRS."""
    return None if path is None else terrain.read_dem(path).sampler(crs, source)


def _document(
    raster: Raster,
    zone: np.ndarray,
    catalogue: Catalogue,
    settings: LevelSettings,
    options: ImportOptions,
    what: str,
    licence: str,
) -> LevelDocument:
    level_id = options.id or what.split(".")[0].lower()
    title = Text(
        de=options.title_de or options.title_en or level_id,
        en=options.title_en or options.title_de or level_id,
    )
    zone_m2 = float(zone.sum()) * options.voxel**2
    return build_level_document(
        city=raster.grid,
        zone_columns=zone,
        catalogue=catalogue,
        zone_top=min(settings.zone_top or raster.grid.shape[2], raster.grid.shape[2]),
        id=level_id,
        title=title,
        description=settings.description
        or Text(
            de=text("de", "level.imported", source=what),
            en=text("en", "level.imported", source=what),
        ),
        voxel_size_m=options.voxel,
        storey_height_m=options.storey_m,
        budget=settings.budget
        if settings.budget is not None
        else round(BUDGET_EUR_PER_M2 * zone_m2 / options.voxel**3, -3),
        goals=settings.goals,
        markers=settings.markers,
        allowed_blocks=settings.allowed_blocks,
        georeference=raster.frame.georeference(),
        buildings=raster.buildings,
        source=what,
        licence=licence,
    )


def _segment(crs) -> float:
    """Densify a bbox before projecting it, so its projected bounds stay right: ~100 m steps."""
    return 0.001 if crs.equals(WGS84) or crs.is_geographic else 100.0


Load = Callable[[Path, ImportOptions, Catalogue, LevelSettings], Imported]
# The readers, chosen by content in this order; a new reader joins with one line.
READERS: list[readers.Reader[Load]] = [
    readers.Reader("OpenStreetMap (.osm, .osm.gz, .pbf)", _claims_osm, _import_osm),
    readers.Reader("GeoJSON (.geojson), CityJSON (.city.json)", _claims_json, _import_json),
    readers.Reader(ogr_import.FORMATS, ogr_import.claims, _import_ogr),
    # after the GDAL formats: CityGML claims any folder, GDAL only one holding Shapefiles
    readers.Reader("CityGML (.gml, .xml)", _claims_citygml, _import_citygml),
]
