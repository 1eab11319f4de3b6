"""A planner's round trip: real data → level → a student's new building → back onto the real map."""

import json
import math

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sample_data import BERLIN, DENHAAG

from game.cli import main

POTSDAMER_PLATZ = (13.37640, 52.50935)  # lon, lat: the square itself, no building in the data


def import_into_user_levels(quartier_home, source, level_id, *options):
    folder = quartier_home / "levels"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{level_id}.level.json"
    assert (
        main(
            [
                "level",
                "import",
                str(source),
                "--out",
                str(path),
                "--id",
                level_id,
                "--licence",
                "test",
                *options,
            ]
        )
        == 0
    )
    return json.loads(path.read_text())


def build(tmp_path, level_id, ops):
    design = tmp_path / "mine.design.json"
    assert (
        main(["design", "new", "--level", level_id, "--out", str(design), "--title", "Neues Haus"])
        == 0
    )
    (tmp_path / "ops.json").write_text(json.dumps(ops))
    assert main(["design", "edit", str(design), "--ops", str(tmp_path / "ops.json")]) == 0
    return design


def export(design, fmt, tmp_path):
    out = tmp_path / f"out.{fmt}"
    assert main(["design", "export", str(design), "--format", fmt, "--out", str(out)]) == 0
    return json.loads(out.read_text())


def test_a_new_building_on_potsdamer_platz_lands_there_in_the_geojson_export(
    tmp_path, quartier_home
):
    level = import_into_user_levels(
        quartier_home,
        BERLIN,
        "berlin-test",
        "--voxel-size",
        "2",
        "--bbox",
        "13.372,52.507,13.380,52.511",
    )
    voxel, origin = level["voxel_size_m"], level["georeference"]["origin"]
    to_utm = Transformer.from_crs(4326, level["georeference"]["epsg"], always_xy=True)
    x, y = to_utm.transform(*POTSDAMER_PLATZ)
    i, j = math.floor((x - origin[0]) / voxel), math.floor((y - origin[1]) / voxel)
    build(
        tmp_path,
        "berlin-test",
        [
            {"op": "box", "from": [i, j, 1], "to": [i + 4, j + 2, 6], "block": "office"},
            {"op": "box", "from": [i, j + 6, 0], "to": [i + 4, j + 8, 0], "block": "grass"},
        ],
    )

    data = export(tmp_path / "mine.design.json", "geojson", tmp_path)
    buildings = [f for f in data["features"] if f["properties"]["kind"] == "building"]
    assert len(buildings) == 1
    props = buildings[0]["properties"]
    assert props["use"] == "office" and props["height_m"] == 12 and props["floors"] == 4
    assert props["area_m2"] == pytest.approx(5 * 3 * voxel**2)
    ring = np.asarray(buildings[0]["geometry"]["coordinates"][0])
    corners = np.column_stack(to_utm.transform(ring[:, 0], ring[:, 1]))
    # the building's south-west corner is the corner of the voxel the square's point falls in
    assert np.hypot(*(corners.min(axis=0) - (x, y))).max() <= voxel * math.sqrt(2)
    assert shapely.Polygon(corners).buffer(voxel).contains(shapely.Point(x, y))
    assert [
        f["properties"]["block"] for f in data["features"] if f["properties"]["kind"] == "space"
    ] == ["grass"]


def test_a_new_building_exports_to_cityjson_as_a_closed_lod1_solid_in_the_level_crs(
    tmp_path, quartier_home
):
    level = import_into_user_levels(quartier_home, DENHAAG, "denhaag-test", "--crs", "EPSG:7415")
    origin = level["georeference"]["origin"]
    build(
        tmp_path,
        "denhaag-test",
        [{"op": "box", "from": [20, 30, 1], "to": [29, 34, 9], "block": "housing"}],
    )

    city = export(tmp_path / "mine.design.json", "cityjson", tmp_path)
    assert city["metadata"]["referenceSystem"].endswith("/EPSG/0/7415")
    t = city["transform"]
    xyz = np.asarray(city["vertices"], float) * t["scale"] + t["translate"]
    [building] = [o for o in city["CityObjects"].values() if o["type"] == "Building"]
    assert (
        building["attributes"]["measuredHeight"] == 9
        and building["attributes"]["storeysAboveGround"] == 3
    )
    [solid] = building["geometry"]
    assert solid["type"] == "Solid"
    [shell] = solid["boundaries"]
    volume = 0.0
    for surface in shell:
        p = xyz[surface[0]]
        volume += (
            np.einsum(
                "ij,ij->i", np.broadcast_to(p[0], p[1:-1].shape), np.cross(p[1:-1], p[2:])
            ).sum()
            / 6
        )
    assert volume == pytest.approx(10 * 5 * 9)  # positive: every face points outwards
    assert xyz[:, 0].min() == pytest.approx(origin[0] + 20) and xyz[:, 1].min() == pytest.approx(
        origin[1] + 30
    )
    assert xyz[:, 2].min() == pytest.approx(origin[2] + 1)  # on the ground, above the ground layer


def test_a_design_on_a_level_without_georeference_cannot_be_exported_for_gis(tmp_path, capsys):
    design = tmp_path / "demo.design.json"
    assert main(["design", "new", "--level", "demo", "--out", str(design)]) == 0
    out = tmp_path / "out.geojson"
    assert main(["design", "export", str(design), "--format", "geojson", "--out", str(out)]) == 1
    assert "no georeference" in capsys.readouterr().err and not out.exists()


def test_level_info_reports_what_the_import_found(tmp_path, quartier_home, capsys):
    import_into_user_levels(quartier_home, DENHAAG, "denhaag-info", "--crs", "EPSG:7415")
    capsys.readouterr()
    assert main(["level", "info", "denhaag-info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (
        info["buildings"] == 4
        and info["georeference"]["epsg"] == 7415
        and info["voxel_size_m"] == 1
    )
    assert info["volume_m3"] == info["building_voxels"] > 0
    assert (
        0 < info["footprint_m2"] < info["zone_m2"] == info["dimensions"][0] * info["dimensions"][1]
    )
    assert main(["--lang", "de", "level", "info", "demo"]) == 0
    out = capsys.readouterr().out
    assert "Gebäude: 15" in out and "Georeferenz: keine" in out
