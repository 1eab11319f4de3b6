"""The reader is chosen by what a file holds, not by its name, and a file no reader wants is
refused with the list of formats Quartier reads (no longer "not valid JSON (line 1, column 1)")."""

import gzip
import json
import random

import pytest
from sample_data import BERLIN

from game.cli import main
from game.core.errors import QuartierError
from game.io import level_import, readers
from game.io.level_import import READERS

KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark/></Document></kml>
"""


def refusal(tmp_path, capsys, name, content, *lang):
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "x.level.json"
    assert main([*lang, "level", "import", str(source), "--out", str(out), "--licence", "x"]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("random.bin", random.Random(19).randbytes(3000)),
        ("gebaeude.gpkg", b"SQLite format 3\x00" + bytes(200)),  # SQLite, but no GeoPackage
        ("map.kml", KML),
        ("notes.geojson", b"Heights of the buildings: see the plan"),
        ("plan.zip", b"PK\x03\x04" + bytes(100)),  # a broken zip, or one without a Shapefile
    ],
)
def test_a_file_no_reader_takes_is_refused_naming_the_formats_read(tmp_path, capsys, name, content):
    err = refusal(tmp_path, capsys, name, content)
    assert f"{name} is not a file Quartier can import. It reads: " in err
    for fmt in (
        "OpenStreetMap",
        "GeoJSON",
        "CityJSON",
        "CityGML",
        "GeoPackage",
        "Shapefile",
        "FlatGeobuf",
    ):
        assert fmt in err
    assert "not valid JSON" not in err and "for example as GeoPackage" in err


def test_the_refusal_is_in_german_too(tmp_path, capsys):
    err = refusal(tmp_path, capsys, "random.bin", bytes(range(256)), "--lang", "de")
    assert "random.bin ist keine Datei, die Quartier importieren kann. Quartier liest: " in err


def test_json_of_another_kind_and_broken_json_keep_their_own_messages(tmp_path, capsys):
    err = refusal(tmp_path, capsys, "topo.json", json.dumps({"type": "Topology"}).encode())
    assert "topo.json is JSON, but neither GeoJSON" in err
    err = refusal(tmp_path, capsys, "cut.geojson", b'{"type": "FeatureCollection", ')
    assert "not valid JSON (line 1" in err


def test_content_decides_not_the_name(tmp_path):
    """A GeoJSON saved as `download` and an OSM file gzipped are found by what they hold."""
    download = tmp_path / "download"
    download.write_bytes(BERLIN.read_bytes())
    assert readers.choose(download, READERS).load == level_import._import_json
    osm = tmp_path / "export"
    osm.write_bytes(gzip.compress(b"<?xml version='1.0'?>\n<osm version='0.6'></osm>"))
    assert readers.choose(osm, READERS).load == level_import._import_osm
    packed = tmp_path / "berlin.geojson.gz"  # JSON gzipped: no reader of ours reads it as it is
    packed.write_bytes(gzip.compress(BERLIN.read_bytes()))
    with pytest.raises(QuartierError, match="is not a file Quartier can import"):
        readers.choose(packed, READERS)


def test_a_citygml_tile_named_xml_goes_to_the_citygml_reader(tmp_path):
    tile = tmp_path / "LoD2_32_412_5477.xml"
    tile.write_bytes(
        b'<?xml version="1.0"?>\n<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0"/>'
    )
    assert readers.choose(tile, READERS).load == level_import._import_citygml
    assert readers.choose(tile.parent, READERS).load == level_import._import_citygml
    (tmp_path / "gebaeude.shp").write_bytes(b"\x00\x00\x27\x0a" + bytes(96))
    assert readers.choose(tmp_path, READERS).load == level_import._import_ogr  # a Shapefile folder


def test_a_reader_joins_the_table_with_one_line(tmp_path, monkeypatch):
    """A KML reader, say: it claims `<kml` XML, and its files are its own."""
    seen = []

    def load(source, options, catalogue, settings):
        seen.append(source.name)
        raise SystemExit(0)

    kml = readers.Reader("KML (.kml)", lambda path, start: b"<kml" in start, load)
    monkeypatch.setattr(level_import, "READERS", [*READERS, kml])
    source = tmp_path / "map.kml"
    source.write_bytes(KML)
    with pytest.raises(SystemExit):
        level_import.import_level(source, level_import.ImportOptions(), None)
    assert seen == [source.name]
