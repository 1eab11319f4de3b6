"""Small CityJSON 2.0 files written by the terrain and CRS tests: box buildings at given bases.

Each box is an LoD1 `Solid` (ground, roof and four walls) standing at its own base height,
so a test knows every building's true base and roof without any reader's help.
"""

import json
from pathlib import Path

SCALE = 0.001


def box_solid(box, add):
    """Six outward-facing faces of a box, as CityJSON vertex indices from `add(x, y, z)`."""
    x0, y0, x1, y1, base, height = box
    lo = [add(x, y, base) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    hi = [add(x, y, base + height) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    walls = [[[lo[k], lo[(k + 1) % 4], hi[(k + 1) % 4], hi[k]]] for k in range(4)]
    return [[[lo[::-1]], [hi], *walls]]


def cityjson_boxes(boxes, reference_system="https://www.opengis.net/def/crs/EPSG/0/25832"):
    """A CityJSON document of `boxes`: (x0, y0, x1, y1, base, height) in metres of the CRS."""
    origin = [min(b[0] for b in boxes), min(b[1] for b in boxes), min(b[4] for b in boxes)]
    vertices: dict[tuple[int, int, int], int] = {}

    def add(x, y, z):
        key = tuple(round((v - o) / SCALE) for v, o in zip((x, y, z), origin))
        return vertices.setdefault(key, len(vertices))

    objects = {
        f"box-{n}": {
            "type": "Building",
            "geometry": [{"type": "Solid", "lod": "1", "boundaries": box_solid(b, add)}],
        }
        for n, b in enumerate(boxes)
    }
    metadata = {"licence": "test data"}
    if reference_system is not None:
        metadata["referenceSystem"] = reference_system
    return {
        "type": "CityJSON",
        "version": "2.0",
        "transform": {"scale": [SCALE] * 3, "translate": origin},
        "metadata": metadata,
        "CityObjects": objects,
        "vertices": [list(v) for v in vertices],
    }


def write_boxes(path: Path, boxes, **options) -> Path:
    path.write_text(json.dumps(cityjson_boxes(boxes, **options)))
    return path
