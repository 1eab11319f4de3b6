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
from game.io.level_import import ImportOptions, import_level

SCHEMAS = TEST_DATA / "citygml-2.0-xsd"
BUILDING_XSD = SCHEMAS / "schemas.opengis.net" / "citygml" / "building" / "2.0" / "building.xsd"
OPS = [
    {"op": "box", "from": [20, 30, 1], "to": [29, 34, 9], "block": "housing"},
    {"op": "box", "from": [40, 30, 1], "to": [45, 39, 4], "block": "office"},
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
    assert len(root.findall(f".//{bldg}Building/{bldg}lod1Solid")) == 2
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
    for block, (op, height) in zip(("housing", "office"), ((OPS[0], 9.0), (OPS[1], 4.0))):
        building = found[block]
        top = building.faces.planes[:, 2].max()
        assert top - building.base == pytest.approx(height)
        assert building.base == pytest.approx(origin[2] + 1)  # on the ground layer
        footprint = shapely.union_all(building.faces.polygons)
        (i0, j0, _), (i1, j1, _) = op["from"], op["to"]
        assert footprint.area == pytest.approx((i1 - i0 + 1) * (j1 - j0 + 1))
        assert np.allclose(
            footprint.bounds,
            (origin[0] + i0, origin[1] + j0, origin[0] + i1 + 1, origin[1] + j1 + 1),
        )
