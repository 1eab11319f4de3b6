"""CityJSON 2.0 export: a design's new buildings as LoD1 solids and its spaces as surfaces.

Coordinates stay in the level's projected CRS (named in `metadata.referenceSystem`) with a
millimetre `transform`, as CityJSON expects; solids are footprints extruded to their height.
shapely (the `[gis]` extra) is imported when a design is exported, so the format table loads
without it.
"""

import json

import numpy as np

from game.core.design import DesignDocument
from game.core.session import Session
from game.io.gis import require_gis

SCALE = 0.001
# Block category -> CityJSON type of a space.
SPACE_TYPES = {"nature": "PlantCover", "streets": "Road", "leisure": "LandUse"}


def _rings(polygon) -> list[np.ndarray]:
    """Exterior counter-clockwise, holes clockwise (seen from above), without the closing point."""
    import shapely

    oriented = shapely.orient_polygons(polygon)
    return [np.asarray(r.coords)[:-1, :2] for r in (oriented.exterior, *oriented.interiors)]


def _solid(rings: list[np.ndarray], bottom: float, top: float, add) -> list:
    """One closed shell: bottom (facing down), top (facing up), and a wall per ring edge (facing out)."""
    floor = [[add(x, y, bottom) for x, y in ring[::-1]] for ring in rings]
    roof = [[add(x, y, top) for x, y in ring] for ring in rings]
    walls = []
    for ring in rings:
        for (ax, ay), (bx, by) in zip(ring, np.roll(ring, -1, axis=0)):
            walls.append(
                [[add(ax, ay, bottom), add(bx, by, bottom), add(bx, by, top), add(ax, ay, top)]]
            )
    return [[floor, roof, *walls]]


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

    objects = {}
    for n, p in enumerate(found, start=1):
        polygons = [g for g in shapely.get_parts(p.footprint) if g.geom_type == "Polygon"]
        if p.kind == "building":
            boundaries = [_solid(_rings(g), p.base_m, p.base_m + p.height_m, add) for g in polygons]
            objects[f"quartier-{n}"] = {
                "type": "Building",
                "attributes": {
                    "measuredHeight": p.height_m,
                    "storeysAboveGround": p.floors,
                    "function": p.use,
                    "quartier_block": p.block,
                },
                "geometry": [{"type": "MultiSolid", "lod": "1", "boundaries": boundaries}],
            }
        else:
            kind = (
                "WaterBody"
                if p.block == "water"
                else SPACE_TYPES.get(cat.block(p.block).category, "GenericCityObject")
            )
            surfaces = [
                [[add(x, y, p.base_m) for x, y in ring] for ring in _rings(g)] for g in polygons
            ]
            objects[f"quartier-{n}"] = {
                "type": kind,
                "attributes": {"quartier_block": p.block, "height": p.height_m},
                "geometry": [{"type": "MultiSurface", "lod": "1", "boundaries": surfaces}],
            }
    city = {
        "type": "CityJSON",
        "version": "2.0",
        "transform": {"scale": [SCALE] * 3, "translate": list(frame.origin)},
        "metadata": {
            "referenceSystem": f"https://www.opengis.net/def/crs/EPSG/0/{frame.epsg}",
            "title": doc.title or str(doc.id),
        },
        "CityObjects": objects,
        "vertices": [list(v) for v in vertices],
    }
    return {
        name: (json.dumps(city, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    }
