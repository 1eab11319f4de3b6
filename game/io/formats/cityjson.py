"""CityJSON 2.0 export: a design's new buildings as LoD1 solids and its spaces as surfaces.

Coordinates stay in the level's projected CRS (named in `metadata.referenceSystem`) with a
millimetre `transform`, as CityJSON expects. A building of one height step is a `Building`
with one `Solid`; a building of several (a wing beside a tower) is a `Building` whose
`BuildingPart` children are one `Solid` each, every block from its own base to its own top.
CityJSON 2.0 allows no `MultiSolid` on a building: the official schema refused the file and
cjio exported no faces from it. Every face is labelled ground, roof or wall (`semantics`), so
a GIS can tell roofs from walls. The file validates against the official CityJSON 2.0 schema
(tests/data/schemas). shapely (the `[gis]` extra) is imported when a design is exported, so
the format table loads without it.
"""

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from game.core.design import DesignDocument
from game.core.session import Session
from game.io.gis import require_gis

if TYPE_CHECKING:  # shapely, which the format table loads without
    from game.io.design_features import Proposal

SCALE = 0.001
LOD = "1"
# Block category -> CityJSON type of a space.
SPACE_TYPES = {"nature": "PlantCover", "streets": "Road", "leisure": "LandUse"}
# The surface types of a block's faces, in the order `_solid` writes them: floor, roof, walls.
SEMANTICS = [{"type": "GroundSurface"}, {"type": "RoofSurface"}, {"type": "WallSurface"}]

Add = Callable[[float, float, float], int]


def _rings(polygon) -> list[np.ndarray]:
    """Exterior counter-clockwise, holes clockwise (seen from above), without the closing point."""
    import shapely

    oriented = shapely.orient_polygons(polygon)
    return [np.asarray(r.coords)[:-1, :2] for r in (oriented.exterior, *oriented.interiors)]


def _solid(polygon, bottom: float, top: float, add: Add) -> dict:
    """A `Solid` of one closed shell: floor (facing down), roof (facing up) and a wall per ring
    edge (facing out), each face labelled."""
    rings = _rings(polygon)
    floor = [[add(x, y, bottom) for x, y in ring[::-1]] for ring in rings]
    roof = [[add(x, y, top) for x, y in ring] for ring in rings]
    walls = [
        [[add(ax, ay, bottom), add(bx, by, bottom), add(bx, by, top), add(ax, ay, top)]]
        for ring in rings
        for (ax, ay), (bx, by) in zip(ring, np.roll(ring, -1, axis=0), strict=True)
    ]
    return {
        "type": "Solid",
        "lod": LOD,
        "boundaries": [[floor, roof, *walls]],
        "semantics": {"surfaces": SEMANTICS, "values": [[0, 1, *[2] * len(walls)]]},
    }


def _building(key: str, p: "Proposal", add: Add) -> dict[str, dict]:
    """The city objects of one building: itself, and a `BuildingPart` per height step if it has several."""
    attributes = {
        "measuredHeight": p.height_m,
        "storeysAboveGround": p.floors,
        "quartier_block": p.block,
        **({"function": p.use} if p.use else {}),  # blocks without a use: no value to give
    }
    solids = [
        _solid(part.footprint, part.base_m, part.base_m + part.height_m, add) for part in p.parts
    ]
    if len(solids) == 1:
        return {key: {"type": "Building", "attributes": attributes, "geometry": solids}}
    children = {
        f"{key}-{n}": {
            "type": "BuildingPart",
            "attributes": {"measuredHeight": part.height_m, "storeysAboveGround": part.floors},
            "parents": [key],
            "geometry": [solid],
        }
        for n, (part, solid) in enumerate(zip(p.parts, solids, strict=True), start=1)
    }
    building = {"type": "Building", "attributes": attributes, "children": list(children)}
    return {key: building, **children}


def export_design(doc: DesignDocument, session: Session, name: str) -> dict[str, bytes]:
    require_gis()
    import shapely

    from game.io.design_features import proposals

    found, frame = proposals(session)
    cat = session.level.catalogue
    vertices: dict[tuple[int, ...], int] = {}
    translate = np.array(frame.origin)

    def add(x: float, y: float, z: float) -> int:
        i, j, k = (int(round(v)) for v in (np.array([x, y, z]) - translate) / SCALE)
        return vertices.setdefault((i, j, k), len(vertices))

    objects: dict[str, dict] = {}
    for n, p in enumerate(found, start=1):
        if p.kind == "building":
            objects.update(_building(f"quartier-{n}", p, add))
            continue
        kind = (
            "WaterBody"
            if p.block == "water"
            else SPACE_TYPES.get(cat.block(p.block).category, "GenericCityObject")
        )
        polygons = [g for g in shapely.get_parts(p.footprint) if g.geom_type == "Polygon"]
        surfaces = [
            [[add(x, y, p.base_m) for x, y in ring] for ring in _rings(g)] for g in polygons
        ]
        objects[f"quartier-{n}"] = {
            "type": kind,
            "attributes": {"quartier_block": p.block, "height": p.height_m},
            "geometry": [{"type": "MultiSurface", "lod": LOD, "boundaries": surfaces}],
        }
    metadata: dict = {
        "referenceSystem": f"https://www.opengis.net/def/crs/EPSG/0/{frame.epsg}",
        "title": doc.title or str(doc.id),
    }
    if vertices:
        ijk = np.array(list(vertices)) * SCALE + translate
        metadata["geographicalExtent"] = [*ijk.min(axis=0).tolist(), *ijk.max(axis=0).tolist()]
    city = {
        "type": "CityJSON",
        "version": "2.0",
        "transform": {"scale": [SCALE] * 3, "translate": list(frame.origin)},
        "metadata": metadata,
        "CityObjects": objects,
        "vertices": [list(v) for v in vertices],
    }
    return {
        name: (json.dumps(city, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    }
