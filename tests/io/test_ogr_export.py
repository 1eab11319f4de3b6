"""`design export --format gpkg`: a student's new building lands where it was built, in a
GeoPackage that GDAL (pyogrio) reads back with the same attributes as the GeoJSON export."""

import json

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely

from game.cli import main

X, Y = 390000, 5818000  # EPSG:25833, Berlin
HOUSE = [[X, Y], [X + 20, Y], [X + 20, Y + 20], [X, Y + 20], [X, Y]]


@pytest.fixture
def design(tmp_path, quartier_home):
    """A level from a GeoPackage, with an office block and a lawn built on it."""
    source = tmp_path / "haus.gpkg"
    pyogrio.raw.write(
        str(source),
        shapely.to_wkb(np.array([shapely.Polygon(HOUSE)])),
        [np.array([12.0])],
        ["height"],
        crs="EPSG:25833",
        geometry_type="Polygon",
    )
    (quartier_home / "levels").mkdir(parents=True, exist_ok=True)
    level = quartier_home / "levels" / "gpkg-test.level.json"
    args = ["level", "import", str(source), "--out", str(level), "--id", "gpkg-test"]
    assert main([*args, "--licence", "x", "--bbox", f"{X - 20},{Y - 20},{X + 60},{Y + 40}"]) == 0
    path = tmp_path / "mine.design.json"
    assert (
        main(["design", "new", "--level", "gpkg-test", "--out", str(path), "--title", "Büro"]) == 0
    )
    ops = tmp_path / "ops.json"
    ops.write_text(
        json.dumps(
            [
                {"op": "box", "from": [50, 20, 1], "to": [59, 24, 6], "block": "office"},
                {"op": "box", "from": [50, 30, 0], "to": [55, 33, 0], "block": "grass"},
            ]
        )
    )
    assert main(["design", "edit", str(path), "--ops", str(ops)]) == 0
    return path, json.loads(level.read_text())


def export(path, fmt, out):
    assert main(["design", "export", str(path), "--format", fmt, "--out", str(out)]) == 0
    return out


def test_the_geopackage_export_is_read_back_by_gdal_where_the_building_was_built(design, tmp_path):
    path, level = design
    out = export(path, "gpkg", tmp_path / "vorschlag.gpkg")
    assert out.read_bytes()[68:72] == b"GPKG"  # the GeoPackage application id
    assert pyogrio.list_layers(str(out)).tolist() == [["proposals", "MultiPolygon"]]
    meta, _, wkb, columns = pyogrio.raw.read(str(out))
    assert meta["crs"] == "EPSG:25833"  # the level's CRS: metres for the planner's GIS
    rows = [dict(zip(meta["fields"], values)) for values in zip(*(c.tolist() for c in columns))]
    shapes = shapely.from_wkb(wkb)
    [office] = [i for i, r in enumerate(rows) if r["kind"] == "building"]
    assert rows[office]["use"] == "office" and rows[office]["height_m"] == 6
    assert rows[office]["id"] == rows[office]["building"] == "quartier-1"
    assert rows[office]["floors"] == 2 and rows[office]["area_m2"] == pytest.approx(10 * 5)
    x0, y0 = level["georeference"]["origin"][:2]
    assert shapes[office].equals(shapely.box(x0 + 50, y0 + 20, x0 + 60, y0 + 25))
    assert [r["block"] for r in rows if r["kind"] == "space"] == ["grass"]

    geojson = json.loads(export(path, "geojson", tmp_path / "vorschlag.geojson").read_text())
    assert [f["id"] for f in geojson["features"]] == [r.pop("id") for r in rows]
    no_building = [{k: v for k, v in r.items() if k != "building" or v} for r in rows]
    assert [f["properties"] for f in geojson["features"]] == no_building


def test_a_design_without_changes_exports_an_empty_layer(tmp_path, design):
    empty = tmp_path / "leer.design.json"
    assert main(["design", "new", "--level", "gpkg-test", "--out", str(empty)]) == 0
    out = export(empty, "gpkg", tmp_path / "leer.gpkg")
    meta, _, wkb, _ = pyogrio.raw.read(str(out))
    assert len(wkb) == 0 and meta["fields"].tolist()[:4] == ["id", "kind", "block", "use"]
