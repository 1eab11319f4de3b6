"""Reading CityGML 1.0, 2.0 and 3.0 buildings into a `District`, one tile or many.

German state surveys hand out their LoD2 buildings as CityGML tiles of up to a few hundred
megabytes, so the file is streamed with lxml's `iterparse` and every city object is cleared
as soon as it is read: memory follows the largest building, not the tile. A building (with
its parts) is a set of polygons, from LoD1/LoD2 solids or from bounded-by surfaces (wall,
roof, ground) alone; as for CityJSON, every non-vertical polygon becomes a planar face
(`cityjson_import._Rings`), so each column gets the real roof above it and the building
stands on its lowest point. A building with only a footprint (LoD0) is raised to its
`measuredHeight`, else to `storeysAboveGround` storeys.
"""

import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import shapely
from lxml import etree
from pyproj import CRS

from game.core.errors import QuartierError
from game.io.cityjson_import import BEST_DETAIL_UP_TO_M, _Rings
from game.io.features import Building, District, Faces

SUFFIXES = (".gml", ".xml", ".gml.gz", ".xml.gz")
CITYGML_VERSIONS = ("1.0", "2.0", "3.0")
BUILDING_NS = [f"http://www.opengis.net/citygml/building/{v}" for v in CITYGML_VERSIONS]
CORE_NS = [f"http://www.opengis.net/citygml/{v}" for v in CITYGML_VERSIONS]
GML_NS = ("http://www.opengis.net/gml", "http://www.opengis.net/gml/3.2")
BUILDING_TAGS = [f"{{{ns}}}Building" for ns in BUILDING_NS]
MEMBER_TAGS = [f"{{{ns}}}cityObjectMember" for ns in CORE_NS] + [
    f"{{{ns}}}featureMember" for ns in GML_NS
]
# Textures and colours beside the city objects: not read, but cleared like them.
APPEARANCE_TAGS = [
    f"{{http://www.opengis.net/citygml/appearance/{v}}}appearanceMember" for v in CITYGML_VERSIONS
]
# Parts of a building that are not its body: a chimney or a room must not raise its roof.
NOT_THE_BODY = {"BuildingInstallation", "IntBuildingInstallation", "Room", "Opening"}
OWNERS = {"Building", "BuildingPart"}
LOD = re.compile(r"lod(\d)")
CHUNK_VERTICES = 200_000  # buildings are turned into faces in batches of about this many corners
DEFAULT_BUILDING = "housing"

# ALKIS building functions (`31001_NNNN`, as in German state-survey tiles): the first matching
# prefix of the four digits wins, so a specific code comes before its group.
ALKIS_USE: list[tuple[str, str]] = [
    ("1020", "student_housing"),  # Wohnheim
    ("1", "housing"),  # Wohngebäude, gemischt genutzte Gebäude mit Wohnen
    ("2000", "office"),  # Gebäude für Wirtschaft oder Gewerbe: commercial, as OSM's
    ("2020", "office"),  # Bürogebäude
    ("2030", "office"),  # Kreditinstitut
    ("2040", "office"),  # Versicherung
    ("2053", "market_hall"),
    ("205", "shop"),  # Geschäftsgebäude, Kaufhaus, Einkaufszentrum, Laden, Kiosk, Apotheke
    ("20", "shop"),  # Handel und Dienstleistungen, Beherbergung, Bewirtung
    ("2", "workshop"),  # Gewerbe und Industrie, Versorgung, Land- und Forstwirtschaft
    ("3010", "office"),  # Verwaltungsgebäude
    ("3065", "kindergarten"),  # Kinderkrippe, Kindergarten, Kindertagesstätte
    ("302", "school"),  # Bildung und Forschung, Schulen, Hochschulen
    ("303", "library"),  # Kultur
    ("305", "health_centre"),  # Gesundheitswesen
    ("3", "community_centre"),  # öffentliche Zwecke: soziale, religiöse, Erholung, Sport
]
# The CityGML 2.0 building function code list (bare four digits): residential up to 1110,
# offices and services, trade, industry.
CITYGML_USE: list[tuple[range, str]] = [
    (range(1000, 1120), "housing"),
    (range(1120, 1160), "office"),
    (range(1160, 1210), "shop"),
    (range(1210, 1310), "office"),
    (range(1310, 1500), "workshop"),
]


def is_citygml(path: Path) -> bool:
    """A folder (of tiles), a `.gml` name, or XML whose start names a GML or CityGML namespace.

    A `.xml` file is judged by its content: OpenStreetMap XML is often called `export.xml`.
    """
    path = Path(path)
    if path.is_dir() or path.name.lower().endswith((".gml", ".gml.gz")):
        return True
    try:
        with _open(path) as f:
            head = f.read(4096)
    except (OSError, EOFError):
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and (
        b"www.opengis.net/citygml" in head or b"www.opengis.net/gml" in head
    )


def tiles(sources: list[Path]) -> list[Path]:
    """The files to read: each path given, and the CityGML files of each folder, by name."""
    found: list[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            inside = sorted(
                p
                for p in source.iterdir()
                if p.is_file() and p.name.lower().endswith(SUFFIXES) and is_citygml(p)
            )
            if not inside:
                raise QuartierError("error.import_citygml_folder_empty", what=source.name)
            found += inside
        elif not source.is_file():
            raise QuartierError("error.file_not_found", path=str(source))
        else:
            found.append(source)
    return found


def _open(path: Path) -> BinaryIO:
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.GzipFile(path, "rb") if gzipped else open(path, "rb")  # type: ignore[return-value]


@dataclass
class Tile:
    """What the start of a tile says: its CRS (if it names one) and a first corner (for UTM)."""

    path: Path
    srs: str | None
    sample: tuple[float, float] | None


def peek(path: Path) -> Tile:
    """The first `srsName` and the first corner of a tile, reading no further than that corner.

    The `srsName` of the tile's envelope, or of the first geometry, comes before its first
    coordinates; the corner gives the UTM zone of a tile in longitude and latitude.
    """
    srs: str | None = None
    try:
        with _open(path) as f:
            for event, elem in etree.iterparse(f, events=("start", "end"), huge_tree=True):
                if event == "start":
                    srs = srs or elem.get("srsName")
                elif _local(elem) in ("posList", "pos", "lowerCorner", "coordinates"):
                    values = (elem.text or "").replace(",", " ").split()[:2]
                    sample = (float(values[0]), float(values[1])) if len(values) == 2 else None
                    return Tile(path, srs, sample)
    except (etree.XMLSyntaxError, OSError, EOFError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    return Tile(path, srs, None)


def _unreadable(path: Path, exc: Exception) -> QuartierError:
    return QuartierError("error.import_citygml_unreadable", what=Path(path).name, reason=str(exc))


def block_of(codes: list[str]) -> str:
    """The block of a building's first function or usage code that Quartier knows."""
    for code in codes:
        digits = code.strip()
        if digits.startswith("31001_"):
            four = digits.removeprefix("31001_")
            match = next((b for prefix, b in ALKIS_USE if four.startswith(prefix)), None)
        else:
            number = int(digits) if digits.isdigit() else -1
            match = next((b for span, b in CITYGML_USE if number in span), None)
        if match:
            return match
    return DEFAULT_BUILDING


@dataclass
class _Body:
    """One building read from the tile, before its polygons become faces (in a batch)."""

    name: str
    block: str
    surfaces: list[list[tuple[str, int]]]  # polygons: exterior ring, then holes (`_coords`)
    height: float | None = None  # LoD0 only: the height to raise the footprint to
    guessed: bool = False  # LoD0 without measuredHeight or storeys: the default height


@dataclass
class _Batch:
    """Buildings waiting to become faces, projected and turned into faces together."""

    bodies: list[_Body] = field(default_factory=list)
    vertices: int = 0


def _local(elem) -> str:
    tag = elem.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _gml(*names: str) -> list[str]:
    return [f"{{{ns}}}{name}" for ns in GML_NS for name in names]


POLYGON_TAGS = _gml("Polygon", "Triangle", "Rectangle")  # TINs and rectangles are polygons too
POSITION_TAGS = _gml("posList", "pos", "coordinates")
COORDINATE_TAGS = set(_gml("coordinates"))  # GML 2: x,y,z tuples with commas
EXTERIOR_TAGS = set(_gml("exterior", "outerBoundaryIs"))
RING_TAGS = EXTERIOR_TAGS | set(_gml("interior", "innerBoundaryIs"))
HEIGHT_VALUE_TAG = "{http://www.opengis.net/citygml/construction/3.0}value"
USE_TAGS = [f"{{{ns}}}{name}" for ns in BUILDING_NS for name in ("function", "usage")]


@lru_cache(maxsize=1024)
def _role(tag: str) -> int | str | None:
    """What an ancestor of a polygon says about it: "owner" (a Building or BuildingPart),
    "skip" (not the body), the LoD of a `lodN...` property, or None; by tag, once per tag."""
    local = tag.rsplit("}", 1)[-1]
    if local in OWNERS:
        return "owner"
    if local in NOT_THE_BODY:
        return "skip"
    match = LOD.match(local)
    return int(match.group(1)) if match else None


def _coords(ring) -> tuple[str, int]:
    """A ring's coordinates as text of x y z triples and the number of its corners.

    The numbers are parsed later, a batch of buildings at once (numpy's per-call overhead
    cost more than the parsing of one ring); only a 2D ring is parsed here, to add its z.
    """
    dim, texts, commas = 3, [], False
    for e in ring.iter(*POSITION_TAGS):
        dim = int(e.get("srsDimension") or dim)
        texts.append(e.text or "")
        commas = commas or e.tag in COORDINATE_TAGS
    text = " ".join(texts).replace(",", " ") if commas else " ".join(texts)
    values = len(text.split())
    if dim == 3 and values % 3 == 0:
        return text, values // 3
    xy = np.fromstring(text, sep=" ")[: values // 2 * 2].reshape(-1, 2)
    return " ".join(f"{x!r} {y!r} 0" for x, y in xy.tolist()), len(xy)


def _polygon(polygon) -> list[tuple[str, int]] | None:
    """The rings of a polygon, exterior first; None without an exterior of 3 corners or more
    (a closed GML ring repeats its first corner: 4 positions)."""
    rings: list[tuple[str, int]] = []
    for child in polygon:
        if child.tag in RING_TAGS:
            ring = _coords(child)
            if child.tag in EXTERIOR_TAGS:
                if ring[1] < 4:
                    return None
                rings.insert(0, ring)
            elif ring[1] >= 4:
                rings.append(ring)
    return rings or None


def _owner_and_lod(polygon) -> tuple[Any, int] | None:
    """The Building or BuildingPart a polygon belongs to and the LoD it was given in.

    None for a polygon of an installation, a room or an opening (not the body), or one
    outside any LoD property.
    """
    lod = None
    for a in polygon.iterancestors():
        role = _role(a.tag) if isinstance(a.tag, str) else None
        if role == "owner":
            return (a, lod) if lod is not None else None
        if role == "skip":
            return None
        if lod is None and isinstance(role, int):
            lod = role
    return None


def _choose(lods: set[int], voxel: float) -> int:
    """As for CityJSON: the most detailed LoD up to 2 at small voxels, LoD1 blocks at large ones."""
    solid = sorted(lod for lod in lods if lod >= 1)
    usable = [lod for lod in solid if lod <= 2] or solid
    if not usable:
        return 0
    return usable[-1] if voxel <= BEST_DETAIL_UP_TO_M or 1 not in usable else 1


def _uses(building) -> list[str]:
    """The function and usage codes of a building and its parts, in the file's order."""
    return [(e.text or "").strip() for e in building.iter(*USE_TAGS) if (e.text or "").strip()]


def _number(elem, name: str) -> float | None:
    """The first `name` of the building itself (not of a part), as a number; for CityGML 3.0's
    `height` the value inside it (`con:height/con:Height/con:value`)."""
    for e in elem:
        if _local(e) == name:
            value = e if name != "height" else next(e.iter(HEIGHT_VALUE_TAG), None)
            try:
                return float((value.text or "").strip()) if value is not None else None
            except ValueError:
                return None
    return None


def _body(building, voxel: float, storey_m: float, default_height_m: float) -> _Body | None:
    """A building's polygons in the LoD chosen per part; None when it has no geometry."""
    by_part: dict[Any, dict[int, list[list[tuple[str, int]]]]] = {}
    for polygon in building.iter(*POLYGON_TAGS):
        found = _owner_and_lod(polygon)
        if found is None:
            continue
        rings = _polygon(polygon)
        if rings is not None:
            by_part.setdefault(found[0], {}).setdefault(found[1], []).append(rings)
    name = building.get(f"{{{GML_NS[0]}}}id") or building.get(f"{{{GML_NS[1]}}}id") or "?"
    block = block_of(_uses(building))
    chosen = [(lods, _choose(set(lods), voxel)) for lods in by_part.values()]
    flat = all(lod == 0 for _, lod in chosen)
    surfaces = [s for lods, lod in chosen if flat or lod > 0 for s in lods.get(lod) or []]
    if not surfaces:
        return None
    if not flat:
        return _Body(name, block, surfaces)
    storeys = _number(building, "storeysAboveGround")
    measured = _number(building, "measuredHeight") or _number(building, "height")
    height = measured or (storeys * storey_m if storeys else None)
    return _Body(name, block, surfaces, height or default_height_m, guessed=height is None)


Extent = tuple[float, float, float, float]


def _flush(
    batch: _Batch,
    project: Callable[[np.ndarray], np.ndarray],
    district: District,
    extent: Extent | None,
) -> None:
    """Project a batch of buildings and turn their polygons into faces, in one vectorised pass.

    A building wholly outside `extent` (the --bbox in the level's CRS) is dropped here, before
    its faces are made: a tile is often larger than a level, and its faces were most of the
    memory an import needs.
    """
    if not batch.bodies:
        return
    rings_of = [r for body in batch.bodies for surface in body.surfaces for r in surface]
    xyz, counts = _parse([text for text, _ in rings_of], np.array([n for _, n in rings_of]))
    xyz[:, :2] = project(xyz[:, :2])
    starts = np.concatenate([[0], np.cumsum(counts)]).tolist()
    rings, n, solid = _Rings(), 0, []
    for body in batch.bodies:
        numbered, first = [], starts[n]  # a body's corners are one run of `xyz`
        for surface in body.surfaces:
            numbered.append([range(starts[n + k], starts[n + k + 1]) for k in range(len(surface))])
            n += len(surface)
        if extent is not None and not _overlaps(xyz[first : starts[n], :2], extent):
            continue
        if body.height is None:
            rings.add(numbered, xyz, body.name, body.name)
            solid.append((body, float(xyz[first : starts[n], 2].min())))
        else:
            _add_flat(body, numbered, xyz, district)
    for (body, base), faces in zip(solid, rings.faces(xyz)):
        if len(faces.polygons):
            district.buildings.append(Building(body.name, body.block, faces, base))
    batch.bodies.clear()
    batch.vertices = 0


def _overlaps(xy: np.ndarray, extent: Extent) -> bool:
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    return bool(x0 <= extent[2] and x1 >= extent[0] and y0 <= extent[3] and y1 >= extent[1])


def _parse(texts: list[str], counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All rings' corners as one (n, 3) array, each ring without the closing repeat of its
    first corner, and the rings' new lengths."""
    try:
        values = np.fromstring(" ".join(texts), sep=" ")
    except ValueError:  # numpy's "could not be read to its end" names no place: say what it is
        values = np.empty(0)
    if values.size != 3 * counts.sum():
        raise ValueError("coordinates that are not numbers")
    xyz = values.reshape(-1, 3)
    ends = np.cumsum(counts)
    closed = (xyz[ends - counts] == xyz[ends - 1]).all(axis=1)
    keep = np.ones(len(xyz), bool)
    keep[ends[closed] - 1] = False
    return xyz[keep], counts - closed


def _add_flat(
    body: _Body, numbered: list[list[range]], xyz: np.ndarray, district: District
) -> None:
    """A footprint (LoD0) raised to its height above its lowest corner."""
    shapes = [shapely.Polygon(xyz[s[0], :2], [xyz[r, :2] for r in s[1:]]) for s in numbered]
    footprint = shapely.make_valid(shapely.union_all(shapes))
    if footprint.is_empty or footprint.area <= 0:
        return
    height = body.height or 0.0
    base = min(float(xyz[s[0], 2].min()) for s in numbered)
    district.buildings.append(
        Building(
            body.name,
            body.block,
            Faces.flat(footprint, base + height),
            base,
            height_guessed=body.guessed,
        )
    )


def _objects(path: Path) -> Iterator[tuple[str, Any]]:
    """("Building", element) for each building and (kind, None) for every other city object.

    Each member is cleared, and dropped from its parent, once read: the tree never holds
    more than the object being read.
    """
    with _open(path) as f:
        for _, elem in etree.iterparse(
            f,
            events=("end",),
            tag=BUILDING_TAGS + MEMBER_TAGS + APPEARANCE_TAGS,
            huge_tree=True,
            recover=False,
        ):
            local = _local(elem)
            if local == "Building":
                parent = elem.getparent()
                if parent is None or _local(parent) not in OWNERS:
                    yield "Building", elem
                continue
            if elem.tag not in APPEARANCE_TAGS:
                kinds = [_local(c) for c in elem if isinstance(c.tag, str)]
                yield from ((kind, None) for kind in kinds if kind != "Building")
            elem.clear()
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]


def read_citygml(
    tiles_crs: list[tuple[Path, CRS]],
    projector: Callable[[CRS], Callable[[np.ndarray], np.ndarray]],
    voxel: float,
    storey_m: float,
    default_height_m: float,
    extent: Extent | None = None,
) -> District:
    """The buildings of every tile; `projector(crs)` maps a tile's (n, 2) x/y into the level CRS.

    Refuses tiles without any building; buildings outside `extent` are left out.
    """
    district, found = District(), 0
    for path, crs in tiles_crs:
        project = projector(crs)
        batch = _Batch()
        try:
            for kind, elem in _objects(path):
                if elem is None:
                    district.skip(kind)
                    continue
                body = _body(elem, voxel, storey_m, default_height_m)
                elem.clear()
                if body is None:
                    district.skip("Building")
                    continue
                found += 1
                batch.bodies.append(body)
                batch.vertices += sum(n for surface in body.surfaces for _, n in surface)
                if batch.vertices >= CHUNK_VERTICES:
                    _flush(batch, project, district, extent)
            _flush(batch, project, district, extent)
        except (etree.XMLSyntaxError, OSError, EOFError, ValueError) as exc:
            raise _unreadable(path, exc) from None
    if not found:
        raise QuartierError(
            "error.import_citygml_no_buildings", what=", ".join(p.name for p, _ in tiles_crs)
        )
    return district
