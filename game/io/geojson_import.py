"""Reading a GeoJSON FeatureCollection (OSM-style tags) into a `District`.

Building footprints get their height from `height`, `building:height`, `levels` or
`building:levels` (× the storey height); OSM tags pick our blocks; `highway` lines are
buffered to their width. Coordinates are WGS84 unless the file (legacy `crs` member) or
city staff (`--crs`) say otherwise, and are projected with pyproj into the level's CRS.
"""

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from game.core.errors import QuartierError
from game.io.features import (
    Area,
    Building,
    District,
    Faces,
    Point,
    licence_in,
    repaired_polygons,
)
from game.io.georef import WGS84, looks_geographic, parse_crs

POLYGONS = ("Polygon", "MultiPolygon")
LINES = ("LineString", "MultiLineString")
POINTS = ("Point", "MultiPoint")
SUPPORTED = POLYGONS + LINES + POINTS
TREE_HEIGHT_M = 6.0
FOUNTAIN_RADIUS_M = 3.0  # a fountain mapped as a point: a basin of water around it

# (tag, value or None for any value) -> block key; the first match wins.
BUILDING_USE: list[tuple[str, str | None, str]] = [
    ("amenity", "school", "school"),
    ("building", "school", "school"),
    ("amenity", "kindergarten", "kindergarten"),
    ("building", "kindergarten", "kindergarten"),
    ("amenity", "library", "library"),
    ("amenity", "community_centre", "community_centre"),
    ("amenity", "youth_centre", "youth_club"),
    ("amenity", "hospital", "health_centre"),
    ("amenity", "clinic", "health_centre"),
    ("amenity", "doctors", "health_centre"),
    ("building", "hospital", "health_centre"),
    ("building", "office", "office"),
    ("building", "commercial", "office"),
    ("office", None, "office"),
    ("building", "retail", "shop"),
    ("building", "supermarket", "shop"),
    ("shop", None, "shop"),
    ("amenity", "marketplace", "market_hall"),
    ("building", "industrial", "workshop"),
    ("building", "warehouse", "workshop"),
    ("building", "dormitory", "student_housing"),
]
DEFAULT_BUILDING = "housing"
AREA_BLOCKS: list[tuple[str, str | None, str]] = [
    ("natural", "water", "water"),
    ("waterway", None, "water"),
    ("landuse", "reservoir", "water"),
    ("landuse", "basin", "water"),
    ("leisure", "playground", "playground"),
    ("leisure", "pitch", "sports_court"),
    ("leisure", "park", "grass"),
    ("leisure", "garden", "urban_garden"),
    ("landuse", "allotments", "urban_garden"),
    ("landuse", "grass", "grass"),
    ("landuse", "meadow", "grass"),
    ("landuse", "village_green", "grass"),
    ("landuse", "forest", "grass"),
    ("natural", "wood", "grass"),
    ("natural", "scrub", "grass"),
    ("natural", "grassland", "grass"),
    ("landuse", "flowerbed", "flower_bed"),
    ("amenity", "parking", "parking"),
    ("place", "square", "plaza"),
    ("highway", "pedestrian", "plaza"),
]
HIGHWAY: dict[str, tuple[str, float]] = {  # highway value -> (block, width in metres if not tagged)
    "motorway": ("road", 14),
    "trunk": ("road", 12),
    "primary": ("road", 10),
    "secondary": ("road", 9),
    "tertiary": ("road", 8),
    "residential": ("road", 6),
    "unclassified": ("road", 6),
    "service": ("road", 4),
    "living_street": ("plaza", 5),
    "pedestrian": ("plaza", 6),
    "footway": ("footpath", 2),
    "path": ("footpath", 2),
    "steps": ("footpath", 2),
    "cycleway": ("bike_lane", 2),
    "bus_stop": ("bus_stop", 3),
}
_NUMBER = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(m|metres|meters)?\s*$")


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = _NUMBER.match(value) if isinstance(value, str) else None
    return float(match.group(1).replace(",", ".")) if match else None


def _first(tags: dict, names: tuple[str, ...]) -> float | None:
    for name in names:
        value = _number(tags.get(name))
        if value is not None and value > 0:
            return value
    return None


def building_height(tags: dict, storey_m: float) -> float | None:
    """Metres from the ground to the roof, from the tags, or None when they say nothing usable."""
    height = _first(tags, ("height", "building:height"))
    if height is not None:
        return height
    levels = _first(tags, ("levels", "building:levels"))
    return None if levels is None else levels * storey_m


def _bottom(tags: dict, storey_m: float) -> float:
    height = _first(tags, ("min_height", "minHeight", "building:min_height"))
    if height is not None:
        return height
    levels = _first(tags, ("min_level", "minLevel", "building:min_level"))
    return 0.0 if levels is None else levels * storey_m


def _match(tags: dict, table: list[tuple[str, str | None, str]]) -> str | None:
    for tag, value, block in table:
        if tag in tags and (value is None or tags[tag] == value):
            return block
    return None


def building_use(tags: dict) -> str | None:
    """The block a building's tags give it (school, shop...), or None for a plain one."""
    return _match(tags, BUILDING_USE)


def ground_block(tags: dict) -> str | None:
    """The block an area's tags paint on the ground (water, grass, plaza...), or None."""
    return _match(tags, AREA_BLOCKS)


# ALKIS `gebaeudefunktion` (AX_Gebaeudefunktion) -> the OSM tag that gives the same block.
# Codes not listed (1000 Wohngebäude, 1010 Wohnhaus, ...) stay plain housing.
ALKIS_USE: dict[str, tuple[str, str]] = {
    "1024": ("building", "dormitory"),  # Studenten-, Schülerwohnheim
    **dict.fromkeys(
        ("2000", "2010", "2050", "2051", "2052", "2054", "2055", "2056"), ("building", "retail")
    ),
    "2053": ("amenity", "marketplace"),  # Markthalle
    **dict.fromkeys(("2020", "2030", "3010"), ("building", "office")),
    **dict.fromkeys(("2100", "2110", "2111", "2112", "2120", "2140"), ("building", "industrial")),
    **dict.fromkeys(("3020", "3021", "3022", "3023"), ("building", "school")),
    "3037": ("amenity", "library"),  # Bibliothek, Bücherei
    **dict.fromkeys(("3050", "3051", "3052"), ("amenity", "hospital")),
    "3061": ("amenity", "youth_centre"),  # Jugendfreizeitheim
    "3062": ("amenity", "community_centre"),  # Freizeit-, Vereinsheim, Bürgerhaus
    "3065": ("amenity", "kindergarten"),  # Kinderkrippe, Kindergarten, Kita
}
PRESETS: dict[str, dict[str, str]] = {
    # ALKIS buildings (AX_Gebaeude) as the survey offices export them to GeoPackage/Shapefile
    "alkis": {"levels": "anzahlDerOberirdischenGeschosse", "use": "gebaeudefunktion"},
    # GDAL's OSM driver: a column per common key, the rest packed into `other_tags`
    "osm-gdal": {},
}
SHAPEFILE_NAME_LENGTH = 10  # a Shapefile (dBASE) cuts longer field names to 10 characters
_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*(?:"((?:[^"\\]|\\.)*)"|NULL)')
_ESCAPE = re.compile(r"\\(.)")


def hstore(value: Any) -> dict[str, str]:
    """The tags GDAL's OSM driver packs into `other_tags`: `"height"=>"12","roof:shape"=>"flat"`."""
    if not isinstance(value, str):
        return {}
    return {
        _ESCAPE.sub(r"\1", key): _ESCAPE.sub(r"\1", found)
        for key, found in _HSTORE.findall(value)
        if found
    }


def _present(value: Any) -> bool:
    """Whether an attribute holds something: GDAL gives NULL as None, NaN or an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return not (isinstance(value, str) and not value.strip())


def _code(value: Any) -> str:
    """An attribute value as text, `3021.0` (a number column) as `3021`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _use_tag(value: Any, preset: str | None) -> tuple[str, str]:
    """The OSM tag a --use-field value stands for: an ALKIS code, an OSM value or a block key."""
    code = _code(value)
    if preset == "alkis":
        return ALKIS_USE.get(code, ("building", "yes"))
    word = code.lower()
    for tag, match, block in BUILDING_USE:
        if word in (match, block) and match is not None:
            return tag, match
    return "building", word


@dataclass(frozen=True)
class Fields:
    """Which attributes hold a building's height (m), storeys and use, where they are not OSM's.

    An ALKIS or municipal file names them its own way (`anzahlDerOberirdischenGeschosse`,
    `HOEHE`); city staff name them with --height-field, --levels-field and --use-field, or a
    preset names them for a known source. They become the OSM tags the tables read, so every
    reader keeps one set of rules. A named attribute wins over OSM-named ones in the same file.
    """

    height: str | None = None
    levels: str | None = None
    use: str | None = None
    preset: str | None = None

    def named(self) -> "Fields":
        """With the preset's field names filled in where city staff named none."""
        chosen = PRESETS.get(self.preset or "", {})
        return replace(
            self,
            levels=self.levels or chosen.get("levels"),
            use=self.use or chosen.get("use"),
        )

    def resolved(self, available: Iterable[str], what: str, strict: bool = True) -> "Fields":
        """The fields as the file spells them; a name the file lacks is refused, listing its fields.

        Case does not matter, and a Shapefile's 10-character cut of a long name is found too
        (`anzahlDerOberirdischenGeschosse` is `anzahlDerO` in a .dbf). With `osm-gdal` a name
        may also be a tag packed into `other_tags`, so no column is required. Not `strict`:
        a name this one layer lacks is dropped (the file's other layers are checked as a whole).
        """
        fields = self.named()
        names = list(available)
        spelled: dict[str, str | None] = {}
        for option, wanted in (
            ("height", fields.height),
            ("levels", fields.levels),
            ("use", fields.use),
        ):
            if wanted is None:
                continue
            found = [n for n in names if n == wanted] or [
                n
                for n in names
                if n.lower() == wanted.lower()
                or (len(n) == SHAPEFILE_NAME_LENGTH and wanted.lower().startswith(n.lower()))
            ]
            if found:
                spelled[option] = found[0]
            elif fields.preset == "osm-gdal":  # a tag inside `other_tags` will do
                continue
            elif not strict:  # one layer of several: others may have it
                spelled[option] = None
            else:
                named_by = getattr(self, option) and f"--{option}-field"
                raise QuartierError(
                    "error.import_field_missing",
                    what=what,
                    field=wanted,
                    option=named_by or f"--preset {fields.preset}",
                    fields=", ".join(sorted(names)) or "–",
                )
        return replace(fields, **spelled)

    def tags(self, attributes: dict) -> dict:
        """OSM-style tags of one feature's attributes (empty ones dropped)."""
        tags = {k: v for k, v in attributes.items() if _present(v)}
        if self.preset == "osm-gdal":
            tags = {**hstore(tags.pop("other_tags", None)), **tags}
        if self.height or self.levels:
            height = tags.get(self.height) if self.height else None
            levels = tags.get(self.levels) if self.levels else None
            for key in ("height", "building:height", "levels", "building:levels"):
                tags.pop(key, None)
            if height is not None:
                tags["height"] = height
            if levels is not None:
                tags["building:levels"] = levels
        if self.use and self.use in tags:
            for key in ("amenity", "shop", "office", "building"):
                tags.pop(key, None)
            key, value = _use_tag(tags[self.use], self.preset)
            tags[key] = value
        return tags


def _is_building(tags: dict) -> bool:
    """A footprint is a building unless it says it is not, or carries only area tags."""
    flag = tags.get("building", tags.get("building:part"))
    if flag is not None:
        return flag != "no"
    return _match(tags, AREA_BLOCKS) is None and "highway" not in tags


def crs_name(raw: dict) -> str | None:
    """The CRS named in the legacy (pre-RFC 7946) `crs` member, if any."""
    named = raw.get("crs", {}) if isinstance(raw.get("crs"), dict) else {}
    name = (
        named.get("properties", {}).get("name")
        if isinstance(named.get("properties"), dict)
        else None
    )
    return name if isinstance(name, str) else None


def source_crs(raw: dict, given: CRS | None, sample: tuple[float, float] | None) -> CRS:
    """The CRS of the coordinates: the legacy `crs` member, else --crs for projected-looking data, else WGS84."""
    name = crs_name(raw)
    if name is not None:
        return parse_crs(name)
    if sample is None or looks_geographic((*sample, *sample)):
        return WGS84
    if given is None:
        raise QuartierError("error.import_crs_missing", what="GeoJSON")
    return given


def sample_extent(raw: Any, what: str) -> tuple[float, float, float, float] | None:
    """The extent of the first coordinate pair of every feature: cheap, and enough to tell
    whether a CRS fits the data (`georef.check_plausible`)."""
    points = []
    for feature in features(raw, what):
        geometry = feature.get("geometry")
        c = geometry.get("coordinates") if isinstance(geometry, dict) else None
        while isinstance(c, list) and c and isinstance(c[0], list):
            c = c[0]
        if isinstance(c, list) and len(c) >= 2 and all(isinstance(v, (int, float)) for v in c[:2]):
            points.append(c[:2])
    if not points:
        return None
    xy = np.asarray(points, float)
    return (*xy.min(axis=0).tolist(), *xy.max(axis=0).tolist())


def features(raw: Any, what: str) -> list[dict]:
    if not isinstance(raw, dict) or raw.get("type") not in ("FeatureCollection", "Feature"):
        raise QuartierError("error.import_format", what=what)
    features = raw.get("features", []) if raw["type"] == "FeatureCollection" else [raw]
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise QuartierError("error.import_format", what=what)
    return features


def _name(index: int, feature: dict) -> str:
    ident = feature.get("id", (feature.get("properties") or {}).get("id"))
    return f"#{index + 1}" + (f" ({ident})" if ident is not None else "")


def feature_shape(feature: dict, index: int, what: str):
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in SUPPORTED:
        raise QuartierError(
            "error.import_geometry",
            what=what,
            feature=_name(index, feature),
            type=kind,
            supported=", ".join(SUPPORTED),
        )
    try:
        shape = shapely.from_geojson(json.dumps(geometry))
    except shapely.errors.GEOSException as exc:
        raise QuartierError(
            "error.import_bad_geometry",
            what=what,
            feature=_name(index, feature),
            reason=str(exc).split("\n")[0],
        ) from None
    return shape


def feature_shapes(features: list[dict], what: str) -> np.ndarray:
    """The shapes of all features, parsed in one vectorised call.

    A broken feature is handed to `feature_shape`, which raises its message: the same error,
    for the same (first) feature, as checking them one by one. A polygon that crosses itself
    is no such error: `read_tagged` mends it (`repaired_polygons`).
    """
    geometries = [f.get("geometry") for f in features]
    supported = [isinstance(g, dict) and g.get("type") in SUPPORTED for g in geometries]
    text = [json.dumps(g) if ok else "null" for g, ok in zip(geometries, supported)]
    shapes = shapely.from_geojson(np.array(text, dtype=object), on_invalid="ignore")
    broken = ~np.array(supported, bool) | shapely.is_missing(shapes)
    for index in np.flatnonzero(broken).tolist():
        shapes[index] = feature_shape(features[index], index, what)
    return shapes


def sample_point(raw: Any, what: str) -> tuple[float, float] | None:
    """Any one coordinate pair of the file, to tell lon/lat from projected metres."""
    stack = [
        g.get("geometry", {}).get("coordinates")
        for g in features(raw, what)
        if isinstance(g.get("geometry"), dict)
    ]
    while stack:
        c = stack.pop()
        if isinstance(c, list) and len(c) >= 2 and all(isinstance(v, (int, float)) for v in c[:2]):
            return float(c[0]), float(c[1])
        if isinstance(c, list):
            stack.extend(c[:1])
    return None


def read_geojson(
    raw: Any,
    what: str,
    project: Callable[[np.ndarray], np.ndarray],
    storey_m: float,
    default_height_m: float,
    fields: Fields | None = None,
) -> District:
    """The district described by a parsed GeoJSON document; `project` maps (n, 2) lon/lat or x/y to the level CRS."""
    found = features(raw, what)
    properties = [feature.get("properties") or {} for feature in found]
    if fields is not None and fields != Fields():
        chosen = fields.resolved({key for p in properties for key in p}, what)
        properties = [chosen.tags(p) for p in properties]
    return read_tagged(
        [_name(index, feature) for index, feature in enumerate(found)],
        properties,
        shapely.transform(feature_shapes(found, what), project),
        storey_m,
        default_height_m,
        licence_in(raw),
    )


def read_tagged(
    names: list[str],
    tags_of: list[dict],
    shapes: np.ndarray,
    storey_m: float,
    default_height_m: float,
    licence: str | None,
) -> District:
    """The district of shapes in the level CRS with OSM-style tags (GeoJSON properties, raw OSM, GDAL files).

    Invalid polygons are mended and named in `district.repaired`, for the import's warning.
    """
    district = District(licence=licence)
    shapes, repaired = repaired_polygons(shapes)
    district.repaired = [names[index] for index in repaired]
    for name, tags, shape in zip(names, tags_of, shapes.tolist()):
        kind = shape.geom_type
        if shape.is_empty:
            district.skip(kind)
        elif kind in POLYGONS and _is_building(tags):
            known = building_height(tags, storey_m)
            height = default_height_m if known is None else known
            block = building_use(tags) or DEFAULT_BUILDING
            district.buildings.append(
                Building(
                    name,
                    block,
                    Faces.flat(shape, height),
                    0.0,
                    min(_bottom(tags, storey_m), height),
                    base_known=False,
                    height_guessed=known is None,
                )
            )
        elif kind in POLYGONS and (area := _match(tags, AREA_BLOCKS)):
            district.areas.append(Area.of(area, shape))
        elif kind in LINES and tags.get("highway") in HIGHWAY:
            block, width = HIGHWAY[tags["highway"]]
            width = _first(tags, ("width",)) or width
            district.areas.append(
                Area.of(block, shapely.buffer(shape, width / 2, cap_style="flat"))
            )
        elif kind in POINTS and tags.get("natural") == "tree":
            height = _first(tags, ("height",)) or TREE_HEIGHT_M
            for x, y in shapely.get_coordinates(shape):
                district.points.append(Point("tree", float(x), float(y), height))
        elif kind in POINTS and tags.get("amenity") == "fountain":
            district.areas.append(Area.of("water", shapely.buffer(shape, FOUNTAIN_RADIUS_M)))
        else:
            district.skip(kind)
    return district
