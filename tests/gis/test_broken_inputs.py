"""City staff feed the importer broken or unsuitable files: each gets a clear message, nothing is written."""

import json

import pytest
from sample_data import BERLIN, DENHAAG

from game.cli import main

SQUARE = [
    [13.375, 52.506],
    [13.3755, 52.506],
    [13.3755, 52.5063],
    [13.375, 52.5063],
    [13.375, 52.506],
]


def geojson(*geometries, **extra):
    return {
        "type": "FeatureCollection",
        **extra,
        "features": [
            {"type": "Feature", "properties": {"building": "yes", "height": 12}, "geometry": g}
            for g in geometries
        ],
    }


def cityjson_without(key):
    raw = json.loads(DENHAAG.read_text())
    raw.pop(key)
    return raw


def cityjson_without_boundaries():
    raw = json.loads(DENHAAG.read_text())
    for obj in raw["CityObjects"].values():
        for geometry in obj.get("geometry", []):
            geometry.pop("boundaries", None)
    return raw


CASES = {
    "invalid JSON": ('{"type": "FeatureCollection", ', [], "is not valid JSON (line 1"),
    "not GIS data": ({"type": "Topology"}, [], "neither GeoJSON"),
    "unsupported geometry": (
        geojson({"type": "GeometryCollection", "geometries": []}),
        [],
        "'GeometryCollection'",
    ),
    "broken coordinates": (
        geojson({"type": "Polygon", "coordinates": [[[1, 2]]]}),
        [],
        "broken coordinates",
    ),
    "projected GeoJSON without CRS": (
        geojson(
            {
                "type": "Polygon",
                "coordinates": [
                    [[390000, 5818000], [390010, 5818000], [390010, 5818010], [390000, 5818000]]
                ],
            }
        ),
        [],
        "--crs",
    ),
    "CityJSON without transform": (
        cityjson_without("transform"),
        ["--crs", "EPSG:7415"],
        "no 'transform'",
    ),
    "CityJSON without CRS": (cityjson_without("metadata"), [], "--crs EPSG:7415"),
    "CityJSON geometry without boundaries": (
        cityjson_without_boundaries(),
        ["--crs", "EPSG:7415"],
        "has broken coordinates (boundaries)",
    ),
    "unknown CRS": (
        cityjson_without("metadata"),
        ["--crs", "EPSG:999999"],
        "'EPSG:999999' is not a coordinate",
    ),
    "geographic target CRS": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--target-crs", "EPSG:4326"],
        "not a projected",
    ),
    "50 km bbox": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--bbox", "13.0,52.3,13.73,52.75"],
        "even at 4 m per voxel",
    ),
    "area too large for 1 m": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--bbox", "13.370,52.502,13.382,52.510"],
        "Use --voxel-size 2",
    ),
    "empty file": (geojson(), [], "Nothing to import"),
    "bbox beside the data": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--bbox", "13.380,52.506,13.381,52.507"],
        "Nothing to import",
    ),
    "bbox not four numbers": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--bbox", "1,2,3"],
        "MINX,MINY,MAXX,MAXY",
    ),
    "voxel too large": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--voxel-size", "8"],
        "1 to 4 m",
    ),
    "storey height": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--storey-height", "12"],
        "2 to 6 m",
    ),
    "level id with capitals": (
        geojson({"type": "Polygon", "coordinates": [SQUARE]}),
        ["--id", "Berlin Mitte"],
        "id: String should match pattern",
    ),
    "old CityJSON": (
        {**json.loads(DENHAAG.read_text()), "version": "1.0"},
        ["--crs", "EPSG:7415"],
        "version 1.0 is not supported",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_broken_source_gets_a_clear_message_and_writes_nothing(tmp_path, capsys, name):
    content, options, message = CASES[name]
    source = tmp_path / "source.json"
    source.write_text(content if isinstance(content, str) else json.dumps(content))
    out = tmp_path / "out.level.json"
    code = main(["level", "import", str(source), "--out", str(out), "--licence", "test", *options])
    err = capsys.readouterr().err
    assert code == 1 and message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_source_without_licence_is_refused_until_staff_name_one(tmp_path, capsys):
    source = tmp_path / "source.geojson"
    source.write_text(json.dumps(geojson({"type": "Polygon", "coordinates": [SQUARE]})))
    out = tmp_path / "out.level.json"
    assert main(["--lang", "de", "level", "import", str(source), "--out", str(out)]) == 1
    assert "nennt keine Lizenz" in capsys.readouterr().err and not out.exists()
    assert main(["level", "import", str(source), "--out", str(out), "--licence", "CC0-1.0"]) == 0
    assert json.loads(out.read_text())["licence"] == "CC0-1.0"


def test_a_zone_file_that_misses_the_level_is_refused(tmp_path, capsys):
    source = tmp_path / "source.geojson"
    source.write_text(json.dumps(geojson({"type": "Polygon", "coordinates": [SQUARE]})))
    zone = tmp_path / "zone.geojson"
    far = [[c[0] + 1, c[1]] for c in SQUARE]
    zone.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Polygon", "coordinates": [far]},
                    }
                ],
            }
        )
    )
    out = tmp_path / "out.level.json"
    assert (
        main(
            [
                "level",
                "import",
                str(source),
                "--out",
                str(out),
                "--licence",
                "x",
                "--zone",
                str(zone),
            ]
        )
        == 1
    )
    assert "does not cover any part" in capsys.readouterr().err and not out.exists()


def test_buildings_without_height_or_with_zero_levels_get_a_default_and_a_warning(tmp_path, capsys):
    out = tmp_path / "berlin.level.json"
    assert (
        main(
            [
                "level",
                "import",
                str(BERLIN),
                "--out",
                str(out),
                "--voxel-size",
                "2",
                "--licence",
                "ODbL",
            ]
        )
        == 0
    )
    assert "144 buildings had no height; 9 m was assumed" in capsys.readouterr().out
