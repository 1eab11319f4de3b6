"""Importing CityGML: files written by the test from the Den Haag CityJSON, checked against it.

The truth is the CityJSON source's own (citygml_files.truth: footprints seen from above,
volumes by the divergence theorem), never the reader's code.
"""

import json

import numpy as np
import pytest
import shapely
from citygml_files import citygml, from_cityjson, truth, write
from sample_data import DENHAAG

from game.cli import main
from game.core.errors import QuartierError
from game.core.i18n import text
from game.core.indicators.base import tables
from game.io.citygml_import import _choose, _objects, block_of
from game.io.georef import parse_crs
from game.io.level_import import ImportOptions, import_level

SOURCE = from_cityjson(DENHAAG)


def imported(source, catalogue, **options):
    return import_level(source, ImportOptions(licence="test data", **options), catalogue)


def check_against_source(result, catalogue):
    """Every building: footprint and volume within 10 % of the source, its box within one voxel."""
    v = result.doc.voxel_size_m
    names = [b.name for b in result.district.buildings]
    building = tables(catalogue).building[result.raster.grid]
    labels = result.raster.labels
    frame = result.raster.frame
    for source in SOURCE:
        footprint, volume, low, high = truth(source)
        columns = labels == names.index(source.id) + 1
        assert columns.sum() * v**2 == pytest.approx(footprint.area, rel=0.10), source.id
        assert building[columns].sum() * v**3 == pytest.approx(volume, rel=0.10), source.id
        i, j = np.nonzero(columns)
        x0, y0 = frame.to_world(i.min(), j.min())
        x1, y1 = frame.to_world(i.max() + 1, j.max() + 1)
        assert np.abs(np.array([x0, y0]) - low).max() <= v, source.id
        assert np.abs(np.array([x1, y1]) - high).max() <= v, source.id


@pytest.fixture(scope="module")
def den_haag_level(tmp_path_factory):
    """The CityJSON's own import, which the CityGML imports must equal voxel for voxel."""
    from game.core.catalogue import default_catalogue

    return imported(DENHAAG, default_catalogue(), crs="EPSG:7415")


@pytest.mark.parametrize("bounded_by", [False, True], ids=["lod2-solids", "bounded-by-only"])
def test_a_citygml_2_lod2_file_keeps_footprint_volume_and_place_of_every_building(
    tmp_path, catalogue, den_haag_level, bounded_by
):
    """Failed before: every CityGML file got "not valid JSON (line 1, column 1)"."""
    path = write(tmp_path / "denhaag.gml", citygml(SOURCE, bounded_by=bounded_by))
    result = imported(path, catalogue)
    assert result.raster.buildings == 4 and result.doc.georeference.epsg == 7415
    check_against_source(result, catalogue)
    assert (result.raster.grid == den_haag_level.raster.grid).all()
    assert result.district.skipped == {"GenericCityObject": 1}
    assert result.district.buildings[0].block == "housing"  # ALKIS 31001_1000


def test_citygml_3_namespaces_are_read_like_2(tmp_path, catalogue, den_haag_level):
    appearance = (
        '<app:appearanceMember xmlns:app="http://www.opengis.net/citygml/appearance/3.0">'
        "<app:Appearance><app:theme>rgb</app:theme></app:Appearance></app:appearanceMember>"
    )
    document = citygml(SOURCE, version="3.0", bounded_by=True)
    document = document.replace("</core:CityModel>", appearance + "</core:CityModel>")
    result = imported(write(tmp_path / "denhaag.xml", document), catalogue)
    assert (result.raster.grid == den_haag_level.raster.grid).all()
    assert result.district.skipped == {"GenericCityObject": 1}  # textures are no city object


def test_a_gzipped_tile_is_read_whatever_its_name(tmp_path, catalogue, den_haag_level):
    document = citygml(SOURCE)
    for name in ("denhaag.gml.gz", "download"):
        path = write(tmp_path / name, document)
        if name == "download":
            path.write_bytes(__import__("gzip").compress(document.encode()))
        result = imported(path, catalogue)
        assert (result.raster.grid == den_haag_level.raster.grid).all(), name


def test_a_folder_of_two_tiles_and_a_list_of_them_make_one_level(
    tmp_path, catalogue, den_haag_level
):
    folder = tmp_path / "tiles"
    folder.mkdir()
    first = write(folder / "tile-1.gml", citygml(SOURCE[:2]))
    second = write(folder / "tile-2.gml", citygml(SOURCE[2:], bounded_by=True))
    (folder / "tile-2_meta.xml").write_text("<metadata>not a tile</metadata>")
    for source in (folder, [first, second]):
        result = imported(source, catalogue)
        assert result.raster.buildings == 4
        assert (result.raster.grid == den_haag_level.raster.grid).all()
    with pytest.raises(QuartierError) as refused:
        imported(tmp_path / "tiles-missing", catalogue)
    assert refused.value.key == "error.file_not_found"


def test_level_import_takes_several_tiles_on_the_command_line(tmp_path, den_haag_level):
    first = write(tmp_path / "tile-1.gml", citygml(SOURCE[:2]))
    second = write(tmp_path / "tile-2.gml.gz", citygml(SOURCE[2:]))
    out = tmp_path / "two.level.json"
    args = ["level", "import", str(first), str(second), "--out", str(out), "--licence", "test"]
    assert main(args) == 0
    assert json.loads(out.read_text())["buildings"] == den_haag_level.doc.buildings == 4


def test_the_tree_never_holds_more_than_the_object_being_read(tmp_path):
    """What keeps memory bounded on a 200 MB tile: each member is cleared and dropped once read."""
    path = write(tmp_path / "many.gml", citygml(SOURCE * 5, others=5))
    held = []  # what stands before the member being read: only the envelope
    for _, elem in _objects(path):
        if elem is not None:
            held.append(len(list(elem.getparent().itersiblings(preceding=True))))
    assert len(held) == 20 and max(held) == 1


def test_buildings_outside_the_bbox_are_left_out_while_reading(tmp_path, catalogue):
    path = write(tmp_path / "denhaag.gml", citygml(SOURCE))
    _, _, low, high = truth(SOURCE[0])
    box = ",".join(f"{v:.1f}" for v in (*(low - 5), *(high + 5)))
    result = imported(path, catalogue, bbox=box)
    assert [b.name for b in result.district.buildings] == [SOURCE[0].id]
    assert result.raster.buildings == 1
    with pytest.raises(QuartierError) as refused:  # an empty window is not an empty file
        imported(path, catalogue, bbox="1000,1000,1010,1010")
    assert refused.value.key == "error.import_empty"


def test_a_gml_without_buildings_is_refused_with_what_to_do(tmp_path, catalogue):
    path = write(tmp_path / "roads.gml", citygml([], others=3))
    with pytest.raises(QuartierError) as refused:
        imported(path, catalogue)
    assert refused.value.key == "error.import_citygml_no_buildings"
    for lang in ("en", "de"):
        message = text(lang, refused.value.key, **refused.value.params)
        assert "roads.gml" in message and "LoD" in message


def test_openstreetmap_xml_named_xml_is_not_taken_for_citygml(tmp_path, catalogue):
    path = tmp_path / "export.xml"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="49.44" lon="7.77"/></osm>'
    )
    with pytest.raises(QuartierError) as refused:
        imported(path, catalogue)
    assert "citygml" not in refused.value.key


def test_an_empty_folder_says_which_files_it_looks_for(tmp_path, catalogue):
    (tmp_path / "empty").mkdir()
    with pytest.raises(QuartierError) as refused:
        imported(tmp_path / "empty", catalogue)
    assert refused.value.key == "error.import_citygml_folder_empty"


def test_a_broken_tile_names_the_file_and_the_problem(tmp_path, catalogue):
    path = tmp_path / "cut.gml"
    path.write_text(citygml(SOURCE)[:5000])
    with pytest.raises(QuartierError) as refused:
        imported(path, catalogue)
    assert refused.value.key == "error.import_citygml_unreadable"
    assert refused.value.params["what"] == "cut.gml"
    path.write_text(citygml(SOURCE).replace('<gml:posList srsDimension="3">', "<gml:posList>x", 1))
    with pytest.raises(QuartierError) as refused:
        imported(path, catalogue)
    assert refused.value.key == "error.import_citygml_unreadable"
    assert "not numbers" in refused.value.params["reason"]


@pytest.mark.parametrize(
    ("name", "epsg"),
    [
        ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH", 25832),
        ("urn:adv:crs:ETRS89_UTM33*DE_DHHN92_NH", 25833),
        ("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN92_NH", 31467),
        ("urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837", 25832),
        ("urn:ogc:def:crs:EPSG::7415", 7415),
        ("EPSG:25833", 25833),
    ],
)
def test_srs_names_of_german_and_compound_crss_give_the_horizontal_epsg(name, epsg):
    assert parse_crs(name).to_epsg() == epsg


def test_the_given_crs_overrides_an_adv_urn_in_the_file(tmp_path, catalogue, den_haag_level):
    """Failed before: an ADV CRS URN in a CityGML file could not be overridden."""
    wrong = "urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH"
    path = write(tmp_path / "denhaag.gml", citygml(SOURCE, srs=wrong))
    with pytest.raises(QuartierError) as refused:  # Dutch coordinates in a German CRS
        imported(path, catalogue)
    assert refused.value.key == "error.import_crs_outside"
    result = imported(path, catalogue, crs="EPSG:7415")
    assert result.doc.georeference.epsg == 7415
    assert (result.raster.grid == den_haag_level.raster.grid).all()


@pytest.mark.parametrize(
    ("codes", "block"),
    [
        (["31001_1000"], "housing"),
        (["31001_1020"], "student_housing"),
        (["31001_2000"], "office"),
        (["31001_2053"], "market_hall"),
        (["31001_2110"], "workshop"),
        (["31001_2020"], "office"),
        (["31001_2050"], "shop"),
        (["31001_3021"], "school"),
        (["31001_3065"], "kindergarten"),
        (["31001_3051"], "health_centre"),
        (["1000"], "housing"),
        (["1120"], "office"),
        (["1170"], "shop"),
        (["1320"], "workshop"),
        (["unknown", "31001_2020"], "office"),
        ([], "housing"),
    ],
)
def test_function_and_usage_codes_pick_the_block(codes, block):
    assert block_of(codes) == block


@pytest.mark.parametrize(
    ("lods", "voxel", "chosen"),
    [
        ({1, 2}, 1.0, 2),
        ({1, 2}, 3.0, 1),
        ({2}, 3.0, 2),
        ({0, 2}, 1.0, 2),
        ({0}, 1.0, 0),
        ({3}, 1.0, 3),
    ],
)
def test_the_lod_is_chosen_as_for_cityjson(lods, voxel, chosen):
    """The most detailed LoD up to 2 at voxels up to 2 m, LoD1 blocks above; LoD3 only alone."""
    assert _choose(lods, voxel) == chosen


def _footprints(version: str, lod0: str, attributes: list[str]) -> str:
    """A CityModel of 20 m × 10 m footprints at z = 5 in Kaiserslautern, one per attribute text."""
    corners = [(0, 0), (20, 0), (20, 10), (0, 10), (0, 0)]
    ring = " ".join(f"{410000 + x} {5478000 + y} 5" for x, y in corners)
    members = "".join(
        f'<core:cityObjectMember><bldg:Building gml:id="b{n}">{attribute}'
        f"<{lod0}><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior>"
        f"<gml:LinearRing><gml:posList>{ring}</gml:posList></gml:LinearRing></gml:exterior>"
        f"</gml:Polygon></gml:surfaceMember></gml:MultiSurface></{lod0}>"
        f"</bldg:Building></core:cityObjectMember>"
        for n, attribute in enumerate(attributes)
    )
    model = citygml([], version=version, srs="EPSG:25832", others=0)
    return model.replace("81000.000 455000.000", "410000.000 5478000.000").replace(
        "</core:CityModel>", members + "</core:CityModel>"
    )


def test_a_footprint_only_building_stands_as_high_as_its_measured_height(tmp_path, catalogue):
    """LoD0: the footprint at its ground height, raised to measuredHeight (CityGML 3.0: height),
    else storeys × storey, else the default height (counted as missing)."""
    two = _footprints(
        "2.0",
        "bldg:lod0FootPrint",
        [
            '<bldg:measuredHeight uom="m">12</bldg:measuredHeight>',
            "<bldg:storeysAboveGround>2</bldg:storeysAboveGround>",
            "",
        ],
    )
    three = _footprints(
        "3.0",
        "core:lod0MultiSurface",
        [
            "<con:height><con:Height><con:highReference>highestRoofEdge</con:highReference>"
            "<con:lowReference>lowestGroundPoint</con:lowReference><con:status>measured"
            '</con:status><con:value uom="m">15</con:value></con:Height></con:height>'
        ],
    )
    rectangles = two.replace("gml:Polygon>", "gml:Rectangle>")  # gml:Rectangle: 5 positions
    for document, expected, missing in (
        (two, [12.0, 6.0, 9.0], 1),
        (three, [15.0], 0),
        (rectangles, [12.0, 6.0, 9.0], 1),
    ):
        result = imported(write(tmp_path / "lod0.gml", document), catalogue)
        heights = [b.faces.planes[0, 2] - b.base for b in result.district.buildings]
        assert heights == expected and result.district.missing_heights == missing
        assert result.district.buildings[0].base == 5.0
        assert shapely.area(result.district.buildings[0].faces.polygons[0]) == pytest.approx(200)
