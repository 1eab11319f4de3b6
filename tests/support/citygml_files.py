"""CityGML files written by the tests from a CityJSON source, and that source's own truth.

The writer is plain string formatting (not the project's exporter), so the reader is checked
against files built the way surveys build them: buildings with their parts as LoD2 solids, or
as bounded-by surfaces only (wall, roof, ground; the German state-survey tiles), in the
CityGML 2.0 or 3.0 namespaces, plain or gzipped.
"""

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from solids import solid_truth

NAMESPACES = {
    "2.0": {
        "core": "http://www.opengis.net/citygml/2.0",
        "bldg": "http://www.opengis.net/citygml/building/2.0",
        "gml": "http://www.opengis.net/gml",
        "gen": "http://www.opengis.net/citygml/generics/2.0",
        "surfaces": "bldg",  # the namespace of WallSurface, RoofSurface, GroundSurface
        "boundary": "bldg:boundedBy",
    },
    "3.0": {
        "core": "http://www.opengis.net/citygml/3.0",
        "bldg": "http://www.opengis.net/citygml/building/3.0",
        "gml": "http://www.opengis.net/gml/3.2",
        "con": "http://www.opengis.net/citygml/construction/3.0",
        "gen": "http://www.opengis.net/citygml/generics/3.0",
        "surfaces": "con",
        "boundary": "core:boundary",
    },
}
ALKIS_HOUSING = "31001_1000"


@dataclass
class Part:
    """A building or building part: its polygons (rings of (n, 3) corners) with their semantics."""

    id: str
    surfaces: list[tuple[str, list[np.ndarray]]]  # (WallSurface/RoofSurface/GroundSurface, rings)


@dataclass
class SourceBuilding:
    id: str
    parts: list[Part]  # the building's own geometry first (possibly none), then its parts

    def rings(self) -> list[list[np.ndarray]]:
        return [rings for part in self.parts for _, rings in part.surfaces]


def from_cityjson(path: Path, lod: str = "2") -> list[SourceBuilding]:
    """The root buildings of a CityJSON file with their parts' surfaces of one LoD."""
    raw = json.loads(Path(path).read_text())
    t = raw["transform"]
    xyz = np.asarray(raw["vertices"], float) * t["scale"] + t["translate"]
    objects = raw["CityObjects"]

    def part(name: str) -> Part:
        surfaces = []
        for g in objects[name].get("geometry", []):
            if g["lod"] != lod:
                continue
            assert g["type"] == "Solid", "the sample files' buildings are solids"
            shells = g["boundaries"]
            values = (g.get("semantics") or {}).get("values") or [[None] * len(s) for s in shells]
            kinds = (g.get("semantics") or {}).get("surfaces") or []
            for shell, shell_values in zip(shells, values):
                for rings, value in zip(shell, shell_values):
                    kind = kinds[value]["type"] if value is not None else "WallSurface"
                    surfaces.append((kind, [xyz[r] for r in rings]))
        return Part(name, surfaces)

    return [
        SourceBuilding(name, [part(n) for n in [name, *obj.get("children", [])]])
        for name, obj in objects.items()
        if obj["type"] == "Building" and not obj.get("parents")
    ]


def truth(building: SourceBuilding) -> tuple[shapely.Geometry, float, np.ndarray, np.ndarray]:
    """(footprint, volume m³, lowest x/y, highest x/y), as `solids.solid_truth` finds them."""
    footprint, volume, points = solid_truth(building.rings())
    xy = points[:, :2]
    return footprint, volume, xy.min(0), xy.max(0)


def _pos_list(ring: np.ndarray) -> str:
    closed = np.vstack([ring, ring[:1]])
    return " ".join(f"{v:.3f}" for v in closed.ravel())


def _polygon(rings: list[np.ndarray], gml: str = "gml") -> str:
    inner = "".join(
        f"<{gml}:interior><{gml}:LinearRing><{gml}:posList>{_pos_list(r)}</{gml}:posList>"
        f"</{gml}:LinearRing></{gml}:interior>"
        for r in rings[1:]
    )
    return (
        f'<{gml}:Polygon><{gml}:exterior><{gml}:LinearRing><{gml}:posList srsDimension="3">'
        f"{_pos_list(rings[0])}</{gml}:posList></{gml}:LinearRing></{gml}:exterior>{inner}"
        f"</{gml}:Polygon>"
    )


def _geometry(part: Part, version: str, bounded_by: bool) -> str:
    ns = NAMESPACES[version]
    if not part.surfaces:
        return ""
    if bounded_by:
        lod = "core:lod2MultiSurface" if version == "3.0" else "bldg:lod2MultiSurface"
        s = ns["surfaces"]
        return "".join(
            f"<{ns['boundary']}><{s}:{kind}><{lod}><gml:MultiSurface><gml:surfaceMember>"
            f"{_polygon(rings)}</gml:surfaceMember></gml:MultiSurface></{lod}></{s}:{kind}>"
            f"</{ns['boundary']}>"
            for kind, rings in part.surfaces
        )
    lod = "core:lod2Solid" if version == "3.0" else "bldg:lod2Solid"
    members = "".join(
        f"<gml:surfaceMember>{_polygon(rings)}</gml:surfaceMember>" for _, rings in part.surfaces
    )
    return (
        f"<{lod}><gml:Solid><gml:exterior><gml:CompositeSurface>{members}"
        f"</gml:CompositeSurface></gml:exterior></gml:Solid></{lod}>"
    )


def citygml(
    buildings: list[SourceBuilding],
    version: str = "2.0",
    srs: str = "urn:ogc:def:crs:EPSG::7415",
    bounded_by: bool = False,
    function: str = ALKIS_HOUSING,
    others: int = 1,
) -> str:
    """A CityModel document; `others` adds that many non-building objects (a generic object)."""
    ns = NAMESPACES[version]
    declared = " ".join(
        f'xmlns:{k}="{v}"' for k, v in ns.items() if k not in ("surfaces", "boundary")
    )
    part_property = "bldg:buildingPart" if version == "3.0" else "bldg:consistsOfBuildingPart"
    members = []
    for b in buildings:
        own, parts = b.parts[0], b.parts[1:]
        inner = "".join(
            f'<{part_property}><bldg:BuildingPart gml:id="{p.id}">'
            f"{_geometry(p, version, bounded_by)}</bldg:BuildingPart></{part_property}>"
            for p in parts
        )
        members.append(
            f'<core:cityObjectMember><bldg:Building gml:id="{b.id}">'
            f"<bldg:function>{function}</bldg:function>"
            f"{_geometry(own, version, bounded_by)}{inner}</bldg:Building></core:cityObjectMember>"
        )
    members += [
        f'<core:cityObjectMember><gen:GenericCityObject gml:id="other-{n}"/></core:cityObjectMember>'
        for n in range(others)
    ]
    # without buildings the envelope is a point in Den Haag (the default CRS's data), not 0, 0,
    # which would read as degrees
    points = [r for b in buildings for rings in b.rings() for r in rings] or [
        np.array([[81000.0, 455000.0, 0.0]])
    ]
    low, high = (
        " ".join(f"{v:.3f}" for v in f(np.concatenate(points), 0)) for f in (np.min, np.max)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<core:CityModel {declared}>'
        f'<gml:boundedBy><gml:Envelope srsName="{srs}" srsDimension="3">'
        f"<gml:lowerCorner>{low}</gml:lowerCorner><gml:upperCorner>{high}</gml:upperCorner>"
        f"</gml:Envelope></gml:boundedBy>{''.join(members)}</core:CityModel>\n"
    )


def write(path: Path, document: str) -> Path:
    """Plain, or gzipped when the name ends in .gz."""
    data = document.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path
