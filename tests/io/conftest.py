"""Fixtures for the export tests: a student's design on the demo level as `quartier design export`
sees it."""

import json

import pytest

from game.cli import main
from game.io.designs import open_design_file

OPS = [
    {"op": "box", "from": [50, 52, 1], "to": [60, 58, 6], "block": "housing"},
    {
        "op": "building",
        "polygon": [[62, 52], [68, 52], [68, 62]],
        "floors": 3,
        "roof": "green_roof",
    },
    {"op": "place", "at": [70, 60, 1], "block": "tree"},
]


@pytest.fixture
def demo_design(tmp_path):
    path = tmp_path / "park.design.json"
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps(OPS))
    assert main(["design", "new", "--level", "demo", "--out", str(path)]) == 0
    assert main(["design", "edit", str(path), "--ops", str(ops)]) == 0
    return path


@pytest.fixture
def demo_session(demo_design):
    return open_design_file(demo_design)[1]


@pytest.fixture(scope="module")
def georeferenced_demo():
    """The demo level placed on the map (EPSG:25832, ground at 230 m) with 1 m voxels, for the
    GIS exports without an import: what `level import` would give, in a fraction of its time."""
    from game.core.level import Level
    from game.core.level_document import Georeference
    from game.io.levels import find_level

    demo = find_level("demo")
    georef = Georeference(epsg=25832, origin=(411000.0, 5480000.0, 230.0))
    doc = demo.doc.model_copy(update={"voxel_size_m": 1.0, "georeference": georef})
    return Level(doc, demo.catalogue)
