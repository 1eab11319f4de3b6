"""GeoPackage, Shapefile and FlatGeobuf, as a planning office holds them, become the same levels.

The files are written here with pyogrio (GDAL) from the Berlin GeoJSON or from a few squares:
what GDAL writes is what an office's QGIS writes, and the GeoJSON reader is the reference.
"""

import json
import shutil
import zipfile

import numpy as np
import pyogrio.raw
import pytest
import shapely
from sample_data import BERLIN

from game.cli import main
from game.core.catalogue import default_catalogue
from game.core.errors import QuartierError
from game.io.geojson_import import Fields
from game.io.level_import import ImportOptions, import_level

ORIGIN = (390000.0, 5818000.0)  # EPSG:25833, Berlin
# A Shapefile cuts `roofMaterial` to `roofMateri`, and GDAL warns each time it writes one.
pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def write(path, shapes, columns, crs="EPSG:25833", **options):
    """`shapes` with attribute `columns` ({name: values}) as the GDAL file `path` (driver by suffix)."""
    pyogrio.raw.write(
        str(path),
        shapely.to_wkb(np.asarray(shapes, dtype=object)),
        [np.asarray(v) for v in columns.values()],
        list(columns),
        crs=crs,
        geometry_type="Polygon",
        **options,
    )
    return path


def squares(count, size=20.0, gap=10.0):
    x, y = ORIGIN
    return [
        shapely.box(x + i * (size + gap), y, x + i * (size + gap) + size, y + size)
        for i in range(count)
    ]


def heights(result):
    """Per square (west to east): the top voxel's z times the voxel, i.e. metres above ground."""
    grid, v = result.raster.grid, result.doc.voxel_size_m
    catalogue = default_catalogue()
    tops = []
    for label in range(1, len(result.district.buildings) + 1):
        i, j = np.argwhere(result.raster.labels == label)[0]
        tops.append((np.flatnonzero(grid[i, j]).max() * v, catalogue.key(int(grid[i, j, 1]))))
    return tops


def imported(path, **options):
    return import_level(path, ImportOptions(licence="test data", **options), default_catalogue())


@pytest.fixture(scope="module")
def berlin(tmp_path_factory):
    """The Berlin GeoJSON written by pyogrio as GeoPackage, Shapefile, zip, folder, FlatGeobuf."""
    folder = tmp_path_factory.mktemp("berlin")
    meta, _, geometry, fields = pyogrio.raw.read(str(BERLIN))

    def save(name, **options):
        pyogrio.raw.write(
            str(folder / name),
            geometry,
            fields,
            meta["fields"],
            crs=meta["crs"],
            geometry_type="Polygon",
            **options,
        )
        return folder / name

    (folder / "shp").mkdir()
    files = {
        "gpkg": save("berlin.gpkg"),
        "shp": save("shp/gebaeude.shp"),
        # a spatial index orders the features along a Hilbert curve; where building parts
        # overlap, the order decides which block a voxel gets, so compare in the file's order
        "fgb": save("berlin.fgb", layer_options={"SPATIAL_INDEX": "NO"}),
        "indexed fgb": save("indexed.fgb"),
    }
    with zipfile.ZipFile(folder / "download.zip", "w") as archive:
        for part in (folder / "shp").iterdir():
            archive.write(part, f"ALKIS/{part.name}")
    files["zip"] = folder / "download.zip"
    files["folder"] = folder / "shp"
    return files


@pytest.fixture(scope="module")
def berlin_reference():
    return imported(BERLIN, voxel=2)


@pytest.mark.parametrize("kind", ["gpkg", "shp", "zip", "folder", "fgb"])
def test_berlin_from_a_gdal_file_is_the_same_level_as_from_the_geojson(
    berlin, berlin_reference, kind
):
    result = imported(berlin[kind], voxel=2)
    assert result.raster.grid.tobytes() == berlin_reference.raster.grid.tobytes()
    assert result.doc.georeference == berlin_reference.doc.georeference
    assert result.doc.buildings == berlin_reference.doc.buildings
    assert (result.crs.crs.to_epsg(), result.crs.origin) == (4326, "file")


def test_a_flatgeobuf_with_its_spatial_index_differs_only_where_building_parts_overlap(
    berlin, berlin_reference
):
    """The index stores the features along a Hilbert curve; where a building part overlaps its
    building, the later one gives the voxels their block: the same buildings, a few voxels
    (1,558 of 11.5 million) of another block."""
    result = imported(berlin["indexed fgb"], voxel=2)
    assert result.doc.buildings == berlin_reference.doc.buildings
    assert (result.raster.grid != berlin_reference.raster.grid).mean() < 0.001
    filled = result.raster.grid != 0
    assert (filled == (berlin_reference.raster.grid != 0)).all()


def test_the_files_own_crs_is_used_and_the_cli_says_so_unless_crs_overrides(tmp_path, capsys):
    source = write(tmp_path / "haus.gpkg", squares(1), {"height": [12.0]})
    out = tmp_path / "haus.level.json"
    assert main(["level", "import", str(source), "--out", str(out), "--licence", "x"]) == 0
    said = capsys.readouterr().out
    assert "Coordinates read as EPSG:25833, the system the file names." in said
    assert json.loads(out.read_text())["georeference"]["epsg"] == 25833
    # the same numbers read as WGS 84 / UTM 33N (EPSG:32633): --crs wins over the file's own
    args = ["level", "import", str(source), "--out", str(out), "--licence", "x"]
    assert main(["--lang", "de", *args, "--crs", "EPSG:32633"]) == 0
    assert "Koordinaten gelesen als EPSG:32633" in (said := capsys.readouterr().out)
    assert "statt des Systems der Datei 'EPSG:25833'" in said
    assert json.loads(out.read_text())["georeference"]["epsg"] == 32633


def test_a_shapefile_without_its_prj_needs_crs_and_the_cli_says_it_was_used(tmp_path, capsys):
    source = write(tmp_path / "haus.shp", squares(1), {"height": [12.0]})
    (tmp_path / "haus.prj").unlink()
    out = tmp_path / "haus.level.json"
    args = ["level", "import", str(source), "--out", str(out), "--licence", "x"]
    assert main(args) == 1
    assert "does not say which coordinate reference system" in capsys.readouterr().err
    assert main([*args, "--crs", "EPSG:25833"]) == 0
    assert "EPSG:25833, given with --crs" in capsys.readouterr().out


def test_height_levels_and_use_fields_name_the_attributes(tmp_path):
    source = write(
        tmp_path / "stadt.gpkg",
        squares(3),
        {
            "HOEHE": [21.0, np.nan, 7.0],
            "GESCHOSSE": [2, 5, 1],
            "NUTZUNG": ["school", "Shop", "health_centre"],
            "height": [3.0, 3.0, 3.0],  # OSM's name: what city staff name wins over it
        },
    )
    default = imported(source)
    assert [h for h, _ in heights(default)] == [3, 3, 3]
    chosen = imported(source, fields=Fields(height="hoehe", use="NUTZUNG"))
    assert heights(chosen)[0] == (21, "school") and heights(chosen)[2][0] == 7
    assert chosen.district.missing_heights == 1  # no HOEHE for the second: the default 9 m
    assert heights(chosen)[1] == (9, "shop") and heights(chosen)[2][1] == "health_centre"
    storeys = imported(source, fields=Fields(levels="GESCHOSSE"), storey_m=3.5)
    assert [h for h, _ in heights(storeys)] == [7, 18, 4]  # 17.5 m and 3.5 m: to the nearest voxel


def test_every_layer_with_geometries_is_read_and_tables_without_are_passed_over(tmp_path):
    source = write(tmp_path / "plan.gpkg", squares(1), {"height": [12.0]}, layer="bestand")
    write(source, squares(2)[1:], {"height": [6.0]}, layer="neubau", append=True)
    pyogrio.raw.write(
        str(source), None, [np.array(["Bestand 2024"], dtype=object)], ["note"], layer="notes"
    )
    result = imported(source)
    assert [b.name for b in result.district.buildings] == ["bestand #1", "neubau #1"]
    assert [h for h, _ in heights(result)] == [12, 6]
    write(source, squares(3)[2:], {"HOEHE": [21.0]}, layer="hochhaus", append=True)
    result = imported(source, fields=Fields(height="HOEHE"))  # one layer has it: enough
    assert [h for h, _ in heights(result)] == [12, 6, 21]  # the others keep their `height`


def test_a_field_the_file_lacks_is_refused_with_the_fields_it_has(tmp_path, capsys):
    source = write(tmp_path / "stadt.gpkg", squares(1), {"HOEHE": [21.0], "ART": ["x"]})
    out = tmp_path / "x.level.json"
    args = ["level", "import", str(source), "--out", str(out), "--licence", "x"]
    assert main([*args, "--height-field", "hoehe_m"]) == 1
    err = capsys.readouterr().err
    assert "stadt.gpkg has no field 'hoehe_m' (named with --height-field)" in err
    assert "Its fields are: ART, HOEHE." in err and not out.exists()


ALKIS = {
    "gml_id": ["DEBE1", "DEBE2", "DEBE3", "DEBE4"],
    "gebaeudefunktion": [1000, 3021, 2050, 3065],  # Wohngebäude, Schule, Geschäft, Kita
    "anzahlDerOberirdischenGeschosse": [4, 3, 2, 1],
}


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_the_alkis_preset_reads_storeys_and_building_functions(tmp_path, suffix, capsys):
    """A Shapefile cuts the long ALKIS names to 10 characters (`anzahlDerO`): found all the same."""
    source = write(tmp_path / f"AX_Gebaeude{suffix}", squares(4), ALKIS)
    result = imported(source, fields=Fields(preset="alkis"))
    assert heights(result) == [(12, "housing"), (9, "school"), (6, "shop"), (3, "kindergarten")]
    out = tmp_path / "alkis.level.json"
    args = ["level", "import", str(source), "--out", str(out), "--licence", "x"]
    assert main([*args, "--preset", "alkis", "--storey-height", "3.5"]) == 0
    assert "had no height" not in capsys.readouterr().out


def test_the_osm_gdal_preset_reads_the_tags_packed_into_other_tags(tmp_path):
    """What `ogr2ogr out.gpkg map.osm multipolygons` makes of buildings and a park."""
    source = write(
        tmp_path / "osm.gpkg",
        squares(3),
        {
            "osm_way_id": ["1", "2", "3"],
            "building": ["yes", "school", None],
            "leisure": [None, None, "park"],
            "other_tags": [
                '"building:levels"=>"5","roof:shape"=>"flat"',
                '"height"=>"14 m","name"=>"Schule \\"Am Park\\""',
                '"access"=>"yes"',
            ],
        },
    )
    result = imported(source, fields=Fields(preset="osm-gdal"))
    assert heights(result) == [(15, "housing"), (14, "school")]
    assert [a.block for a in result.district.areas] == ["grass"]
    assert imported(source).district.missing_heights == 2  # without the preset: no heights
    roofs = imported(source, fields=Fields(height="roof:height", preset="osm-gdal"))
    assert roofs.district.missing_heights == 2  # a tag no building has: no heights at all


def test_a_preset_field_the_file_lacks_names_the_preset(tmp_path):
    source = write(tmp_path / "gebaeude.gpkg", squares(1), {"funktion": [3021]})
    with pytest.raises(QuartierError, match="named with --preset alkis"):
        imported(source, fields=Fields(preset="alkis"))


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("dbf", "haus.shp has no haus.dbf beside it"),
        ("shx", "haus.shp could not be read"),
    ],
)
def test_a_shapefile_missing_a_companion_file_says_what_to_copy(tmp_path, capsys, missing, message):
    write(tmp_path / "haus.shp", squares(1), {"height": [12.0]})
    (tmp_path / f"haus.{missing}").unlink()
    out = tmp_path / "x.level.json"
    args = ["level", "import", str(tmp_path / "haus.shp"), "--out", str(out), "--licence", "x"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err and ".dbf" in err and "Traceback" not in err and not out.exists()


def test_layers_in_different_crs_are_refused(tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    write(folder / "a.shp", squares(1), {"height": [12.0]})
    shutil.copy(folder / "a.shp", folder / "b.shp")
    write(folder / "b.shp", squares(1), {"height": [12.0]}, crs="EPSG:31468")
    out = tmp_path / "x.level.json"
    assert main(["level", "import", str(folder), "--out", str(out), "--licence", "x"]) == 1
    assert "different coordinate systems" in capsys.readouterr().err
