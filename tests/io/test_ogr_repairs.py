"""Point 5 of issue 19, for every reader: an invalid polygon is mended and named, not an abort;
a --bbox that cuts buildings says how many; --height-field works for GeoJSON too."""

import json

import numpy as np
import pyogrio.raw
import pytest
import shapely

from game.cli import main
from game.core.catalogue import default_catalogue
from game.io.features import repaired_polygons
from game.io.geojson_import import Fields
from game.io.level_import import ImportOptions, import_level

X, Y = 390000, 5818000  # EPSG:25833
SQUARE = [[X, Y], [X + 20, Y], [X + 20, Y + 20], [X, Y + 20], [X, Y]]
BOWTIE = [[X + 40, Y], [X + 60, Y + 20], [X + 60, Y], [X + 40, Y + 20], [X + 40, Y]]
SPIKE = [[X + 80, Y], [X + 100, Y], [X + 100, Y + 20], [X + 100, Y + 30], [X + 100, Y + 20], [X + 80, Y + 20], [X + 80, Y]]  # fmt: skip


def collection(*rings, **properties):
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
        "features": [
            {
                "type": "Feature",
                "id": f"DEBE{n}",
                "properties": {"building": "yes", "height": 12, **properties},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
            for n, ring in enumerate(rings, 1)
        ],
    }


def run(tmp_path, capsys, source, *options):
    out = tmp_path / "out.level.json"
    args = ["level", "import", str(source), "--out", str(out), "--licence", "x", *options]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(out.read_text()), captured.out


def test_a_polygon_that_crosses_itself_is_mended_and_named_not_an_abort(tmp_path, capsys):
    """Before: "the polygon of #2 (DEBE2) crosses itself" and no level at all."""
    source = tmp_path / "haeuser.geojson"
    source.write_text(json.dumps(collection(SQUARE, BOWTIE, SPIKE)))
    doc, said = run(tmp_path, capsys, source)
    assert doc["buildings"] == 3
    assert "crossed themselves and were repaired (2): #2 (DEBE2), #3 (DEBE3)." in said


def test_a_zone_drawn_as_a_bow_tie_is_mended_too(tmp_path, capsys):
    """Before the repair: a GEOS TopologyException from the zone's union, with a traceback."""
    source = tmp_path / "haeuser.geojson"
    source.write_text(json.dumps(collection(SQUARE)))
    zone = tmp_path / "zone.geojson"
    zone.write_text(json.dumps(collection(BOWTIE, SQUARE)))
    doc, _ = run(
        tmp_path, capsys, source, "--zone", str(zone), "--bbox", f"{X},{Y},{X + 60},{Y + 20}"
    )
    assert doc["zone"]


def test_the_mended_bow_tie_keeps_both_its_triangles():
    shapes = np.array([shapely.Polygon(SQUARE), shapely.Polygon(BOWTIE), shapely.Polygon(SPIKE)])
    mended, which = repaired_polygons(shapes)
    assert which == [1, 2] and shapes[0] is mended[0]
    assert mended[1].geom_type == "MultiPolygon" and len(mended[1].geoms) == 2
    assert mended[1].area == pytest.approx(200) and mended[2].area == pytest.approx(400)
    assert shapely.is_valid(mended).all()


def test_a_geopackage_bow_tie_is_mended_too_and_named_by_layer_fid_and_gml_id(tmp_path, capsys):
    source = tmp_path / "gebaeude.gpkg"
    pyogrio.raw.write(
        str(source),
        shapely.to_wkb(np.array([shapely.Polygon(SQUARE), shapely.Polygon(BOWTIE)])),
        [np.array([12.0, 9.0]), np.array(["DEBE1", "DEBE2"], dtype=object)],
        ["height", "gml_id"],
        crs="EPSG:25833",
        geometry_type="Polygon",
        layer="AX_Gebaeude",
    )
    doc, said = run(tmp_path, capsys, source)
    assert doc["buildings"] == 2 and "repaired (1): AX_Gebaeude #2 (DEBE2)." in said


def test_a_bbox_that_cuts_buildings_says_how_many_and_keeps_their_parts_inside(tmp_path, capsys):
    """Three houses in a row; the box holds the first whole, ends in the middle of the second."""
    row = [[[X + dx + x, Y + y] for x, y in ((0, 0), (20, 0), (20, 20), (0, 20), (0, 0))] for dx in (0, 30, 60)]  # fmt: skip
    source = tmp_path / "reihe.geojson"
    source.write_text(json.dumps(collection(*row)))
    doc, said = run(tmp_path, capsys, source, "--bbox", f"{X - 5},{Y - 5},{X + 40},{Y + 25}")
    assert (
        "buildings cut by the edge of --bbox: 1. Their parts inside the box are in the level"
        in said
    )
    assert doc["dimensions"][:2] == [45, 30] and doc["buildings"] == 2
    doc, said = run(tmp_path, capsys, source, "--bbox", f"{X - 5},{Y - 5},{X + 25},{Y + 25}")
    assert "cut by the edge" not in said and doc["buildings"] == 1


def test_only_the_buildings_in_the_box_count_as_without_height(tmp_path, capsys):
    """A file of a whole town has many buildings without a height; the warning counts those in
    the level, not the town's (before: "3 buildings had no height" for a box holding none)."""
    row = [[[X + dx + x, Y + y] for x, y in ((0, 0), (20, 0), (20, 20), (0, 20), (0, 0))] for dx in (0, 30, 60, 90)]  # fmt: skip
    features = collection(*row)["features"]
    for feature in features[1:]:
        del feature["properties"]["height"]
    source = tmp_path / "stadt.geojson"
    source.write_text(json.dumps({**collection(), "features": features}))
    _, said = run(tmp_path, capsys, source, "--bbox", f"{X - 5},{Y - 5},{X + 25},{Y + 25}")
    assert "had no height" not in said
    _, said = run(tmp_path, capsys, source, "--bbox", f"{X - 5},{Y - 5},{X + 40},{Y + 25}")
    assert "1 buildings had no height" in said  # the second, cut by the box
    _, said = run(tmp_path, capsys, source)
    assert "3 buildings had no height" in said


def test_height_field_names_the_height_attribute_of_a_geojson(tmp_path, capsys):
    source = tmp_path / "stadt.geojson"
    source.write_text(json.dumps(collection(SQUARE, HOEHE="27,5 m")))
    tops = []
    for fields in (Fields(), Fields(height="HOEHE")):
        result = import_level(
            source, ImportOptions(licence="x", fields=fields), default_catalogue()
        )
        tops.append(int(np.flatnonzero(result.raster.grid[5, 5]).max()))
    assert tops == [12, 28]  # OSM's `height`, then HOEHE: 27.5 m to the nearest voxel
    _, said = run(tmp_path, capsys, source, "--height-field", "HOEHE")
    assert "had no height" not in said
