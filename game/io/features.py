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
    missing_heights: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

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

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """The bounds of everything in the district: a union's bounds are those of its parts."""
        shapes = [b.faces.polygons for b in self.buildings] + [a.parts for a in self.areas]
        shapes.append(shapely.points(np.array([(p.x, p.y) for p in self.points]).reshape(-1, 2)))
        everything = np.concatenate(shapes)
        if not len(everything):
            return None
        return tuple(shapely.total_bounds(everything))


def licence_in(mapping: dict) -> str | None:
    """The licence a source names for itself (`licence`, `license` or `attribution`), if any."""
    for key in ("licence", "license", "attribution"):
        if isinstance(mapping.get(key), str) and mapping[key].strip():
            return mapping[key].strip()
    return None
