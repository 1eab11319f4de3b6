"""What a GIS source says about a district, in the level's CRS, before it becomes voxels.

The readers (GeoJSON, CityJSON, and OpenStreetMap through GeoJSON's tag tables) produce a
`District`; the voxeliser only reads this, so a new source format is a new reader and
nothing else. A building's roof is a set of planar
faces (z = a·x + b·y + c over a 2D polygon): one flat face for a footprint with a height,
the real roof and ground surfaces for CityJSON solids.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass
class Faces:
    """Planar, non-vertical surfaces: `polygons[k]` carries z = planes[k] · (x, y, 1)."""

    polygons: np.ndarray  # shapely geometries
    planes: np.ndarray  # (n, 3)

    @classmethod
    def flat(cls, footprint: BaseGeometry, z: float) -> "Faces":
        return cls(np.array([footprint], dtype=object), np.array([[0.0, 0.0, z]]))

    @classmethod
    def join(cls, parts: list["Faces"]) -> "Faces":
        return cls(
            np.concatenate([p.polygons for p in parts]), np.concatenate([p.planes for p in parts])
        )


@dataclass
class Building:
    """One building: its faces, the ground it stands on (`base`, metres) and where its walls begin."""

    name: str
    block: str
    faces: Faces
    base: float
    bottom: float = 0.0  # metres above `base` (OSM min_height: a passage under the building)
    # False when the source gives heights above the ground but not where the ground is
    # (GeoJSON, OSM: `base` is 0): a DEM then puts the building on the ground under it.
    base_known: bool = True
    height_guessed: bool = False  # the source gave no height: the import's default was taken


@dataclass
class Area:
    """A ground surface (street, lawn, water...) painted into the ground layer.

    It is the union of `parts`, kept apart: a CityJSON ground object is hundreds of faces, and
    their union cost more than the rest of an import while a column only needs to know whether
    its centre lies inside one of them (see `voxelise`).
    """

    block: str
    parts: np.ndarray  # shapely polygons

    @classmethod
    def of(cls, block: str, shape: BaseGeometry) -> "Area":
        return cls(block, np.array([shape], dtype=object))


@dataclass
class Point:
    """A single object on the ground, such as a tree, `height` metres tall."""

    block: str
    x: float
    y: float
    height: float


@dataclass
class District:
    buildings: list[Building] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    licence: str | None = None
    missing_heights: int = 0  # of the buildings in the level, those with a guessed height
    skipped: dict[str, int] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)  # names of polygons make_valid mended
    cut: int = 0  # buildings the --bbox cuts through (see `cut_by`)

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def tallest(self) -> float:
        """The greatest height of any roof corner above its building's base, in metres."""
        if not self.buildings:
            return 0.0
        polygons = np.concatenate([b.faces.polygons for b in self.buildings])
        planes = np.concatenate([b.faces.planes for b in self.buildings])
        base = np.repeat(
            [b.base for b in self.buildings], [len(b.faces.polygons) for b in self.buildings]
        )
        xy, face = shapely.get_coordinates(polygons, return_index=True)
        a, c, d = planes[face].T
        return float((a * xy[:, 0] + c * xy[:, 1] + d - base[face]).max(initial=0.0))

    def cut_by(self, extent: tuple[float, float, float, float]) -> int:
        """How many buildings the box crosses; their parts inside it stay in the level.

        A planner's model is cut at the edge of its base plate, as a map sheet is: the street
        front at the edge keeps its height and shade, and leaving those buildings out would
        open empty lots along the edge that pupils could mistake for building land. So the cut
        parts are kept, and the import says how many there are, so no one takes a sliced
        building for a narrow one.
        """
        if not self.buildings:
            return 0
        faces = [b.faces.polygons for b in self.buildings]
        owner = np.repeat(np.arange(len(faces)), [len(f) for f in faces])
        polygons = np.concatenate(faces)
        box = shapely.box(*extent)
        crossing = shapely.intersects(polygons, box) & ~shapely.within(polygons, box)
        return int(np.unique(owner[crossing]).size)

    def guessed_in(self, extent: tuple[float, float, float, float]) -> int:
        """How many buildings in the box (wholly or cut) got the default height: a file of a
        whole city has thousands without one, the quarter cut out of it perhaps none."""
        guessed = [b.faces.polygons for b in self.buildings if b.height_guessed]
        if not guessed:
            return 0
        owner = np.repeat(np.arange(len(guessed)), [len(f) for f in guessed])
        inside = shapely.intersects(np.concatenate(guessed), shapely.box(*extent))
        return int(np.unique(owner[inside]).size)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """The bounds of everything in the district: a union's bounds are those of its parts."""
        shapes = [b.faces.polygons for b in self.buildings] + [a.parts for a in self.areas]
        shapes.append(shapely.points(np.array([(p.x, p.y) for p in self.points]).reshape(-1, 2)))
        everything = np.concatenate(shapes)
        if not len(everything):
            return None
        return tuple(shapely.total_bounds(everything))


def repaired_polygons(shapes: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The shapes with every invalid polygon mended by `shapely.make_valid`, and which were mended.

    A polygon that crosses itself or has a spike is common in surveyed and traced data, and one
    of them aborted a whole import of thousands. make_valid keeps the area it encloses (a bow
    tie becomes its two triangles); only its polygonal parts are kept, since a leftover line or
    point is no footprint. A polygon with no area left comes back empty.
    """
    shapes = shapes.copy()
    polygonal = np.isin(shapely.get_type_id(shapes), (3, 6))  # Polygon, MultiPolygon
    broken = np.flatnonzero(polygonal & ~shapely.is_valid(shapes)).tolist()
    for index in broken:
        parts = shapely.get_parts(shapely.make_valid(shapes[index]))
        parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        shapes[index] = shapely.multipolygons(shapely.get_parts(parts))
    return shapes, broken


def licence_in(mapping: dict) -> str | None:
    """The licence a source names for itself (`licence`, `license` or `attribution`), if any."""
    for key in ("licence", "license", "attribution"):
        if isinstance(mapping.get(key), str) and mapping[key].strip():
            return mapping[key].strip()
    return None
