"""Reading raw OpenStreetMap (XML, gzipped XML or PBF) with pyosmium into tagged shapes.

OSM has no geometries, only nodes, ways and relations with tags; an area is a closed way or
a multipolygon relation, and whether a closed way is an area depends on its tags (a closed
`highway=service` is a loop of street unless it says `area=yes`). This module settles that
and hands the GeoJSON reader's `read_tagged` shapes in WGS84 with the OSM tags, so the
tag-to-block tables stay in one place (`geojson_import`). pyosmium builds each geometry as
WKB in C++ and shapely turns them all into shapes in one call: no Python loop per node.

Only what a level can show is kept: buildings and building parts, ground areas (parks,
water, squares, playgrounds...), streets and paths (not those in tunnels), trees and
fountains, and shops or amenities, which lend their use to a plain `building=yes` they
stand in or on (a bakery in a house makes it a shop; a school's grounds make its buildings
a school). Extracts cut by a bbox (Osmosis) can name nodes they do not hold: a street keeps
its pieces between missing nodes, an area with a missing node is left out and counted.
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import shapely

from game.core.errors import QuartierError
from game.io import geojson_import

LICENCE = "ODbL-1.0, © OpenStreetMap contributors"
SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
# Tags that make a closed way an area; a closed way with other tags (a highway, a fence) is a line.
AREA_KEYS = frozenset(
    {
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
    }
)
# Tags that give a plain building its use (the first match in BUILDING_USE wins).
USE_KEYS = ("amenity", "shop", "office")
POINT_FEATURES = (("natural", "tree"), ("amenity", "fountain"))


@dataclass
class OsmData:
    """Shapes in WGS84 with their OSM tags and names (`way/123`), in the file's order."""

    names: list[str]
    tags: list[dict]
    shapes: np.ndarray
    incomplete: int  # areas left out: the extract lacks some of their nodes

    def sample(self) -> tuple[float, float] | None:
        """Any one lon/lat of the data, to choose the level's UTM zone."""
        if not len(self.shapes):
            return None
        x, y = shapely.get_coordinates(self.shapes[:1])[0]
        return float(x), float(y)


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


def _is_area(tags: dict) -> bool:
    if tags.get("area") == "no":
        return False
    return tags.get("area") == "yes" or not AREA_KEYS.isdisjoint(tags)


def _building(tags: dict) -> bool:
    return tags.get("building", tags.get("building:part", "no")) != "no"


def _wanted(tags: dict) -> bool:
    """An area a level shows: a building, or a ground the GeoJSON tables know.

    Anything else (`landuse=commercial`, a school's grounds) would become a building in the
    GeoJSON reader, which takes an untagged footprint for one.
    """
    if _building(tags):
        return True
    block = geojson_import.ground_block(tags)
    return block is not None and tags.get("parking") not in ("underground", "multi-storey")


def _uses(tags: dict) -> bool:
    """Whether an area or point has a use to lend to the plain buildings in or on it."""
    use = {key: tags[key] for key in USE_KEYS if key in tags}
    return bool(use) and geojson_import.building_use(use) is not None


class _Collector(osmium.SimpleHandler):
    """Collects, while pyosmium streams the file, the geometries (WKB) a level uses."""

    def __init__(self) -> None:
        super().__init__()
        self.wkb = osmium.geom.WKBFactory()
        self.kept: list[tuple[str, dict, str, str]] = []  # name, tags, kind, hex WKB
        self.lenders: list[tuple[dict, str, str]] = []  # shops, schools' grounds...
        self.incomplete = 0

    def node(self, n: osmium.osm.Node) -> None:
        if not len(n.tags):
            return
        tags = dict(n.tags)
        if any(tags.get(key) == value for key, value in POINT_FEATURES):
            self.kept.append((f"node/{n.id}", tags, "point", self.wkb.create_point(n)))
        elif _uses(tags):
            self.lenders.append((tags, "point", self.wkb.create_point(n)))

    def way(self, w: osmium.osm.Way) -> None:
        if not len(w.tags):
            return
        tags = dict(w.tags)
        closed = len(w.nodes) >= 4 and w.nodes[0].ref == w.nodes[-1].ref
        if closed and _is_area(tags):
            if not _wanted(tags) and not _uses(tags):
                return
            try:
                line = self.wkb.create_linestring(w)
            except osmium.InvalidLocationError:
                self.incomplete += 1
                return
            except RuntimeError:  # all its nodes at one place: nothing to draw
                return
            if _wanted(tags):
                self.kept.append((f"way/{w.id}", tags, "ring", line))
            else:
                self.lenders.append((tags, "ring", line))
        elif "highway" in tags and tags.get("tunnel", "no") == "no":
            pieces = self._pieces(w)
            if pieces is not None:
                self.kept.append((f"way/{w.id}", tags, "line", pieces))

    def _pieces(self, w: osmium.osm.Way) -> str | None:
        """The way as WKB; where the extract lacks nodes, the pieces between them; None for a point."""
        try:
            return self.wkb.create_linestring(w)
        except RuntimeError:  # all its nodes at one place
            return None
        except osmium.InvalidLocationError:
            pieces: list[list[tuple[float, float]]] = [[]]
            for node in w.nodes:
                if node.location.valid():
                    pieces[-1].append((node.location.lon, node.location.lat))
                elif pieces[-1]:
                    pieces.append([])
            lines = [shapely.LineString(p) for p in pieces if len(set(p)) >= 2]
            return shapely.to_wkb(shapely.MultiLineString(lines), hex=True) if lines else None

    def area(self, a: osmium.osm.Area) -> None:
        """Multipolygon relations only; closed ways were handled (with their tags' meaning) above."""
        if a.from_way():
            return
        tags = dict(a.tags)
        if _wanted(tags) or _uses(tags):
            shape = self.wkb.create_multipolygon(a)
            if _wanted(tags):
                self.kept.append((f"relation/{a.orig_id()}", tags, "area", shape))
            else:
                self.lenders.append((tags, "area", shape))


def _shapes(kinds: list[str], wkb: list[str]) -> np.ndarray:
    """Shapes from pyosmium's (hex) WKB in one call; closed ways' lines become polygons, made valid.

    Raw OSM has self-touching rings where GIS exports are cleaned (in Kaiserslautern a
    building's outline touches itself); `make_valid` keeps them as mappers meant them, where
    the GeoJSON reader refuses them, rightly for a file city staff can fix.
    """
    shapes = shapely.from_wkb(np.array(wkb + [None], dtype=object)[:-1])
    rings = np.flatnonzero(np.array(kinds) == "ring")
    flat = rings[shapely.get_num_coordinates(shapes[rings]) < 4]  # a closed way of two places
    shapes[flat] = shapely.Polygon()
    rings = np.setdiff1d(rings, flat)
    if len(rings):
        coords, index = shapely.get_coordinates(shapes[rings], return_index=True)
        shapes[rings] = shapely.polygons(shapely.linearrings(coords, indices=index))
    broken = np.flatnonzero(~shapely.is_valid(shapes) & (np.array(kinds) != "line"))
    fixed = [_polygonal(g) for g in shapely.make_valid(shapes[broken]).tolist()]
    shapes[broken] = np.array(fixed + [None], dtype=object)[:-1]  # None: never an array of arrays
    return shapes


def _polygonal(shape: shapely.Geometry) -> shapely.Geometry:
    """The polygons of what `make_valid` returned (it may add lines where a ring folded)."""
    parts = [
        g for g in getattr(shape, "geoms", [shape]) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _lend_uses(
    tags: list[dict], shapes: np.ndarray, lenders: list[tuple[dict, shapely.Geometry]]
) -> None:
    """A plain `building=yes` takes the use of the first shop or amenity point inside it, or of the grounds it stands on.

    OSM maps a school as its grounds (`amenity=school`) with plain buildings on them, and a
    bakery as a point in a house; without this, every building of a city centre is housing.
    """
    plain = np.array(
        [t.get("building") == "yes" and geojson_import.building_use(t) is None for t in tags], bool
    )
    plain &= np.isin(shapely.get_type_id(shapes), (3, 6))
    if not plain.any() or not lenders:
        return
    which = np.flatnonzero(plain)
    inside = shapely.point_on_surface(shapes[which])
    tree = shapely.STRtree(shapes[which])
    for lent, where in lenders:
        if where.geom_type == "Point":
            hits = tree.query(where, predicate="within")
        else:
            hits = tree.query(where, predicate="intersects")
            hits = hits[shapely.contains(where, inside[hits])]
        use = {key: lent[key] for key in USE_KEYS if key in lent}
        for k in hits.tolist():
            if frozenset(USE_KEYS).isdisjoint(tags[which[k]]):
                tags[which[k]].update(use)


def _outlines_with_parts(tags: list[dict], shapes: np.ndarray) -> np.ndarray:
    """Which building outlines have `building:part`s inside them: the parts stand for them.

    OSM's Simple 3D Buildings: the outline (`building=*`) is the building in 2D, its parts
    carry the heights (a tower, a low wing); drawing both put the outline's assumed 9 m over
    the parts wherever it came later in the file.
    """
    part = np.array([t.get("building:part", "no") != "no" for t in tags], bool)
    outline = np.array([t.get("building", "no") != "no" for t in tags], bool) & ~part
    covered = np.zeros(len(tags), bool)
    if not part.any() or not outline.any():
        return covered
    which = np.flatnonzero(outline)
    tree = shapely.STRtree(shapes[which])
    inside = shapely.point_on_surface(shapes[part])
    _, hits = tree.query(inside, predicate="within")
    covered[which[hits]] = True
    return covered


def read_osm(path: Path, fmt: str) -> OsmData:
    """The file (in pyosmium's `fmt`) as tagged shapes in WGS84; raises QuartierError."""
    collector = _Collector()
    try:
        collector.apply_file(osmium.io.File(str(path), fmt), locations=True)
    except RuntimeError as exc:
        raise QuartierError(
            "error.import_osm_unreadable", what=Path(path).name, reason=str(exc)
        ) from None
    names = [name for name, _, _, _ in collector.kept]
    tags = [t for _, t, _, _ in collector.kept]
    shapes = _shapes([k for _, _, k, _ in collector.kept], [w for _, _, _, w in collector.kept])
    lent = _shapes([k for _, k, _ in collector.lenders], [w for _, _, w in collector.lenders])
    _lend_uses(tags, shapes, [(t, s) for (t, _, _), s in zip(collector.lenders, lent.tolist())])
    keep = ~_outlines_with_parts(tags, shapes)
    return OsmData(
        [n for n, k in zip(names, keep) if k],
        [t for t, k in zip(tags, keep) if k],
        shapes[keep],
        collector.incomplete,
    )
