"""Reading a GeoJSON FeatureCollection (OSM-style tags) into a `District`.

Building footprints get their height from `height`, `building:height`, `levels` or
`building:levels` (× the storey height); OSM tags pick our blocks; `highway` lines are
buffered to their width. Coordinates are WGS84 unless the file (legacy `crs` member) or
city staff (`--crs`) say otherwise, and are projected with pyproj into the level's CRS.
"""

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from game.core.errors import QuartierError
from game.io.features import Area, Building, District, Faces, Point, licence_in
from game.io.georef import WGS84, parse_crs

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
    looks_geographic = sample is None or (abs(sample[0]) <= 180 and abs(sample[1]) <= 90)
    if looks_geographic:
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
    if kind in POLYGONS and not shapely.is_valid(shape):
        raise QuartierError(
            "error.import_self_intersection",
            what=what,
            feature=_name(index, feature),
            reason=shapely.is_valid_reason(shape),
        )
    return shape


def feature_shapes(features: list[dict], what: str) -> np.ndarray:
    """The shapes of all features, parsed and checked in one vectorised call each.

    A broken feature is handed to `feature_shape`, which raises its message: the same error,
    for the same (first) feature, as checking them one by one.
    """
    geometries = [f.get("geometry") for f in features]
    supported = [isinstance(g, dict) and g.get("type") in SUPPORTED for g in geometries]
    text = [json.dumps(g) if ok else "null" for g, ok in zip(geometries, supported)]
    shapes = shapely.from_geojson(np.array(text, dtype=object), on_invalid="ignore")
    polygon = np.isin(shapely.get_type_id(shapes), (3, 6))  # Polygon, MultiPolygon
    broken = ~np.array(supported, bool) | shapely.is_missing(shapes)
    broken[polygon] |= ~shapely.is_valid(shapes[polygon])
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
) -> District:
    """The district described by a parsed GeoJSON document; `project` maps (n, 2) lon/lat or x/y to the level CRS."""
    found = features(raw, what)
    return read_tagged(
        [_name(index, feature) for index, feature in enumerate(found)],
        [feature.get("properties") or {} for feature in found],
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
    """The district of shapes in the level CRS with OSM-style tags (GeoJSON properties or raw OSM)."""
    district = District(licence=licence)
    for name, tags, shape in zip(names, tags_of, shapes.tolist()):
        kind = shape.geom_type
        if kind in POLYGONS and _is_building(tags):
            height = building_height(tags, storey_m)
            if height is None:
                district.missing_heights += 1
                height = default_height_m
            block = building_use(tags) or DEFAULT_BUILDING
            district.buildings.append(
                Building(
                    name,
                    block,
                    Faces.flat(shape, height),
                    0.0,
                    min(_bottom(tags, storey_m), height),
                    base_known=False,
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
