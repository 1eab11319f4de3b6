"""`quartier level import`: a GeoJSON, CityJSON, CityGML or OpenStreetMap file (or several
CityGML tiles) becomes a georeferenced level.

Reads the source, settles the CRS (source, given, or UTM), projects, voxelises, cuts the
editable zone from a polygon file, and encodes the level. Every check runs before anything
is written; the caller writes the returned document.
"""

import gc
import math
from collections.abc import Iterator
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
from game.io import citygml_import, cityjson_import, geojson_import, osm_import
from game.io.features import District, licence_in
from game.io.georef import WGS84, Frame, epsg_code, level_crs, parse_crs, transformer
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

    @property
    def default_height_m(self) -> float:
        """What a footprint without any height is assumed to be."""
        return DEFAULT_STOREYS * self.storey_m


@dataclass
class Imported:
    doc: LevelDocument
    raster: Raster
    district: District = field(repr=False)


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


def _read_source_json(path: Path, what: str) -> Any:
    """A JSON source; a file that does not even start like JSON is none of the formats read.

    Only a file starting with `{` gets JSON's line and column of a syntax error: for a
    CityGML, Shapefile or text file "not valid JSON (line 1, column 1)" named the wrong problem.
    """
    data = read_document(path)
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise QuartierError("error.import_format", what=what)
    return parse_json(data, what=what)


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
    shapes = shapely.transform(shapes, project)
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
    if isinstance(source, list) or citygml_import.is_citygml(source):
        return _import_citygml(source, options, catalogue, settings)
    what = Path(source).name
    fmt = osm_import.osm_format(source)
    if fmt is not None:
        return _import_osm(osm_import.read_osm(source, fmt), options, catalogue, settings, what)
    raw = _read_source_json(source, what)
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in ("CityJSON", "FeatureCollection", "Feature"):
        raise QuartierError("error.import_format", what=what)
    licence = options.licence or licence_in(raw) or licence_in(raw.get("metadata") or {})
    if not licence:
        raise QuartierError("error.import_no_licence", what=what)
    given = parse_crs(options.crs) if options.crs else None
    if kind == "CityJSON":
        cityjson_import.check(raw, what)
        src = cityjson_import.source_crs(raw, given)
        lon_lat = tuple(raw["transform"]["translate"][:2])
    else:
        lon_lat = geojson_import.sample_point(raw, what) or (0.0, 0.0)
        src = geojson_import.source_crs(raw, given, lon_lat)
    crs = level_crs(src, given, lon_lat)
    project = _projector(src, crs)
    extent = _bbox_extent(options, src, project)
    if kind == "CityJSON":
        district = cityjson_import.read_cityjson(raw, what, project, options.voxel)
    else:
        district = geojson_import.read_geojson(
            raw, what, project, options.storey_m, options.default_height_m
        )
    return _finish(district, extent, crs, options, catalogue, settings, what, licence)


def _import_osm(
    data: osm_import.OsmData,
    options: ImportOptions,
    catalogue: Catalogue,
    settings: LevelSettings,
    what: str,
) -> Imported:
    """OSM is WGS84 by definition and ODbL unless city staff name another licence."""
    lon_lat = data.sample() or (0.0, 0.0)
    crs = level_crs(WGS84, parse_crs(options.crs) if options.crs else None, lon_lat)
    project = _projector(WGS84, crs)
    extent = _bbox_extent(options, WGS84, project)
    district = geojson_import.read_tagged(
        data.names,
        data.tags,
        shapely.transform(data.shapes, project),
        options.storey_m,
        options.default_height_m,
        osm_import.LICENCE,
    )
    for _ in range(data.incomplete):
        district.skip("Polygon")
    licence = options.licence or osm_import.LICENCE
    return _finish(district, extent, crs, options, catalogue, settings, what, licence)


def _import_citygml(
    source: Path | list[Path], options: ImportOptions, catalogue: Catalogue, settings: LevelSettings
) -> Imported:
    """One CityGML tile, a folder of tiles or a list of them: the first tile's CRS (or --crs)
    places the level, and every tile is projected from its own."""
    paths = citygml_import.tiles(source if isinstance(source, list) else [source])
    what = Path(source[0] if isinstance(source, list) else source).name
    if not options.licence:
        raise QuartierError("error.import_no_licence", what=what)
    given = parse_crs(options.crs) if options.crs else None
    peeked = [citygml_import.peek(p) for p in paths]
    crss = [citygml_import.source_crs(t, given) for t in peeked]
    crs = level_crs(crss[0], given, peeked[0].sample or (0.0, 0.0))
    extent = _bbox_extent(options, crss[0], _projector(crss[0], crs))
    district = citygml_import.read_citygml(
        list(zip(paths, crss)),
        lambda src: _projector(src, crs),
        options.voxel,
        options.storey_m,
        options.default_height_m,
        extent,
    )
    return _finish(district, extent, crs, options, catalogue, settings, what, options.licence)


def _bbox_extent(
    options: ImportOptions, src: CRS, project
) -> tuple[float, float, float, float] | None:
    """The --bbox (in the source's CRS) in the level's CRS, densified so its bounds stay right."""
    if not options.bbox:
        return None
    box = shapely.segmentize(shapely.box(*parse_bbox(options.bbox)), _segment(src))
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
) -> Imported:
    """Voxelise the district, cut the zone and encode the level: the same for every reader."""
    extent = extent or district.bounds
    if extent is None:
        raise QuartierError("error.import_empty")
    raster = voxelise(district, options.voxel, extent, catalogue, epsg_code(crs))
    zone = _zone(options.zone, crs, raster.frame, raster.grid.shape[:2])
    try:
        doc = _document(raster, zone, catalogue, settings, options, what, licence)
    except ValidationError as exc:  # e.g. an --id with capitals, a marker outside the level
        raise validation_error(what, exc) from None
    return Imported(doc, raster, district)


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
