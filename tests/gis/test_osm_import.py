"""Raw OpenStreetMap (XML, gzipped or PBF) read with pyosmium: what OSM's tags mean for a level.

A small quarter is written by the test as OSM XML, in metres east and north of a point in
Kaiserslautern, and imported once per format.
"""

import gzip
import math

import osmium
import pytest
from pyproj import Transformer

from game.cli import main
from game.io.levels import load_level

LON, LAT = 7.77, 49.44


def lon_lat(x: float, y: float) -> tuple[float, float]:
    return LON + x / (111_320 * math.cos(math.radians(LAT))), LAT + y / 110_950


def osm_xml() -> str:
    """Nodes and ways of the quarter; each ring is a square given by its corners in metres."""
    nodes: list[str] = []
    ways: list[str] = []

    def node(x, y, **tags):
        ident = len(nodes) + 1
        lon, lat = lon_lat(x, y)
        inner = "".join(f'<tag k="{k.replace("_", ":")}" v="{v}"/>' for k, v in tags.items())
        nodes.append(
            f'<node id="{ident}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">{inner}</node>'
        )
        return ident

    def way(points, closed, **tags):
        refs = [node(x, y) for x, y in points]
        refs += refs[:1] if closed else []
        inner = "".join(f'<nd ref="{r}"/>' for r in refs)
        inner += "".join(f'<tag k="{k.replace("_", ":")}" v="{v}"/>' for k, v in tags.items())
        ways.append(f'<way id="{len(ways) + 1}" version="1">{inner}</way>')
        return len(ways)

    def square(x0, y0, x1, y1, **tags):
        return way([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], True, **tags)

    square(0, 0, 200, 200, landuse="commercial")  # no block: must not become a building
    square(10, 10, 30, 30, building="yes", building_levels="4")
    square(10, 40, 30, 60, building="yes")
    node(20, 50, shop="bakery")  # the bakery makes the plain house a shop
    square(100, 100, 160, 160, amenity="school")  # the school's grounds...
    square(110, 110, 130, 130, building="yes", height="7")  # ...make its building a school
    square(40, 100, 90, 150, leisure="park")
    square(150, 10, 180, 40, leisure="playground")
    way([(40, 40), (80, 40), (80, 80), (40, 80)], True, highway="service")  # a loop, not an area
    way([(0, 90), (200, 90)], False, highway="residential")
    way([(0, 180), (200, 180)], False, highway="primary", tunnel="yes")  # under the ground
    way([(60, 10), (90, 40), (60, 40), (90, 10)], True, building="yes")  # a bow-tie: repaired
    node(190, 190, amenity="fountain")
    outer, inner = square(100, 10, 140, 50), square(110, 20, 130, 40)  # untagged: no area alone
    relation = (
        f'<relation id="1" version="1"><member type="way" ref="{outer}" role="outer"/>'
        f'<member type="way" ref="{inner}" role="inner"/>'
        '<tag k="type" v="multipolygon"/><tag k="leisure" v="park"/></relation>'
    )
    square(10, 70, 25, 90, building_part="yes", height="30")  # a tower...
    square(25, 70, 40, 90, building_part="yes", building_levels="1")  # ...and a low wing
    square(10, 70, 40, 90, building="yes")  # their outline, after them: the parts stand for it
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
        + "\n".join([*nodes, *ways, relation])
        + "\n</osm>\n"
    )


def write(path, fmt):
    text = osm_xml()
    if fmt == "gz":
        path.write_bytes(gzip.compress(text.encode()))
    elif fmt == "xml":
        path.write_text(text)
    else:  # PBF, written by pyosmium from the XML
        xml = path.with_name("q.osm")
        xml.write_text(text)
        pbf = path.with_name("q.osm.pbf")
        writer = osmium.SimpleWriter(str(pbf))
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
        writer.close()
        pbf.rename(path)


@pytest.fixture(scope="module", params=["gz", "xml", "pbf"])
def imported(request, tmp_path_factory):
    """The quarter imported from a file whose name does not say what it is: content decides."""
    folder = tmp_path_factory.mktemp(request.param)
    source = (
        folder / {"gz": "quarter.osm.gz", "xml": "export.xml", "pbf": "download"}[request.param]
    )
    write(source, request.param)
    out = folder / "q.level.json"
    assert main(["level", "import", str(source), "--out", str(out), "--voxel-size", "2"]) == 0
    return load_level(out)


def block(level, x, y, z):
    """The block at metres (x, y) from the quarter's corner point, voxel layer z."""
    geo = level.doc.georeference
    east, north = Transformer.from_crs(4326, geo.epsg, always_xy=True).transform(*lon_lat(x, y))
    i = math.floor((east - geo.origin[0]) / level.doc.voxel_size_m)
    j = math.floor((north - geo.origin[1]) / level.doc.voxel_size_m)
    return level.catalogue.key(int(level.city[i, j, z]))


def test_osm_tags_become_blocks_buildings_and_streets(imported):
    level = imported
    assert level.doc.licence == "ODbL-1.0, © OpenStreetMap contributors"  # OSM's own licence
    assert level.doc.georeference.epsg == 32632  # UTM 32N for Kaiserslautern
    assert block(level, 20, 20, 1) == "housing" and block(level, 20, 20, 6) == "roof"
    assert block(level, 20, 20, 7) == "air"  # 4 levels × 3 m = 12 m = 6 voxels
    assert block(level, 20, 50, 1) == "shop"
    assert block(level, 120, 120, 1) == "school" and block(level, 120, 120, 4) == "roof"
    assert block(level, 120, 120, 5) == "air"  # 7 m: 3.5 voxels, rounded to 4
    assert block(level, 140, 150, 1) == "air"  # the school's grounds are not a building
    assert block(level, 190, 120, 1) == "air"  # nor is the commercial land use
    assert block(level, 65, 125, 0) == "grass" and block(level, 165, 25, 0) == "playground"
    assert block(level, 60, 40, 0) == "road" and block(level, 60, 60, 0) == "plaza"  # a loop
    assert block(level, 100, 90, 0) == "road" and block(level, 100, 180, 0) == "plaza"
    assert block(level, 190, 190, 0) == "water"
    assert block(level, 105, 15, 0) == "grass" and block(level, 120, 30, 0) == "plaza"  # a hole
    assert block(level, 75, 35, 1) == "housing"  # the bow-tie, repaired, stands
    assert block(level, 15, 80, 15) == "roof" and block(level, 15, 80, 16) == "air"
    assert block(level, 35, 80, 2) == "roof" and block(level, 35, 80, 3) == "air"
    assert level.doc.buildings == 6


def test_a_file_that_is_not_osm_says_which_formats_are_read(tmp_path, capsys):
    source = tmp_path / "broken.osm"
    source.write_text("<osm><node id='1' lat='x'")
    out = tmp_path / "b.level.json"
    assert main(["level", "import", str(source), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "broken.osm" in err and "OpenStreetMap" in err and "Traceback" not in err
    assert not out.exists()
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    assert main(["level", "import", str(other), "--out", str(out), "--licence", "CC0"]) == 1
    err = capsys.readouterr().err  # not "not valid JSON (line 1, column 1)"
    assert all(name in err for name in ("notes.txt", "GeoJSON", "CityJSON", "OpenStreetMap"))
