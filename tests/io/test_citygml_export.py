"""`design export --format citygml`: CityGML 2.0 LoD1 that the official schema accepts and that
the project's own CityGML reader reads back to the same buildings, in the same place."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from lxml import etree
from sample_data import DENHAAG, TEST_DATA

from game.cli import main
from game.core.indicators.base import tables
from game.io.level_import import ImportOptions, import_level

SCHEMAS = TEST_DATA / "citygml-2.0-xsd"
BUILDING_XSD = SCHEMAS / "schemas.opengis.net" / "citygml" / "building" / "2.0" / "building.xsd"
OPS = [
    {"op": "box", "from": [20, 30, 1], "to": [29, 34, 9], "block": "housing"},
    {"op": "box", "from": [40, 30, 1], "to": [45, 39, 4], "block": "office"},
    # a 3 m wing beside the 9 m housing block: one building of two height steps
    {"op": "box", "from": [30, 30, 1], "to": [33, 34, 3], "block": "housing"},
]


class _Vendored(etree.Resolver):
    """The schemas' imports by URL, answered from the vendored copies (laid out by URL)."""

    def resolve(self, url, pubid, context):
        for prefix in ("http://", "https://"):
            if url.startswith(prefix):
                local = SCHEMAS / url.removeprefix(prefix)
                if local.is_file():
                    return self.resolve_filename(str(local), context)
        return None


def building_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Vendored())
    return etree.XMLSchema(etree.parse(str(BUILDING_XSD), parser))


@pytest.fixture
def exported(tmp_path, quartier_home) -> tuple[Path, list[float]]:
    """Two new buildings on the Den Haag level, exported; and the level's origin."""
    levels = quartier_home / "levels"
    levels.mkdir(parents=True)
    level = levels / "denhaag-gml.level.json"
    args = ["--crs", "EPSG:7415", "--licence", "test", "--id", "denhaag-gml"]
    assert main(["level", "import", str(DENHAAG), "--out", str(level), *args]) == 0
    design = tmp_path / "mine.design.json"
    assert main(["design", "new", "--level", "denhaag-gml", "--out", str(design)]) == 0
    (tmp_path / "ops.json").write_text(json.dumps(OPS))
    assert main(["design", "edit", str(design), "--ops", str(tmp_path / "ops.json")]) == 0
    out = tmp_path / "changes.gml"
    assert main(["design", "export", str(design), "--format", "citygml", "--out", str(out)]) == 0
    return out, json.loads(level.read_text())["georeference"]["origin"]


def test_the_citygml_export_is_valid_citygml_2(exported):
    path, _ = exported
    document = etree.parse(str(path))
    schema = building_schema()
    assert schema.validate(document), schema.error_log
    root = document.getroot()
    assert root.tag == "{http://www.opengis.net/citygml/2.0}CityModel"
    bldg = "{http://www.opengis.net/citygml/building/2.0}"
    assert len(root.findall(f".//{bldg}Building/{bldg}lod1Solid")) == 1  # the office
    parts = root.findall(f".//{bldg}Building/{bldg}consistsOfBuildingPart/{bldg}BuildingPart")
    assert sorted(float(p.find(f"{bldg}measuredHeight").text) for p in parts) == [3.0, 9.0]
    # the schema is really checked: the same file with a building's attributes out of order fails
    building = root.find(f".//{bldg}Building")
    building.append(building.find(f"{bldg}function"))
    assert not schema.validate(document)


def test_the_citygml_export_reads_back_as_the_same_buildings_in_the_same_place(exported, catalogue):
    path, origin = exported
    result = import_level(path, ImportOptions(licence="test"), catalogue)
    assert result.doc.georeference.epsg == 7415 and result.raster.buildings == 2
    found = {b.block: b for b in result.district.buildings}
    assert set(found) == {"housing", "office"}
    for block, ops, heights in (("housing", OPS[::2], {9.0, 3.0}), ("office", OPS[1:2], {4.0})):
        building = found[block]
        tops = building.faces.planes[:, 2] - building.base
        assert set(np.round(tops[tops > 0], 6)) == heights  # the wing keeps its own height
        assert building.base == pytest.approx(origin[2] + 1)  # on the ground layer
        footprint = shapely.union_all(building.faces.polygons)
        boxes = [
            shapely.box(origin[0] + i0, origin[1] + j0, origin[0] + i1 + 1, origin[1] + j1 + 1)
            for (i0, j0, _), (i1, j1, _) in ((op["from"], op["to"]) for op in ops)
        ]
        assert footprint.symmetric_difference(shapely.union_all(boxes)).area < 1e-6
    wing_and_tower = tables(catalogue).building[result.raster.grid].sum(axis=2)
    assert np.bincount(wing_and_tower.ravel())[[3, 4, 9]].tolist() == [4 * 5, 6 * 10, 10 * 5]
