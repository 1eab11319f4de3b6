"""The CityJSON export against the official CityJSON 2.0 schema, cjio, and the voxels built.

The schema is vendored in tests/data/schemas (with its licence); cjio is the CityJSON project's
own tool. Volumes and heights are checked against the design's voxels, so a wing beside a
tower cannot come out as one block at the tower's height again.
"""

import json
import subprocess
import sys

import jsonschema
import numpy as np
import pytest
from sample_data import TEST_DATA

from game.core.design import new_design
from game.core.session import Session
from game.io.formats import exporter

SCHEMA = TEST_DATA / "schemas" / "cityjson-2.0.0" / "cityjson.min.schema.json"
GROUND = 230.0  # the georeferenced demo level's origin height (tests/io/conftest.py)


def built(level, *boxes):
    """A session whose grid holds `(block, i0, i1, j0, j1, k0, k1)` boxes (ends exclusive)."""
    grid = level.city.copy()
    for block, i0, i1, j0, j1, k0, k1 in boxes:
        grid[i0:i1, j0:j1, k0:k1] = level.catalogue.id(block)
    return Session(level, grid)


def export(session) -> dict:
    doc = new_design(session.level, "test", title="Turm und Flügel")
    files = exporter("cityjson")(doc, session, "out.city.json")
    return json.loads(files["out.city.json"])


def solids(city, obj) -> list[dict]:
    """The Solids of a city object and of its children."""
    own = [g for g in obj.get("geometry", []) if g["type"] == "Solid"]
    for child in obj.get("children", []):
        own += solids(city, city["CityObjects"][child])
    return own


def real(city) -> np.ndarray:
    t = city["transform"]
    return np.asarray(city["vertices"], float) * t["scale"] + t["translate"]


def faces(xyz, solid):
    """(outer ring coordinates, semantic type) of every face of a one-shell Solid."""
    types = [s["type"] for s in solid["semantics"]["surfaces"]]
    [shell] = solid["boundaries"]
    [values] = solid["semantics"]["values"]
    return [(xyz[surface[0]], types[v]) for surface, v in zip(shell, values, strict=True)]


def volume(xyz, solid) -> float:
    """Divergence theorem over the shell's faces: positive only if every face points outwards."""
    total = 0.0
    [shell] = solid["boundaries"]
    for surface in shell:
        for ring in surface:  # holes count negatively by their opposite winding
            p = xyz[ring]
            total += np.einsum(
                "ij,ij->i", np.broadcast_to(p[0], p[1:-1].shape), np.cross(p[1:-1], p[2:])
            ).sum()
    return total / 6


def normal(ring: np.ndarray) -> np.ndarray:
    n = np.cross(ring, np.roll(ring, -1, axis=0)).sum(axis=0)  # Newell's method
    return n / np.linalg.norm(n)


@pytest.fixture(scope="module")
def tower_and_wing(georeferenced_demo):
    """The issue's case: a 20 m tower (4×4 columns) with a 3 m wing (5×4) touching it, 380 m³,
    plus a lawn and a pond beside them."""
    return built(
        georeferenced_demo,
        ("housing", 40, 44, 40, 44, 1, 21),
        ("housing", 44, 49, 40, 44, 1, 4),
        ("grass", 40, 46, 50, 53, 0, 1),
        ("water", 50, 53, 50, 53, 0, 1),
    )


@pytest.fixture(scope="module")
def city(tower_and_wing):
    return export(tower_and_wing)


def test_the_export_passes_the_official_cityjson_2_schema(city):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(city))
    assert not errors, [e.message[:200] for e in errors[:3]]
    assert city["version"] == "2.0"
    assert city["metadata"]["referenceSystem"] == "https://www.opengis.net/def/crs/EPSG/0/25832"


def test_a_wing_beside_a_tower_keeps_its_own_height_and_the_volume_built(city):
    [(key, building)] = [(k, o) for k, o in city["CityObjects"].items() if o["type"] == "Building"]
    assert building["attributes"]["measuredHeight"] == 20
    parts = [city["CityObjects"][c] for c in building["children"]]
    assert [(p["type"], p["parents"]) for p in parts] == [("BuildingPart", [key])] * 2
    assert sorted(
        (p["attributes"]["measuredHeight"], p["attributes"]["storeysAboveGround"]) for p in parts
    ) == [(3, 1), (20, 7)]  # 3 m storeys
    xyz = real(city)
    blocks = sorted(
        (
            volume(xyz, s),
            xyz[np.unique(np.concatenate([r for f in s["boundaries"][0] for r in f]))][:, 2].max(),
        )
        for s in solids(city, building)
    )
    # 5×4×3 m³ wing up to 233 m, 4×4×20 m³ tower up to 250 m: 380 m³, as many as voxels built
    assert blocks == [pytest.approx((60, GROUND + 1 + 3)), pytest.approx((320, GROUND + 1 + 20))]


def test_every_face_is_labelled_ground_roof_or_wall_and_faces_that_way(city):
    xyz = real(city)
    seen = set()
    for s in solids(city, next(o for o in city["CityObjects"].values() if o["type"] == "Building")):
        for ring, kind in faces(xyz, s):
            up = normal(ring)[2]
            assert up == pytest.approx(
                {"GroundSurface": -1, "RoofSurface": 1, "WallSurface": 0}[kind]
            )
            seen.add(kind)
    assert seen == {"GroundSurface", "RoofSurface", "WallSurface"}


# Run in a child process: importing cjio replaces the json module's float encoder for the whole
# process (`json.encoder.float`, no C encoder), which changed every level hash computed after it.
CJIO_READS = """
import json, sys
from cjio import cityjson
with open(sys.argv[1]) as f:
    model = cityjson.reader(f)
obj = model.export2obj(sloppy=True)  # mapbox-earcut triangulates
text = (obj[0] if isinstance(obj, tuple) else obj).getvalue()
print(json.dumps({
    "version": model.get_version(),
    "types": sorted({o["type"] for o in model.j["CityObjects"].values()}),
    "faces": sum(line.startswith("f ") for line in text.splitlines()),
}))
"""


def test_cjio_reads_the_file_and_its_obj_export_has_the_faces(city, tmp_path):
    path = tmp_path / "out.city.json"
    path.write_text(json.dumps(city))
    done = subprocess.run(
        [sys.executable, "-c", CJIO_READS, str(path)], capture_output=True, text=True, check=True
    )
    read = json.loads(done.stdout)
    assert read["version"] == "2.0"
    assert {"Building", "BuildingPart", "PlantCover", "WaterBody"} <= set(read["types"])
    # two blocks of 6 quads each, every quad as two triangles, and the lawn's and pond's surfaces
    assert read["faces"] >= 2 * 6 * 2 + 2


def test_a_building_on_a_slope_stands_on_its_lowest_voxels_step_by_step(georeferenced_demo):
    """Ground rising by 2 m under the east half: each half's block starts at its own lowest
    voxel's real height, so sloped ground comes back out as it was built."""
    session = built(
        georeferenced_demo,
        ("housing", 60, 64, 40, 44, 1, 7),
        ("housing", 64, 68, 40, 44, 3, 9),
    )
    city = export(session)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(city, schema)
    xyz = real(city)
    [building] = [o for o in city["CityObjects"].values() if o["type"] == "Building"]
    bases = sorted(
        xyz[np.unique(np.concatenate([r for f in s["boundaries"][0] for r in f]))][:, 2].min()
        for s in solids(city, building)
    )
    assert bases == [GROUND + 1, GROUND + 3]
    assert building["attributes"]["measuredHeight"] == 8  # from 231 m up to 239 m


def test_one_block_is_one_building_with_one_solid(georeferenced_demo):
    city = export(built(georeferenced_demo, ("office", 40, 45, 40, 43, 1, 7)))
    [building] = city["CityObjects"].values()
    assert "children" not in building
    [solid] = building["geometry"]
    assert solid["type"] == "Solid" and volume(real(city), solid) == pytest.approx(5 * 3 * 6)
