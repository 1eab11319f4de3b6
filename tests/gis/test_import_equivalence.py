"""The faster import (#15) makes the same levels as before, voxel for voxel.

The fingerprints were recorded with the importer before #15 (a shapely union per ground
object, one voxelising call per building): grid and building labels hashed, the frame and
the number of buildings placed. The Berlin level at 2 m is compared byte for byte with the
bundled file by tests/test_bundled_levels.py. Property tests compare the vectorised steps with
their definitions: a ground area is the union of its parts, and buildings written together
are buildings written one after the other.
"""

import hashlib
import json
import random

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from sample_data import BERLIN, DELFT, DENBOSCH, DENHAAG

from game.core.catalogue import default_catalogue
from game.core.errors import QuartierError
from game.io.cityjson_import import _certain_triangles, _cross, _indices, _polygons, _walk
from game.io.features import Area, Building, District, Faces
from game.io.georef import utm_zone
from game.io.level_import import ImportOptions, import_level
from game.io.voxelise import ROOF, voxelise

BEFORE = [
    (
        DELFT,
        {"voxel": 1.0, "bbox": "84620,447423,85130,447750"},
        "08693023c3500c19b5ad4e93e61425e1ece6edf74069114add556a7ccfc14604",
        (84620.0, 447423.0, -1.34),
        160,
    ),
    (
        DELFT,
        {"voxel": 2.0},
        "4737c80678ada21826b25fc39a01343776505008880643fe56f31ad6fd032351",
        (84616.468, 447422.999, -2.34),
        157,
    ),
    (
        DELFT,
        {"voxel": 2.5},
        "d26e92a947459d7afb712ae16c32fce8f728c791d9003668732ea9a6a7e0b43f",
        (84616.468, 447422.999, -2.84),
        155,
    ),
    (
        DELFT,
        {"voxel": 4.0},
        "f5f201b5bc23ddfe64514df7f1b3522abe2aaa1ca2630d243e756559913ba43f",
        (84616.468, 447422.999, -4.34),
        141,
    ),
    (
        DENHAAG,
        {"voxel": 1.0, "crs": "EPSG:7415"},
        "f3f0413888e94f47723eadecdc1cfc59a1bffc77983cdd0bf1a165501bb0099a",
        (78612.16900000001, 457782.107, 2.451),
        4,
    ),
    (
        DENBOSCH,
        {"voxel": 1.0, "crs": "EPSG:7415", "bbox": "153300,414160,153800,414430"},
        "4daa2d4da79ef034d88e5761a2d29484f2dd40f83092a9692d51a26cdf73cae2",
        (153300.0, 414160.0, 3.6110000000000007),
        8,
    ),
    (
        DENBOSCH,
        {"voxel": 2.0, "crs": "EPSG:7415"},
        "9267db8dde7c907708b8035dca846ec1868370b55fb4b0f94a140228cb85c7aa",
        (153301.399921, 414163.47299, 2.208),
        10,
    ),
    (
        DENBOSCH,
        {"voxel": 3.0, "crs": "EPSG:7415"},
        "f2bd4b77ef802a4ba517a5e6b855020593df5c542b5dd9e8c7df72f0232c0905",
        (153301.399921, 414163.47299, 1.2080000000000002),
        10,
    ),
    (
        BERLIN,
        {"voxel": 1.0, "bbox": "13.3720,52.5060,13.3790,52.5100"},
        "126f52f7763174518e0e52823b398768abe1074f1410388f30aa1d4c2c283ceb",
        (389505.24775404925, 5818554.360914061, -1.0),
        140,
    ),
    (
        BERLIN,
        {"voxel": 3.0},
        "2a0953f8fef3e1a24bd747514d8bbbfc1a9102903822b08e9b3285d56c7ffeca",
        (389354.3237309423, 5818162.519417255, -3.0),
        269,
    ),
]


@pytest.mark.parametrize(
    ("path", "options", "digest", "origin", "buildings"),
    BEFORE,
    ids=[f"{p.name.split('-')[0]} {json.dumps(o)}" for p, o, *_ in BEFORE],
)
def test_real_sources_import_to_the_same_voxels_as_before(
    catalogue, path, options, digest, origin, buildings
):
    raster = import_level(path, ImportOptions(licence="test data", **options), catalogue).raster
    found = hashlib.sha256(str(raster.grid.shape).encode())
    found.update(raster.grid.tobytes())
    found.update(raster.labels.astype("<i4").tobytes())
    assert found.hexdigest() == digest
    assert raster.frame.origin == pytest.approx(origin, abs=1e-9)
    assert raster.buildings == buildings


# Triangles on a half-metre lattice: their corners and edges often meet column centres.
LATTICE = st.integers(0, 16).map(lambda v: v / 2)
TRIANGLE = st.tuples(*[st.tuples(LATTICE, LATTICE)] * 3).filter(
    lambda t: shapely.Polygon(t).area > 0
)
CENTRES = np.meshgrid(np.arange(8) + 0.5, np.arange(8) + 0.5, indexing="ij")


def _ground(areas: list[list], blocks: list[str]) -> np.ndarray | None:
    """Layer 0 of the level made of these areas (triangles), None if it is refused as empty."""
    catalogue = default_catalogue()
    district = District(
        areas=[
            Area(block, np.array([shapely.Polygon(t) for t in parts], dtype=object))
            for block, parts in zip(blocks, areas)
        ]
    )
    try:
        return voxelise(district, 1.0, (0, 0, 8, 8), catalogue, 7415).grid[:, :, 0]
    except QuartierError:
        return None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(TRIANGLE, min_size=1, max_size=5), min_size=1, max_size=4))
def test_a_ground_area_covers_the_columns_inside_the_union_of_its_parts(areas):
    """Compared where the answer does not hang on rounding: centres off every part's edge.

    On an edge the union's own noding decides: for the triangles (0,0) (0,½) (½,½) and
    (0,0) (½,0) (1,3) the union moves the corner (1/6, ½) by rounding, so a centre on the edge
    (0,0)-(1,3) tests as inside the union although it lies on its boundary.
    """
    catalogue = default_catalogue()
    blocks = ["grass", "water", "footpath", "road"]  # in paint order
    expected = np.full((8, 8), catalogue.id("plaza"), np.uint8)
    clear = np.ones((8, 8), bool)
    for block, parts in zip(blocks, areas):
        polygons = [shapely.Polygon(t) for t in parts]
        expected[shapely.contains_xy(shapely.union_all(polygons), *CENTRES)] = catalogue.id(block)
        for polygon in polygons:
            clear &= ~shapely.intersects_xy(polygon.boundary, *CENTRES)
    ground = _ground(areas, blocks[: len(areas)])
    if ground is None:
        assert (expected == catalogue.id("plaza")).all()
    else:
        assert (ground[clear] == expected[clear]).all()


def test_faces_meeting_on_a_column_centre_cover_it():
    """Centres on the diagonal of a square cut in two, and on the corner four triangles share."""
    halves = [[((0, 0), (4, 0), (4, 4)), ((0, 0), (4, 4), (0, 4))]]
    ground = _ground(halves, ["grass"])
    assert ground is not None and (ground[:4, :4] == ground[0, 0]).all()
    assert (ground[4:] != ground[0, 0]).all() and (ground[:, 4:] != ground[0, 0]).all()
    c = (2.5, 2.5)
    fan = [[((1, 1), (4, 1), c), ((4, 1), (4, 4), c), ((4, 4), (1, 4), c), ((1, 4), (1, 1), c)]]
    ground = _ground(fan, ["water"])
    assert ground is not None and ground[2, 2] == default_catalogue().id("water")
    edge = [[((0, 0), (2.5, 0), (2.5, 4))]]  # a centre on an outer edge stays outside
    ground = _ground(edge, ["grass"])
    assert ground is not None and ground[2, 0] != ground[1, 0]


BOX = st.tuples(
    st.integers(0, 6), st.integers(0, 6), st.integers(1, 4), st.integers(1, 4), st.integers(1, 9)
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(BOX, st.integers(0, 3), st.sampled_from(["housing", "school"])),
        min_size=1,
        max_size=6,
    )
)
def test_buildings_written_together_are_buildings_written_one_after_the_other(boxes):
    catalogue = default_catalogue()
    district = District(
        buildings=[
            Building(f"#{n}", block, Faces.flat(shapely.box(x, y, x + w, y + d), h), 0.0, bottom)
            for n, ((x, y, w, d, h), bottom, block) in enumerate(boxes)
        ]
    )
    if all(h <= bottom for (*_, h), bottom, _ in boxes):
        with pytest.raises(QuartierError):
            voxelise(district, 1.0, (0, 0, 10, 10), catalogue, 7415)
        return
    raster = voxelise(district, 1.0, (0, 0, 10, 10), catalogue, 7415)
    expected = np.zeros_like(raster.grid)
    expected[:, :, 0] = catalogue.id("plaza")
    labels = np.zeros((10, 10), np.int32)
    for n, ((x, y, w, d, h), bottom, block) in enumerate(boxes):  # the definition, one by one
        low, high = 1 + bottom, 1 + h
        if high > low:
            expected[x : x + w, y : y + d, low:high] = catalogue.id(block)
            if high - low >= 2:
                expected[x : x + w, y : y + d, high - 1] = catalogue.id(ROOF)
            labels[x : x + w, y : y + d] = n + 1
    assert (raster.grid == expected).all()
    assert (raster.labels == labels).all()


def _query(lon: float, lat: float) -> int:
    found = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    return int(found[0].code)


def test_the_utm_zone_by_arithmetic_is_the_one_pyproj_database_names():
    rng = random.Random(15)
    edges = [(6.0, 10.0), (6.0, 0.0), (0.0, -0.0), (-180.0, 5.0), (180.0, -5.0), (3.0, 84.0)]
    edges += [(3.0, -80.0), (-174.0, -1e-9), (13.37, 52.5), (5.999999, 1.0)]
    points = edges + [(rng.uniform(-180, 180), rng.uniform(-80, 84)) for _ in range(12)]
    assert [utm_zone(lon, lat).to_epsg() for lon, lat in points] == [_query(*p) for p in points]


def test_a_source_beyond_the_utm_zones_is_asked_for_a_crs():
    with pytest.raises(QuartierError) as refused:
        utm_zone(10.0, 85.0)
    assert refused.value.key == "error.import_crs_geographic"


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Solid", "boundaries": [[[[0, 1, 2]], [[2, 3, 0], [4, 5, 6]]]]},
        {"type": "MultiSurface", "boundaries": [[[0, 1, 2]], [[7, 8, 9]]]},
        {"type": "CompositeSolid", "boundaries": [[[[[3, 4, 5]]]], [[[[6, 7, 8]]]]]},
        {"type": "Solid", "boundaries": [[[[0, 1, [2]]], 5]]},  # broken: walked item by item
        {"type": "MultiSurface", "boundaries": [[[0, 1.5, True, "x", None]]]},
        {"type": "MultiPoint", "boundaries": [1, 2, 3]},
        {"type": "MultiSurface", "boundaries": "nonsense"},
    ],
)
def test_the_vertices_an_object_uses_are_every_integer_in_its_boundaries(geometry):
    assert sorted(_indices({"geometry": [geometry]})) == sorted(_walk(geometry["boundaries"]))


COORDINATE = st.one_of(
    st.integers(-4, 4).map(float),
    st.floats(-1e3, 1e3, allow_nan=False),
    st.integers(-4, 4).map(lambda v: v + 1e-12),
    st.integers(0, 3).map(lambda v: 84616.468 + v * 0.001),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(COORDINATE, COORDINATE), min_size=3, max_size=3))
def test_a_triangle_taken_as_valid_without_geos_is_valid(corners):
    xy = np.array(corners)
    certain = _certain_triangles(xy, np.array([0]), np.array([3]))
    if certain[0]:
        assert shapely.is_valid(shapely.Polygon(corners))


def test_nearly_every_face_of_a_real_model_needs_no_geos_check():
    corners = np.random.default_rng(15).uniform(84000, 85000, (3000, 2))
    corners[:300] = [84616.468, 447422.999]  # some rings are points: left to GEOS
    certain = _certain_triangles(corners, np.arange(0, 3000, 3), np.full(1000, 3))
    assert 0.85 < certain.mean() < 0.95


def test_the_cross_product_of_the_faces_is_numpys_bit_for_bit():
    rng = np.random.default_rng(15)
    a = rng.normal(size=(10_000, 3)) * 1e3 + 84_616.468
    b = rng.normal(size=(10_000, 3)) * 1e3 + 447_422.999
    assert np.array_equal(_cross(a, b), np.cross(a, b))


def test_faces_are_the_polygons_linearrings_would_make():
    rng = np.random.default_rng(15)
    rings = [rng.uniform(0, 100, (n, 2)) for n in (3, 4, 7, 3, 5)]
    rings[1] = np.vstack([rings[1], rings[1][:1]])  # already closed: not closed twice
    xy = np.vstack(rings)
    counts = np.array([len(r) for r in rings])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    expected = [shapely.Polygon(shapely.LinearRing(r)) for r in rings]
    assert shapely.equals_exact(_polygons(xy, starts, counts), expected, 0).all()
    assert len(_polygons(xy, starts[:0], counts[:0])) == 0
