"""OSM-tagged GeoJSON in a projected CRS: uses, parks, water, streets and trees become our blocks."""

import json

import numpy as np

from game.cli import main
from game.io.levels import load_level

X, Y = 390000.0, 5818000.0  # UTM 33N, in Berlin


def square(x0, y0, x1, y1):
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [X + x0, Y + y0],
                [X + x1, Y + y0],
                [X + x1, Y + y1],
                [X + x0, Y + y1],
                [X + x0, Y + y0],
            ]
        ],
    }


def feature(geometry, **tags):
    return {"type": "Feature", "properties": tags, "geometry": geometry}


def test_osm_tags_pick_blocks_and_streets_get_their_width(tmp_path, capsys):
    source = tmp_path / "quarter.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "license": "CC0-1.0",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
                "features": [
                    feature(square(0, 0, 100, 100), leisure="park"),
                    feature(square(10, 10, 30, 40), building="school", **{"building:levels": "4"}),
                    feature(square(60, 60, 80, 70), natural="water"),
                    feature(
                        {"type": "LineString", "coordinates": [[X, Y + 50], [X + 100, Y + 50]]},
                        highway="residential",
                    ),
                    feature({"type": "Point", "coordinates": [X + 70, Y + 20]}, natural="tree"),
                    feature({"type": "Point", "coordinates": [X + 75, Y + 20]}, amenity="bench"),
                ],
            }
        )
    )
    out = tmp_path / "quarter.level.json"
    assert main(["level", "import", str(source), "--out", str(out)]) == 0
    assert "Point ×1" in capsys.readouterr().out  # the bench point has no block: said, not hidden
    level = load_level(out)
    assert level.doc.licence == "CC0-1.0" and level.doc.georeference.epsg == 25833
    grid, key = level.city, level.catalogue.key
    assert key(int(grid[20, 20, 1])) == "school" and key(int(grid[20, 20, 12])) == "roof"
    assert not grid[20, 20, 13]  # 4 storeys × 3 m = 12 m = 12 voxels
    assert key(int(grid[5, 5, 0])) == "grass" and key(int(grid[70, 65, 0])) == "water"
    road = [key(int(b)) for b in grid[5, 40:60, 0]]
    assert road.count("road") == 6  # residential: 6 m wide
    assert key(int(grid[70, 20, 1])) == "tree"
    assert np.array_equal(level.zone_columns, np.ones(grid.shape[:2], bool))
