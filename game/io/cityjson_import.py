"""Reading CityJSON 1.1 and 2.0 into a `District`.

Vertices are integers to be scaled and translated (`transform`); surfaces are rings of
vertex indices, nested by geometry type. Every non-vertical surface of a building becomes a
planar face (its plane from Newell's normal), so the voxeliser finds the real roof height of
each column. Ground objects (roads, plant cover, land use, water, bridges) become areas.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import shapely

from game.core.errors import QuartierError
from game.io.features import Area, Building, District, Faces, licence_in

VERSIONS = ("1.1", "2.0")
SOLIDS = ("Solid", "MultiSolid", "CompositeSolid")
SURFACES = ("MultiSurface", "CompositeSurface")
BUILDINGS = ("Building", "BuildingPart")
GROUND = {
    "Road": "road",
    "TransportSquare": "plaza",
    "PlantCover": "grass",
    "LandUse": "plaza",
    "WaterBody": "water",
    "Bridge": "road",
    "BridgePart": "road",
}
# Words in a ground object's `function`/`class` attributes that pick a finer block (Dutch BGT and English).
GROUND_WORDS = [
    ("voetpad", "footpath"),
    ("footway", "footpath"),
    ("voetganger", "plaza"),
    ("fietspad", "bike_lane"),
    ("cycle", "bike_lane"),
    ("parkeer", "parking"),
    ("parking", "parking"),
    ("heester", "flower_bed"),
    ("shrub", "flower_bed"),
]
DEFAULT_BUILDING = "housing"
BEST_DETAIL_UP_TO_M = 2.0
VERTICAL = 0.01  # |normal z| below this share of the normal: a wall, seen edge-on from above


def crs_name(raw: dict) -> str | None:
    """The CRS the file names in `metadata.referenceSystem`; CityJSON has no default."""
    named = (raw.get("metadata") or {}).get("referenceSystem")
    return named if isinstance(named, str) else None


def extent(raw: dict) -> tuple[float, float, float, float]:
    """The file's x/y extent in its own CRS: `geographicalExtent`, else the `transform`'s origin.

    Only for telling whether a CRS fits the data (`georef.check_plausible`), so the vertices
    are not read twice: the translation lies at or near the data in every file seen.
    """
    box = (raw.get("metadata") or {}).get("geographicalExtent")
    if isinstance(box, list) and len(box) == 6 and all(isinstance(v, (int, float)) for v in box):
        return float(box[0]), float(box[1]), float(box[3]), float(box[4])
    x, y = (float(v) for v in raw["transform"]["translate"][:2])
    return x, y, x, y


def check(raw: dict, what: str) -> None:
    version = str(raw.get("version"))
    if version not in VERSIONS:
        raise QuartierError(
            "error.import_cityjson_version",
            what=what,
            version=version,
            supported=" / ".join(VERSIONS),
        )
    transform = raw.get("transform")
    if not isinstance(transform, dict) or not all(
        isinstance(transform.get(k), list) and len(transform[k]) == 3
        for k in ("scale", "translate")
    ):
        raise QuartierError("error.import_no_transform", what=what)
    if not isinstance(raw.get("CityObjects"), dict) or not isinstance(raw.get("vertices"), list):
        raise QuartierError("error.import_format", what=what)


def _vertices(raw: dict, what: str) -> np.ndarray:
    try:
        ints = np.asarray(raw["vertices"], dtype=np.float64).reshape(-1, 3)
    except (ValueError, TypeError):
        raise QuartierError(
            "error.import_bad_geometry", what=what, feature="vertices", reason="x, y, z"
        ) from None
    t = raw["transform"]
    return ints * np.asarray(t["scale"], float) + np.asarray(t["translate"], float)


def best_geometry(geometries: list[dict], voxel: float) -> dict | None:
    """The most detailed LoD up to 2 m voxels; above that the most detailed LoD below 2 (block shapes)."""
    usable = sorted(
        (g for g in geometries if isinstance(g, dict) and "lod" in g), key=lambda g: float(g["lod"])
    )
    if not usable:
        return None
    coarse = [g for g in usable if float(g["lod"]) < 2]
    return usable[-1] if voxel <= BEST_DETAIL_UP_TO_M or not coarse else coarse[-1]


def _surfaces(geometry: dict[str, Any], name: str, what: str) -> list[Any]:
    kind, b = geometry.get("type"), geometry.get("boundaries")
    if kind not in SOLIDS + SURFACES:
        raise QuartierError(
            "error.import_geometry",
            what=what,
            feature=name,
            type=kind,
            supported=", ".join(SOLIDS + SURFACES),
        )
    try:
        if not isinstance(b, list):
            raise TypeError("boundaries are not a list")
        if kind in SURFACES:
            return b
        if kind == "Solid":
            return [s for shell in b for s in shell]
        return [s for solid in b for shell in solid for s in shell]
    except TypeError:
        raise QuartierError(
            "error.import_bad_geometry", what=what, feature=name, reason="boundaries"
        ) from None


@dataclass
class _Rings:
    """The outer rings of many objects' surfaces in one flat array, so their faces come in one pass.

    Each object's rings are checked here with Python's own `len`, `min` and `max` (a few
    rings each: numpy's call overhead cost more than the work) and become arrays once, for all
    objects, in `faces`.
    """

    vertices: list[int] = field(default_factory=list)  # every ring's vertex indices, in a row
    counts: list[int] = field(default_factory=list)  # every ring's length
    objects: list[int] = field(default_factory=list)  # how many rings each object has
    holes: dict[int, list[np.ndarray]] = field(default_factory=dict)  # by global ring number

    def add(self, rings_list: list, xyz: np.ndarray, name: str, what: str) -> None:
        """One object's surfaces; an object with a ring of fewer than 3 vertices adds no faces."""
        try:
            outers = [rings[0] for rings in rings_list]
            counts = list(map(len, outers))
            if not counts or min(counts) < 3:
                self.objects.append(0)
                return
            flat = list(chain.from_iterable(outers))
            if not -len(xyz) <= min(flat) <= max(flat) < len(xyz):
                raise IndexError("vertex index")
            holes = {
                k: [xyz[r][:, :2] for r in rings_list[k][1:]]
                for k, n in enumerate(map(len, rings_list))
                if n > 1
            }
        except (IndexError, TypeError, ValueError):
            raise QuartierError(
                "error.import_bad_geometry", what=what, feature=name, reason="boundaries"
            ) from None
        self.holes.update({len(self.counts) + k: h for k, h in holes.items()})
        self.vertices.extend(flat)
        self.counts.extend(counts)
        self.objects.append(len(counts))

    def faces(self, xyz: np.ndarray) -> list[Faces]:
        """The non-vertical surfaces of each object as faces: Newell normals and polygons for all at once."""
        if not self.objects:
            return []
        counts = np.array(self.counts, np.intp)
        p = xyz[np.array(self.vertices, np.intp)]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        following = np.arange(len(p)) + 1
        following[starts + counts - 1] = starts
        normal = np.add.reduceat(_cross(p, p[following]), starts, axis=0) if len(p) else p
        centre = np.add.reduceat(p, starts, axis=0) / counts[:, None] if len(p) else p
        length = np.linalg.norm(normal, axis=1)
        keep = np.flatnonzero((length > 0) & (np.abs(normal[:, 2]) >= VERTICAL * length))
        polygons = _polygons(p[:, :2], starts[keep], counts[keep])
        for k, holes in self.holes.items():
            n = int(np.searchsorted(keep, k))
            if n < len(keep) and keep[n] == k:
                polygons[n] = shapely.Polygon(p[starts[k] : starts[k] + counts[k], :2], holes)
        # A planar surface seen from above can be a sliver: repair what GEOS finds invalid.
        doubt = ~_certain_triangles(p[:, :2], starts[keep], counts[keep])
        doubt[np.isin(keep, list(self.holes))] = True
        broken = np.zeros(len(keep), bool)
        broken[doubt] = ~shapely.is_valid(polygons[doubt])
        polygons[broken] = shapely.make_valid(polygons[broken])
        kept = normal[keep]
        a, b = -kept[:, 0] / kept[:, 2], -kept[:, 1] / kept[:, 2]
        c = centre[keep]
        planes = np.column_stack([a, b, c[:, 2] - a * c[:, 0] - b * c[:, 1]])
        owner = np.repeat(np.arange(len(self.objects)), self.objects)
        ends = np.cumsum(np.bincount(owner[keep], minlength=len(self.objects)))[:-1]
        return [Faces(f, q) for f, q in zip(np.split(polygons, ends), np.split(planes, ends))]


def _polygons(xy: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """One polygon per ring `xy[starts[n] : starts[n] + counts[n]]`, closed as `linearrings` closes.

    Built from one flat coordinate array (`from_ragged_array`): half the time of making
    28,000 rings first and then a polygon around each.
    """
    first, last = xy[starts], xy[starts + counts - 1]
    closing = (first != last).any(axis=1)  # the first corner again, unless it is already there
    sizes = counts + closing
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    local = np.arange(offsets[-1]) - np.repeat(offsets[:-1], sizes)
    local[local == np.repeat(counts, sizes)] = 0
    coords = xy[np.repeat(starts, sizes) + local]
    return shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, coords, (offsets, np.arange(len(starts) + 1))
    )


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.cross` of (n, 3) arrays, the same products and differences, without its 15 ms of overhead."""
    return np.column_stack(
        [
            a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
        ]
    )


# Shewchuk's error bound for orient2d: beyond it the sign of a float determinant is exact.
_ORIENT_BOUND = (3.0 + 16.0 * 2.0**-53) * 2.0**-53


def _certain_triangles(xy: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Which rings are triangles whose corners are surely not on one line, hence valid polygons.

    Checking validity with GEOS cost as much as parsing the file, and nearly every face of a
    real LoD1/LoD2 model is such a triangle. The sign of the orientation determinant is exact
    where it exceeds its rounding bound (Shewchuk's filter, the test GEOS's own robust
    orientation starts with); everything else is left to GEOS.
    """
    three = counts == 3
    a, b, c = (xy[np.where(three, starts + n, 0)] for n in range(3))
    left = (a[:, 0] - c[:, 0]) * (b[:, 1] - c[:, 1])
    right = (a[:, 1] - c[:, 1]) * (b[:, 0] - c[:, 0])
    return three & (np.abs(left - right) > _ORIENT_BOUND * (np.abs(left) + np.abs(right)))


def _ground_block(kind: str, attributes: dict) -> str:
    words = " ".join(
        str(v).lower() for k, v in attributes.items() if k in ("function", "class", "usage")
    )
    return next((block for word, block in GROUND_WORDS if word in words), GROUND[kind])


def read_cityjson(
    raw: dict,
    what: str,
    project: Callable[[np.ndarray], np.ndarray],
    voxel: float,
    storey_m: float,
    default_height_m: float,
) -> District:
    """The district of a checked CityJSON document; `project` maps (n, 2) x/y into the level CRS.

    A building with only a footprint (LoD0) is raised to its `measuredHeight`, else
    `storeysAboveGround` × `storey_m`, else `default_height_m` (counted as missing): its flat
    faces alone made a building without height, and a file of them "Nothing to import".

    The objects' surfaces are gathered first and turned into faces in one vectorised pass:
    per object, numpy's and shapely's call overhead cost more than the geometry itself.
    """
    xyz = _vertices(raw, what)
    if len(xyz):
        xyz[:, :2] = project(xyz[:, :2])
    objects: dict[str, Any] = raw["CityObjects"]
    district = District(licence=licence_in(raw.get("metadata") or {}))
    rings = _Rings()
    numbered: dict[str, int] = {}  # object name -> its place in `rings`, if it has a geometry
    footprints: set[str] = set()  # objects whose chosen geometry is a LoD0 footprint

    def gather(name: str) -> None:
        geometry = best_geometry(objects[name].get("geometry") or [], voxel)
        if geometry is not None and name not in numbered:
            rings.add(_surfaces(geometry, name, what), xyz, name, what)
            numbered[name] = len(numbered)
            if float(geometry["lod"]) < 1:
                footprints.add(name)

    buildings: list[tuple[str, list[str]]] = []
    grounds: list[tuple[str, str]] = []
    for name, obj in objects.items():
        kind = obj.get("type")
        if kind == "Building" and not obj.get("parents"):
            members = [n for n in [name, *obj.get("children", [])] if n in objects]
            for member in members:
                gather(member)
            buildings.append((name, members))
        elif kind in GROUND:
            gather(name)
            grounds.append((name, _ground_block(kind, obj.get("attributes") or {})))
        elif kind not in BUILDINGS:
            district.skip(kind)
    faces = rings.faces(xyz)

    for name, members in buildings:
        parts = [faces[numbered[n]] for n in members if n in numbered]
        parts = [p for p in parts if len(p.polygons)]
        if parts:
            used = np.concatenate([xyz[np.asarray(_indices(objects[n]), int)] for n in members])
            base = float(used[:, 2].min())
            solid = Faces.join(parts)
            guessed = False
            if all(n in footprints for n in members if n in numbered):
                height = _height(objects, members, storey_m)
                guessed = height is None
                top = base + (height or default_height_m)
                solid = Faces.flat(shapely.union_all(solid.polygons), top)
            district.buildings.append(
                Building(name, DEFAULT_BUILDING, solid, base, height_guessed=guessed)
            )
    for name, block in grounds:
        if name in numbered and len(faces[numbered[name]].polygons):
            district.areas.append(Area(block, faces[numbered[name]].polygons))
    return district


def _height(objects: dict[str, Any], members: list[str], storey_m: float) -> float | None:
    """A footprint-only building's height from its (or its parts') attributes, if they give one."""
    for name in members:
        attributes = objects[name].get("attributes") or {}
        for key, scale in (("measuredHeight", 1.0), ("storeysAboveGround", storey_m)):
            value = attributes.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                return float(value) * scale
    return None


DEPTH = {"MultiSurface": 2, "CompositeSurface": 2, "Solid": 3, "MultiSolid": 4, "CompositeSolid": 4}


def _indices(obj: dict) -> list[int]:
    """Every vertex index an object's geometries use, for its lowest point (the ground it stands on).

    A geometry's boundaries nest to a depth its type fixes, so they flatten level by level
    at C speed; anything else (or anything but integers inside) is walked item by item.
    """
    found: list[int] = []
    for geometry in obj.get("geometry") or []:
        boundaries = geometry.get("boundaries")
        try:
            flat = boundaries
            for _ in range(DEPTH[geometry.get("type")]):
                flat = chain.from_iterable(flat)
            flat = list(flat)
            if set(map(type, flat)) <= {int}:
                found.extend(flat)
                continue
        except (KeyError, TypeError):
            pass
        found.extend(_walk(boundaries))
    return found


def _walk(boundaries: Any) -> list[int]:
    found: list[int] = []
    stack = [boundaries]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int):
            found.append(item)
    return found
