"""CRS that can't go silently wrong: `--crs` names the source's CRS, checked against the data.

Each of the issue's CRS bugs has a test here that failed before: Web Mercator accepted
silently (footprints ×2.23), a file's own CRS silently reprojected by `--crs`, and an AdV URN
(as German CityGML names its CRS) neither understood nor overridable.
"""

import json

import numpy as np
import pytest
from city_boxes import write_boxes
from pyproj import Transformer

from game.cli import main
from game.core.catalogue import default_catalogue
from game.core.errors import QuartierError
from game.io.georef import parse_crs
from game.io.level_import import ImportOptions, import_level

UTM32 = (400_000.0, 5_480_000.0)  # EPSG:25832, Kaiserslautern
BOXES = [
    (UTM32[0] + 30 * k, UTM32[1], UTM32[0] + 30 * k + 20, UTM32[1] + 20, 240.0, 9.0)
    for k in range(3)
]
ADV = "urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH"


def run(source, *options):
    out = source.with_suffix(".level.json")
    code = main(["level", "import", str(source), "--out", str(out), "--licence", "t", *options])
    return code, out


def geojson_squares(path, crs_name=None, to=None):
    """Three 20 m squares at BOXES, written in lon/lat (or in `to`, naming `crs_name`)."""
    move = Transformer.from_crs(25832, to or 4326, always_xy=True)
    features = []
    for x0, y0, x1, y1, _, height in BOXES:
        ring = [move.transform(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
        features.append(
            {
                "type": "Feature",
                "properties": {"building": "yes", "height": height},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    raw = {"type": "FeatureCollection", "features": features}
    if crs_name:
        raw["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(raw))
    return path


# --- Web Mercator -------------------------------------------------------------------------------


def test_web_mercator_given_for_lon_lat_data_is_refused(tmp_path, quartier_home, capsys):
    code, out = run(geojson_squares(tmp_path / "a.geojson"), "--crs", "EPSG:3857")
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "look like longitude/latitude" in err and "EPSG:3857" in err


def test_web_mercator_as_the_level_crs_is_refused_as_stretched(tmp_path, quartier_home, capsys):
    code, out = run(geojson_squares(tmp_path / "a.geojson"), "--target-crs", "EPSG:3857")
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "stretches lengths by 5" in err and "--target-crs" in err  # 1/cos(49.5°) - 1: 54 %


def test_a_web_mercator_file_becomes_a_level_in_true_metres(tmp_path):
    source = geojson_squares(tmp_path / "m.geojson", "EPSG:3857", to=3857)
    result = import_level(source, ImportOptions(licence="t"), default_catalogue())
    assert result.raster.frame.epsg == 32632  # UTM, not the file's Web Mercator
    assert np.count_nonzero(result.raster.labels) == pytest.approx(3 * 20 * 20, rel=0.1)


# --- the file's own CRS -------------------------------------------------------------------------


def test_the_file_crs_is_used_and_the_message_says_so(tmp_path, quartier_home, capsys):
    code, out = run(write_boxes(tmp_path / "b.city.json", BOXES))
    said = capsys.readouterr().out
    assert code == 0 and json.loads(out.read_text())["georeference"]["epsg"] == 25832
    assert "Coordinates read as EPSG:25832, the system the file names" in said


def test_crs_overrides_the_file_crs_and_the_message_names_both(tmp_path, quartier_home, capsys):
    source = write_boxes(tmp_path / "b.city.json", BOXES, reference_system="EPSG:25833")
    code, out = run(source, "--crs", "EPSG:25832")
    said = capsys.readouterr().out
    assert code == 0 and json.loads(out.read_text())["georeference"]["epsg"] == 25832
    assert "given with --crs instead of the file's own 'EPSG:25833'" in said


def test_a_crs_that_does_not_fit_the_data_is_refused_instead_of_reprojecting(
    tmp_path, quartier_home, capsys
):
    """Before, `--crs EPSG:2056` made the level Swiss and moved the German data there silently."""
    code, out = run(write_boxes(tmp_path / "b.city.json", BOXES), "--crs", "EPSG:2056")
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "do not fit EPSG:2056" in err and "Switzerland" in err


def test_lon_lat_given_for_metres_is_refused_with_the_reason(tmp_path, quartier_home, capsys):
    code, _ = run(write_boxes(tmp_path / "b.city.json", BOXES), "--crs", "EPSG:4326")
    assert code == 1 and "bigger than 180, so they are metres" in capsys.readouterr().err


def test_data_a_little_beyond_its_utm_zone_is_accepted(tmp_path):
    """Berlin (13.4° E) in EPSG:25832 (6-12° E): whole-Germany data sets are made that way."""
    x, y = Transformer.from_crs(4326, 25832, always_xy=True).transform(13.4, 52.5)
    source = write_boxes(tmp_path / "berlin.city.json", [(x, y, x + 20, y + 20, 34.0, 12.0)])
    result = import_level(source, ImportOptions(licence="t"), default_catalogue())
    assert result.raster.frame.epsg == 25832 and result.raster.buildings == 1


# --- AdV URNs and other names of EPSG codes ------------------------------------------------------


def test_an_adv_urn_in_the_file_is_understood(tmp_path):
    source = write_boxes(tmp_path / "b.city.json", BOXES, reference_system=ADV)
    result = import_level(source, ImportOptions(licence="t"), default_catalogue())
    assert result.raster.frame.epsg == 25832 and result.crs.origin == "file"


def test_a_file_crs_quartier_cannot_read_is_overridden_by_crs(tmp_path):
    source = write_boxes(
        tmp_path / "b.city.json", BOXES, reference_system="urn:adv:crs:ETRS89_UTM32*DE_NN_2099"
    )
    with pytest.raises(QuartierError, match="DE_NN_2099"):
        import_level(source, ImportOptions(licence="t"), default_catalogue())
    result = import_level(source, ImportOptions(licence="t", crs=ADV), default_catalogue())
    assert result.raster.frame.epsg == 25832 and result.crs.origin == "override"


@pytest.mark.parametrize(
    ("name", "epsg"),
    [
        ("EPSG:25832", 25832),
        ("epsg:25832", 25832),
        ("25832", 25832),
        ("urn:ogc:def:crs:EPSG::25832", 25832),
        ("urn:ogc:def:crs:EPSG:6.6:25832", 25832),
        ("http://www.opengis.net/def/crs/EPSG/0/25832", 25832),
        ("https://www.opengis.net/def/crs/EPSG/0/25833", 25833),
        ("urn:adv:crs:ETRS89_UTM32", 25832),
        ("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH", 25833),
        ("urn:adv:crs:ETRS89_UTM32*DE_DHHN92_NH", 25832),
        ("urn:adv:crs:DE_DHDN_3GK2", 31466),
        ("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN92_NH", 31467),
        ("URN:ADV:CRS:DE_DHDN_3GK4", 31468),
        ("urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837", 25832),
        ("urn:ogc:def:crs,crs:EPSG:6.12:25833,crs:EPSG:6.12:5783", 25833),
        ("EPSG:25832+7837", 25832),
        ("EPSG:7415", 7415),
    ],
)
def test_names_of_epsg_codes_are_understood(name, epsg):
    assert parse_crs(name).to_epsg() == epsg


def test_a_bbox_in_the_wrong_crs_is_refused_naming_the_source_crs(tmp_path, quartier_home, capsys):
    """Before, it selected nothing and the import said only "Nothing to import"."""
    code, out = run(write_boxes(tmp_path / "b.city.json", BOXES), "--bbox", "7.70,49.40,7.80,49.50")
    err = capsys.readouterr().err
    assert code == 1 and not out.exists() and "EPSG:25832" in err
    assert "looks like longitude/latitude, but the source counts in metres" in err


def test_a_metre_bbox_for_a_lon_lat_source_is_refused(tmp_path, quartier_home, capsys):
    code, _ = run(
        geojson_squares(tmp_path / "a.geojson"), "--bbox", "400000,5480000,400100,5480100"
    )
    assert code == 1 and "the source counts in longitude/latitude" in capsys.readouterr().err


def test_an_unknown_target_crs_names_the_option_to_fix(tmp_path, quartier_home, capsys):
    code, _ = run(geojson_squares(tmp_path / "a.geojson"), "--target-crs", "EPSG:999999")
    assert code == 1 and "--target-crs" in capsys.readouterr().err
