"""Importing the real sample files: what the level holds matches the source, building by building.

The truth is computed here independently of the importer: footprint areas with shapely on the
source polygons, heights from the tags or the solids' vertices, and volumes of the CityJSON
solids by the divergence theorem (signed tetrahedra of their closed surfaces).
"""

import json

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sample_data import BERLIN, DELFT, DENBOSCH, DENHAAG
from solids import solid_truth

from game.core.indicators.base import tables
from game.io.level_import import ImportOptions, import_level

DELFT_BBOX = (
    "84620,447423,85130,447750"  # 524 m wide: at 1 m the file is 12 m wider than a level may be
)
DENBOSCH_HALVES = ("153300,414160,153800,414430", "153300,414430,153800,414700")


def imported(path, catalogue, **options):
    return import_level(path, ImportOptions(licence="test data", **options), catalogue)


def measured(result, catalogue):
    """Per building number (1-based): (footprint m², top in m above the ground layer, volume m³)."""
    v = result.doc.voxel_size_m
    building = tables(catalogue).building[result.raster.grid]
    labels = result.raster.labels
    counts = np.bincount(labels.ravel(), minlength=len(result.district.buildings) + 1)
    volume = np.bincount(
        labels.ravel(), weights=building.sum(axis=2).ravel(), minlength=counts.size
    )
    top = np.where(
        building.any(axis=2), building.shape[2] - np.argmax(building[:, :, ::-1], axis=2) - 1, 0
    )
    heights = np.zeros(counts.size)
    np.maximum.at(heights, labels.ravel(), top.ravel() * v)
    return {
        n: (counts[n] * v**2, heights[n], volume[n] * v**3)
        for n in range(1, counts.size)
        if counts[n]
    }


# --- CityJSON truth ---------------------------------------------------------------------------


def _solid_surfaces(geometry):
    b = geometry["boundaries"]
    if geometry["type"] == "Solid":
        return [s for shell in b for s in shell]
    return [s for solid in b for shell in solid for s in shell]


def cityjson_truth(path, lod_of):
    """Per root building id: (footprint polygon, height above its lowest vertex, solid volume, box)."""
    raw = json.loads(path.read_text())
    t = raw["transform"]
    xyz = np.asarray(raw["vertices"], float) * t["scale"] + t["translate"]
    objects = raw["CityObjects"]
    truth = {}
    for name, obj in objects.items():
        if obj["type"] != "Building" or obj.get("parents"):
            continue
        surfaces = []
        for part in [name, *obj.get("children", [])]:
            geometries = [
                g for g in objects[part].get("geometry", []) if g["lod"] == lod_of(objects[part])
            ]
            surfaces += [s for g in geometries for s in _solid_surfaces(g)]
        footprint, volume, points = solid_truth([xyz[r] for r in rings] for rings in surfaces)
        truth[name] = (
            footprint,
            points[:, 2].max() - points[:, 2].min(),
            volume,
            points[:, :2].min(0),
            points[:, :2].max(0),
        )
    return truth


def assert_area(area, truth, voxel, name):
    """Within 10 %; a shed smaller than 20 voxels cannot be that close, so it may be off by two voxels."""
    if truth >= 20 * voxel**2:
        assert area == pytest.approx(truth, rel=0.10), name
    else:
        assert abs(area - truth) <= 2 * voxel**2, name


def check_cityjson(result, truth, catalogue, inside=lambda lo, hi: True):
    v = result.doc.voxel_size_m
    got = measured(result, catalogue)
    names = [b.name for b in result.district.buildings]
    checked, source_volume, voxel_volume = 0, 0.0, 0.0
    for name, (footprint, height, volume, lo, hi) in truth.items():
        if not inside(lo, hi):
            continue
        area, top, vox = got[names.index(name) + 1]
        assert_area(area, footprint.area, v, name)
        assert abs(top - height) <= v, name
        source_volume += volume
        voxel_volume += vox
        checked += 1
    assert voxel_volume == pytest.approx(source_volume, rel=0.10)
    return checked


def test_delft_lod1_at_1m_keeps_every_building_its_area_height_and_volume(catalogue):
    result = imported(DELFT, catalogue, voxel=1.0, bbox=DELFT_BBOX)
    assert result.raster.buildings == 160 and result.doc.buildings == 160
    assert result.doc.georeference.epsg == 7415
    x0, y0, x1, y1 = map(float, DELFT_BBOX.split(","))
    within = lambda lo, hi: lo[0] >= x0 and lo[1] >= y0 and hi[0] <= x1 and hi[1] <= y1  # noqa: E731
    assert check_cityjson(result, cityjson_truth(DELFT, lambda o: "1"), catalogue, within) >= 150
    keys = {catalogue.key(int(i)) for i in np.unique(result.raster.grid[:, :, 0])}
    assert {"road", "footpath", "parking", "grass", "water"} <= keys


def test_den_haag_lod2_roofs_follow_the_real_surfaces(catalogue):
    result = imported(DENHAAG, catalogue, voxel=1.0, crs="EPSG:7415")
    assert result.raster.buildings == 4
    assert check_cityjson(result, cityjson_truth(DENHAAG, lambda o: "2"), catalogue) == 4
    # a pitched roof: the building's columns do not all have the same height
    building = tables(catalogue).building[result.raster.grid].sum(axis=2)
    assert len(np.unique(building[building > 0])) > 3


@pytest.mark.parametrize("bbox", DENBOSCH_HALVES)
def test_den_bosch_uses_the_lod22_solids_at_1m(catalogue, bbox):
    result = imported(DENBOSCH, catalogue, voxel=1.0, crs="EPSG:7415", bbox=bbox)
    x0, y0, x1, y1 = map(float, bbox.split(","))
    within = lambda lo, hi: lo[0] >= x0 and lo[1] >= y0 and hi[0] <= x1 and hi[1] <= y1  # noqa: E731
    truth = cityjson_truth(DENBOSCH, lambda o: "2.2")
    assert result.raster.buildings == sum(within(t[3], t[4]) for t in truth.values()) > 0
    assert check_cityjson(result, truth, catalogue, within) == result.raster.buildings


def test_den_bosch_at_3m_voxels_takes_the_block_shaped_lod13(catalogue):
    result = imported(DENBOSCH, catalogue, voxel=3.0, crs="EPSG:7415")
    assert result.raster.buildings == 10
    got = measured(result, catalogue)
    truth = cityjson_truth(DENBOSCH, lambda o: "1.3")
    assert sum(g[2] for g in got.values()) == pytest.approx(
        sum(t[2] for t in truth.values()), rel=0.15
    )


# --- GeoJSON truth ---------------------------------------------------------------------------


def berlin_truth(storey_m=3.0, default_m=9.0):
    raw = json.loads(BERLIN.read_text())
    project = Transformer.from_crs(4326, 32633, always_xy=True)
    truth = []
    for f in raw["features"]:
        rings = [
            np.column_stack(project.transform(*np.asarray(r)[:, :2].T))
            for r in f["geometry"]["coordinates"]
        ]
        p = f["properties"]
        height = p.get("height") or (p.get("levels") or 0) * storey_m or default_m
        bottom = p.get("minHeight") or (p.get("minLevel") or 0) * storey_m
        truth.append((shapely.Polygon(rings[0], rings[1:]), float(height), float(bottom)))
    return truth


BERLIN_QUARTERS = (
    "13.3695,52.5024,13.3761,52.5065",
    "13.3756,52.5024,13.3824,52.5065",
    "13.3695,52.5062,13.3761,52.5104",
    "13.3756,52.5062,13.3824,52.5104",
)


@pytest.mark.parametrize("bbox", BERLIN_QUARTERS)
def test_berlin_footprints_at_1m_keep_area_height_and_volume_of_each_building(catalogue, bbox):
    """At 1 m the file is too large for one level, so each quarter is imported on its own.

    Most OSM features here are parts of one building that overlap each other; buildings that
    overlap no other feature are compared one by one.
    """
    result = imported(BERLIN, catalogue, voxel=1.0, bbox=bbox)
    assert result.doc.georeference.epsg == 32633
    truth = berlin_truth()
    tree = shapely.STRtree([t[0] for t in truth])
    x0, y0 = result.raster.frame.origin[:2]
    x1, y1 = x0 + result.raster.grid.shape[0], y0 + result.raster.grid.shape[1]
    got = measured(result, catalogue)
    source_volume = voxel_volume = 0.0
    checked = 0
    for n, (shape, height, bottom) in enumerate(truth):
        a, b, c, d = shape.bounds
        if len(tree.query(shape, predicate="intersects")) > 1 or not (
            a >= x0 and b >= y0 and c <= x1 and d <= y1
        ):
            continue
        area, top, vox = got[n + 1]
        assert_area(area, shape.area, 1.0, n)
        assert abs(top - height) <= 1.0, n
        source_volume += shape.area * (height - bottom)
        voxel_volume += vox
        checked += 1
    assert checked >= 3
    assert voxel_volume == pytest.approx(source_volume, rel=0.10)


def test_berlin_whole_file_at_2m_finds_every_building_bigger_than_a_voxel(catalogue):
    result = imported(BERLIN, catalogue, voxel=2.0)
    truth = berlin_truth()
    assert result.doc.georeference.epsg == 32633
    assert len(result.district.buildings) == len(truth) == 308
    big = sum(1 for shape, height, bottom in truth if shape.area >= 16 and height > bottom)
    assert big <= result.raster.buildings <= 308
    assert result.district.missing_heights == sum(
        1
        for f in json.loads(BERLIN.read_text())["features"]
        if not (f["properties"].get("height") or f["properties"].get("levels"))
    )
