"""Reading raw OpenStreetMap (XML, gzipped XML or PBF) with pyosmium into GeoJSON features.

OSM has no geometries, only nodes, ways and relations with tags; an area is a closed way or
a multipolygon relation, and whether a closed way is an area depends on its tags (a closed
`highway=pedestrian` is a loop of street unless it says `area=yes`). This module settles
that and hands the GeoJSON reader a FeatureCollection in WGS84 with the OSM tags as
properties, so the tag-to-block tables stay in one place (`geojson_import`).

Only what a level can show is kept: buildings and building parts, ground areas (parks,
water, squares, playgrounds...), streets and paths, trees, and shops or amenities mapped as
points, which lend their use to a plain `building=yes` they stand in (a bakery in a house
makes it a shop). Extracts cut by a bbox (Osmosis) name nodes they do not hold: a line keeps
its pieces between missing nodes, a ring with a missing node is left out and counted.
"""

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely

from game.core.errors import QuartierError
from game.io import geojson_import

LICENCE = "ODbL-1.0, © OpenStreetMap contributors"
SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
# Tags that make a closed way an area; a closed way with other tags (a highway, a fence) is a line.
AREA_KEYS = (
    "building",
    "building:part",
    "landuse",
    "leisure",
    "natural",
    "amenity",
    "place",
    "waterway",
    "water",
    "area:highway",
)
# Point tags that give a plain building its use (the first match wins, as in BUILDING_USE).
POINT_USES = ("amenity", "shop", "office")


def osm_format(path: Path) -> str | None:
    """pyosmium's name for the file's format, by name or by content; None when it is not OSM data.

    Content decides for a file named otherwise (`export.xml`, a download without a suffix):
    `<osm` near the start of XML, plain or gzipped, or `OSMHeader` in a PBF's first block.
    """
    name = Path(path).name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix.removeprefix(".")
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as f:
                return "osm.gz" if b"<osm" in f.read(1024) else None
    except (OSError, EOFError):
        return None
    if b"OSMHeader" in head[:64]:
        return "pbf"
    return "osm" if b"<osm" in head else None


class _Collector(osmium.SimpleHandler):
    """Collects the features a level uses while pyosmium streams the file."""

    def __init__(self) -> None:
        super().__init__()
        self.features: list[dict] = []
        self.points: list[tuple[float, float, dict]] = []
        self.grounds: list[dict] = []  # areas with a use but no block: a school's grounds
        self.incomplete = 0

    def _add(self, kind: str, coordinates: Any, tags: dict, ident: str) -> None:
        feature = {
            "type": "Feature",
            "id": ident,
            "geometry": {"type": kind, "coordinates": coordinates},
            "properties": tags,
        }
        if kind in geojson_import.POLYGONS and not _wanted(tags):
            if any(key in tags for key in POINT_USES):
                self.grounds.append(feature)
            return
        self.features.append(feature)

    def node(self, n: osmium.osm.Node) -> None:
        if not len(n.tags):
            return
        tags = dict(n.tags)
        xy = [n.location.lon, n.location.lat]
        if tags.get("natural") == "tree" or tags.get("amenity") == "fountain":
            self._add("Point", xy, tags, f"node/{n.id}")
        elif any(key in tags for key in POINT_USES):
            self.points.append((xy[0], xy[1], tags))

    def way(self, w: osmium.osm.Way) -> None:
        tags = dict(w.tags)
        if not tags:
            return
        pieces: list[list[list[float]]] = [[]]
        for node in w.nodes:
            if node.location.valid():
                pieces[-1].append([node.location.lon, node.location.lat])
            elif pieces[-1]:
                pieces.append([])
        closed = len(w.nodes) >= 4 and w.nodes[0].ref == w.nodes[-1].ref
        if closed and _is_area(tags):
            if len(pieces) == 1 and len(pieces[0]) == len(w.nodes):
                self._add("Polygon", [pieces[0]], tags, f"way/{w.id}")
            else:
                self.incomplete += 1
        elif "highway" in tags and tags.get("tunnel", "no") == "no":
            lines = [p for p in pieces if len(p) >= 2]
            if lines:
                self._add("MultiLineString", lines, tags, f"way/{w.id}")

    def area(self, a: osmium.osm.Area) -> None:
        """Multipolygon relations only; closed ways were handled (with their tags' meaning) above."""
        if a.from_way():
            return
        polygons = []
        for outer in a.outer_rings():
            rings = [[[p.lon, p.lat] for p in outer]]
            rings += [[[p.lon, p.lat] for p in inner] for inner in a.inner_rings(outer)]
            polygons.append(rings)
        if polygons:
            self._add("MultiPolygon", polygons, dict(a.tags), f"relation/{a.orig_id()}")


def _is_area(tags: dict) -> bool:
    if tags.get("area") == "no":
        return False
    return tags.get("area") == "yes" or any(key in tags for key in AREA_KEYS)


def _building(tags: dict) -> bool:
    return tags.get("building", tags.get("building:part", "no")) != "no"


def _wanted(tags: dict) -> bool:
    """An area a level shows: a building, a ground the GeoJSON tables know, or grounds with a use.

    Anything else (`landuse=commercial`, a school's grounds) would become a building in the
    GeoJSON reader, which takes an untagged footprint for one; grounds with a use are kept
    apart here only to lend it to the buildings on them.
    """
    if _building(tags) or geojson_import.ground_block(tags) is not None:
        return tags.get("parking") not in ("underground", "multi-storey") or _building(tags)
    return False


def _lend_uses(
    features: list[dict], grounds: list[dict], points: Iterable[tuple[float, float, dict]]
) -> None:
    """A plain `building=yes` takes the use of the first shop or amenity point inside it, or of the grounds it stands on.

    OSM maps a school as its grounds (`amenity=school`) with plain buildings on them, and a
    bakery as a point in a house; without this, every building of a city centre is housing.
    """
    plain = [
        f
        for f in features
        if f["geometry"]["type"] == "Polygon"
        and f["properties"].get("building") == "yes"
        and geojson_import.building_use(f["properties"]) is None
    ]
    if not plain:
        return
    shapes = shapely.polygons([shapely.linearrings(f["geometry"]["coordinates"][0]) for f in plain])
    tree = shapely.STRtree(shapes)
    for where, tags in [
        *((shapely.Point(x, y), tags) for x, y, tags in points),
        *((shapely.from_geojson(json.dumps(g["geometry"])), g["properties"]) for g in grounds),
    ]:
        use = {k: v for k, v in tags.items() if k in POINT_USES}
        if geojson_import.building_use(use) is None:
            continue
        if where.geom_type == "Point":
            hits = tree.query(where, predicate="within")
        else:
            hits = tree.query(where, predicate="intersects")
            hits = hits[shapely.contains(where, shapely.point_on_surface(shapes[hits]))]
        for k in hits.tolist():
            props = plain[k]["properties"]
            if not any(key in props for key in POINT_USES):
                props.update(use)


def _repair(features: list[dict]) -> None:
    """Make self-intersecting rings valid (`make_valid`, polygonal part only), as mappers meant them.

    Raw OSM has them where GIS exports are cleaned (in Kaiserslautern a building's outline
    touches itself); the GeoJSON reader refuses them, rightly for a file city staff can fix.
    """
    polygons = [f for f in features if f["geometry"]["type"] in geojson_import.POLYGONS]
    shapes = shapely.from_geojson([json.dumps(f["geometry"]) for f in polygons])
    for k in np.flatnonzero(~shapely.is_valid(shapes)).tolist():
        fixed = shapely.make_valid(shapes[k])
        parts = [
            g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in geojson_import.POLYGONS
        ]
        if parts:  # a ring folded onto itself has no area left and stays to be refused as before
            polygons[k]["geometry"] = json.loads(shapely.to_geojson(shapely.union_all(parts)))


def read_osm(path: Path, fmt: str) -> tuple[dict, int]:
    """The file (in pyosmium's `fmt`) as a GeoJSON FeatureCollection (WGS84), in the file's order,
    and how many areas were left out because the extract lacks some of their nodes."""
    collector = _Collector()
    try:
        collector.apply_file(osmium.io.File(str(path), fmt), locations=True)
    except RuntimeError as exc:
        raise QuartierError(
            "error.import_osm_unreadable", what=Path(path).name, reason=str(exc)
        ) from None
    _repair(collector.features)
    _lend_uses(collector.features, collector.grounds, collector.points)
    document = {"type": "FeatureCollection", "licence": LICENCE, "features": collector.features}
    return document, collector.incomplete
