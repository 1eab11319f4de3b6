"""Terrain: buildings on a hill keep their real base heights, in the level and in the exports.

The truth is the boxes the tests write themselves (tests/support/city_boxes.py) and the
slopes they put them on; the level is read back through its georeference only: a voxel
layer k starts at origin z + k · voxel.
"""

import json

import numpy as np
import pytest
import tifffile
from city_boxes import write_boxes
from pyproj import Transformer

from game.cli import main
from game.core.catalogue import default_catalogue
from game.core.indicators.base import tables
from game.core.level import Level, parse_level
from game.io.level_import import ImportOptions, import_level
from game.io.terrain import read_dem

X0, Y0 = 400_000.0, 5_480_000.0  # EPSG:25832, near Kaiserslautern


def slope_boxes(rise, width, rows=2, size=(16.0, 12.0), base0=230.0):
    """Boxes along x on a ground rising `rise` metres over `width`; each stands at its lowest corner."""
    boxes = []
    for n, x in enumerate(np.arange(10.0, width - size[0] - 10, 45.0)):
        for r in range(rows):
            y = 10.0 + r * 40.0
            base = base0 + rise * x / width
            boxes.append(
                (X0 + x, Y0 + y, X0 + x + size[0], Y0 + y + size[1], base, 6 + 3 * (n % 5))
            )
    return boxes


def measured_buildings(grid, labels, origin_z, voxel, catalogue):
    """Per building number (1-based): (lowest, highest) real height of its voxels' bottom and top."""
    building = tables(catalogue).building[grid]
    found = {}
    for n in np.unique(labels[labels > 0]).tolist():
        layers = np.flatnonzero(building[labels == n].any(axis=0))
        found[n] = (origin_z + layers.min() * voxel, origin_z + (layers.max() + 1) * voxel)
    return found


def ground_tops(grid, labels, origin_z, voxel):
    """The real height of the ground's surface in every column without a building."""
    filled = grid != 0
    top = np.argmin(filled, axis=2)  # the first empty layer: ground columns are solid from 0
    return np.where(labels == 0, origin_z + top * voxel, np.nan)


def imported(path, **options):
    catalogue = default_catalogue()
    result = import_level(path, ImportOptions(licence="test", **options), catalogue)
    r = result.raster
    return result, measured_buildings(r.grid, r.labels, r.frame.origin[2], r.frame.voxel, catalogue)


@pytest.mark.parametrize("voxel", [1.0, 2.0])
def test_buildings_on_a_ground_rising_30_m_keep_their_base_and_roof_heights(tmp_path, voxel):
    boxes = slope_boxes(30.0, 300.0)
    result, found = imported(write_boxes(tmp_path / "hill.city.json", boxes), voxel=voxel)
    assert len(found) == len(boxes) == len(result.district.buildings)
    for n, (*_, base, height) in enumerate(boxes, start=1):
        low, high = found[n]
        assert abs(low - base) <= voxel, (n, low, base)
        assert abs(high - (base + height)) <= voxel, (n, high, base + height)
    r = result.raster
    assert r.relief == pytest.approx(30, abs=8)
    ground = ground_tops(r.grid, r.labels, r.frame.origin[2], voxel)
    tenth = ground.shape[0] // 10
    assert np.nanmean(ground[-tenth:]) - np.nanmean(ground[:tenth]) > 20  # the ground rises too
    assert result.doc.dimensions[2] <= 128


def test_bases_scattered_by_a_metre_stay_a_flat_level(tmp_path):
    boxes = [(X0 + 30 * k, Y0, X0 + 30 * k + 10, Y0 + 10, 100 + 0.4 * (k % 3), 9) for k in range(6)]
    result, found = imported(write_boxes(tmp_path / "flat.city.json", boxes))
    r = result.raster
    assert r.relief == 0
    assert (r.grid[:, :, 0] != 0).all() and not r.grid[r.labels == 0][:, 1:].any()
    assert {round(low - r.frame.origin[2]) for low, _ in found.values()} == {1}  # all on layer 1
    assert r.frame.origin[2] == pytest.approx(100 - 1)


def test_zuerich_like_500_m_window_with_a_45_m_slope(tmp_path):
    """The issue's case: buildings sat up to 45 m too low, all on the lowest base."""
    x0, y0 = 2_683_000.0, 1_247_000.0  # EPSG:2056 (CH1903+ / LV95), Zürich
    boxes = []
    for k in range(11):
        x = x0 + 5 + 45.0 * k
        base = 410 + 45 * (x - x0) / 500
        boxes.append((x, y0 + 20, x + 18, y0 + 34, base, 12 + 4 * (k % 4)))
    boxes.append((x0, y0, x0 + 1, y0 + 1, 410, 3))
    boxes.append((x0 + 499, y0 + 59, x0 + 500, y0 + 60, 455, 3))
    path = write_boxes(
        tmp_path / "zuerich.city.json",
        boxes,
        reference_system="https://www.opengis.net/def/crs/EPSG/0/2056",
    )
    result, found = imported(path)
    assert result.doc.dimensions[:2] == (500, 60) and result.raster.frame.epsg == 2056
    for n, (_, _, _, _, base, height) in enumerate(boxes, start=1):
        low, high = found[n]
        assert abs(low - base) <= 1 and abs(high - base - height) <= 1, (n, low, base)


def _level_grid(path):
    doc = parse_level(path.read_text())
    return doc, Level(doc, default_catalogue())


@pytest.mark.parametrize("fmt", ["geojson", "cityjson"])
def test_a_new_building_uphill_exports_its_real_base_height(tmp_path, quartier_home, fmt):
    boxes = slope_boxes(30.0, 300.0, rows=1)
    source = write_boxes(tmp_path / "hill.city.json", boxes)
    folder = quartier_home / "levels"
    folder.mkdir(parents=True)
    out = folder / "hill.level.json"
    assert (
        main(["level", "import", str(source), "--out", str(out), "--id", "hill", "--licence", "t"])
        == 0
    )
    doc, level = _level_grid(out)
    origin_z, voxel = doc.georeference.origin[2], doc.voxel_size_m
    # uphill, between the last two buildings (x 206..235 m from the first one's west side)
    i, j = round(220 / voxel), doc.dimensions[1] - 2
    ground = int(np.argmin(level.city[i, j] != 0))  # the first empty layer
    design = tmp_path / "up.design.json"
    assert main(["design", "new", "--level", "hill", "--out", str(design)]) == 0
    ops = [
        {"op": "box", "from": [i - 3, j - 3, ground], "to": [i, j, ground + 8], "block": "housing"}
    ]
    (tmp_path / "ops.json").write_text(json.dumps(ops))
    assert main(["design", "edit", str(design), "--ops", str(tmp_path / "ops.json")]) == 0
    exported = tmp_path / f"out.{fmt}"
    assert main(["design", "export", str(design), "--format", fmt, "--out", str(exported)]) == 0
    data = json.loads(exported.read_text())
    true_base = origin_z + ground * voxel
    assert abs(true_base - (230 + 30 * (10 + i * voxel) / 300)) < 4  # the ground is the hill's
    if fmt == "geojson":
        [building] = [f for f in data["features"] if f["properties"]["kind"] == "building"]
        base, top = (
            building["properties"]["base_m"],
            building["properties"]["base_m"] + building["properties"]["height_m"],
        )
    else:
        t = data["transform"]
        xyz = np.asarray(data["vertices"], float) * t["scale"] + t["translate"]
        base, top = xyz[:, 2].min(), xyz[:, 2].max()
    assert abs(base - true_base) <= voxel
    assert abs(top - (true_base + 9 * voxel)) <= voxel


# --- DEM ----------------------------------------------------------------------------------------


def dem_height(x, y):
    """The test's terrain: 25 m rise to the east, 5 m to the north, over 300 m × 200 m."""
    return 300 + 25 * (np.asarray(x) - X0) / 300 + 5 * (np.asarray(y) - Y0) / 200


def write_geotiff(path, step=5.0, epsg=25832):
    cols, rows = int(320 / step), int(220 / step)
    x = X0 - 10 + (np.arange(cols) + 0.5) * step
    y = Y0 + 210 - (np.arange(rows) + 0.5) * step  # row 0 is the north edge
    heights = dem_height(x[None, :], y[:, None]).astype(np.float32)
    keys = (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg)
    tifffile.imwrite(
        path,
        heights,
        extratags=[
            (33550, "d", 3, (step, step, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, X0 - 10, Y0 + 210, 0.0), False),
            (34735, "H", len(keys), keys, False),
        ],
    )
    return path


def write_xyz(path, step=2.0, sep=" "):
    x, y = np.meshgrid(X0 - 10 + np.arange(0, 321, step), Y0 - 10 + np.arange(0, 221, step))
    rows = np.column_stack([x.ravel(), y.ravel(), dem_height(x, y).ravel()])
    lines = (sep.join((f"{a:.1f}", f"{b:.1f}", f"{c:.3f}")) for a, b, c in rows)
    path.write_text(sep.join("xyz") + "\n" + "\n".join(lines) + "\n")
    return path


FOOTPRINTS = [(X0 + 20 + 60 * k, Y0 + 30 + 50 * (k % 3), 14.0, 10.0, 9 + 3 * k) for k in range(5)]


def write_footprints(path, lon_lat=False):
    """GeoJSON footprints with heights but no base: the DEM must put them on the ground."""
    to_wgs84 = Transformer.from_crs(25832, 4326, always_xy=True)
    features = []
    for x, y, w, d, h in FOOTPRINTS:
        ring = [(x, y), (x + w, y), (x + w, y + d), (x, y + d), (x, y)]
        if lon_lat:
            ring = [to_wgs84.transform(*p) for p in ring]
        features.append(
            {
                "type": "Feature",
                "properties": {"building": "yes", "height": h},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    raw = {"type": "FeatureCollection", "features": features, "licence": "test"}
    if not lon_lat:
        raw["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}
    path.write_text(json.dumps(raw))
    return path


def check_on_dem(result, found):
    r = result.raster
    v = r.frame.voxel
    move = Transformer.from_crs(r.frame.epsg, 25832, always_xy=True)
    assert len(found) == len(FOOTPRINTS)
    for n, (x, y, _, _, h) in enumerate(FOOTPRINTS, start=1):
        base = float(dem_height(x, y))  # the lowest corner: the terrain rises east and north
        low, high = found[n]
        assert abs(low - base) <= 1.5 * v, (n, low, base)
        assert abs(high - (low + h)) <= v
    i, j = np.meshgrid(
        np.arange(r.labels.shape[0]) + 0.5, np.arange(r.labels.shape[1]) + 0.5, indexing="ij"
    )
    wx, wy = move.transform(*r.frame.to_world(i, j))
    ground = ground_tops(r.grid, r.labels, r.frame.origin[2], v)
    free = np.isfinite(ground)
    assert np.abs(ground[free] - dem_height(wx, wy)[free]).max() <= v


def test_a_geotiff_dem_carries_footprints_without_base_heights_onto_the_ground(tmp_path):
    dem = write_geotiff(tmp_path / "dgm.tif")
    source = write_footprints(tmp_path / "houses.geojson", lon_lat=True)
    result, found = imported(source, dem=dem, bbox=None)
    assert result.raster.frame.epsg == 32632  # WGS84 footprints: UTM; the DEM is moved from 25832
    check_on_dem(result, found)


@pytest.mark.parametrize("sep", [" ", ";"])
def test_an_xyz_grid_dem_is_in_the_sources_crs(tmp_path, sep):
    dem = write_xyz(tmp_path / "dgm1.xyz", sep=sep)
    result, found = imported(write_footprints(tmp_path / "houses.geojson"), dem=dem, voxel=2.0)
    assert result.raster.frame.epsg == 25832
    check_on_dem(result, found)


def test_the_geotiff_reader_places_pixel_centres_by_the_tags(tmp_path):
    dem = read_dem(write_geotiff(tmp_path / "dgm.tif", step=10.0))
    assert dem.crs.to_epsg() == 25832
    xs = np.array([X0, X0 + 150, X0 + 300])
    ys = np.array([Y0, Y0 + 100, Y0 + 200])
    assert dem.sample(xs, ys) == pytest.approx(dem_height(xs, ys), abs=1e-3)


def test_a_dem_that_is_no_grid_is_refused_with_what_to_give(tmp_path, capsys):
    bad = tmp_path / "dgm.xyz"
    bad.write_text("1 2 3\n7 11 13\n100 5 1\n2 300 4\n")
    out = tmp_path / "x.level.json"
    source = write_footprints(tmp_path / "houses.geojson")
    code = main(
        ["level", "import", str(source), "--out", str(out), "--dem", str(bad), "--licence", "t"]
    )
    assert code == 1 and "--dem" in capsys.readouterr().err and not out.exists()


def test_the_import_message_tells_how_much_the_ground_rises(tmp_path, capsys):
    source = write_boxes(tmp_path / "hill.city.json", slope_boxes(30.0, 300.0, rows=1))
    out = tmp_path / "hill.level.json"
    assert main(["level", "import", str(source), "--out", str(out), "--licence", "t"]) == 0
    said = capsys.readouterr().out
    assert "ground rises" in said and "EPSG:25832, the system the file names" in said


def test_a_ground_too_steep_for_the_level_height_asks_for_bigger_voxels(tmp_path, capsys):
    x, y = np.meshgrid(X0 - 10 + np.arange(0, 321, 10.0), Y0 - 10 + np.arange(0, 221, 10.0))
    rows = np.column_stack([x.ravel(), y.ravel(), (300 + 150 * (x - X0) / 300).ravel()])
    dem = tmp_path / "steep.xyz"
    dem.write_text("\n".join(" ".join(map(str, row)) for row in rows))
    source = write_footprints(tmp_path / "houses.geojson")
    out = tmp_path / "steep.level.json"
    code = main(
        ["level", "import", str(source), "--out", str(out), "--dem", str(dem), "--licence", "t"]
    )
    assert code == 1 and "--voxel-size 1.5" in capsys.readouterr().err and not out.exists()


def test_a_geotiff_with_pixel_is_point_and_nodata_is_read_by_its_tags(tmp_path):
    """Tie point on the first pixel's centre (GeoTIFF RasterPixelIsPoint); GDAL's no-data value
    (tag 42113) drops out: beside it the valid neighbours count, over it the median found."""
    heights = np.array([[10, 11, 12], [13, -9999, 15], [16, 17, 18]], np.float32)
    keys = (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 2, 3072, 0, 1, 25832)
    path = tmp_path / "point.tif"
    tifffile.imwrite(
        path,
        heights,
        extratags=[
            (33550, "d", 3, (2.0, 2.0, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, X0, Y0, 0.0), False),
            (34735, "H", len(keys), keys, False),
            (42113, "s", 0, "-9999", False),
        ],
    )
    dem = read_dem(path)
    assert (dem.x0, dem.y0, dem.dx, dem.dy) == (X0, Y0, 2.0, -2.0)
    assert dem.sample(np.array([X0, X0 + 4]), np.array([Y0, Y0 - 4])).tolist() == [10, 18]
    beside = dem.sample(np.array([X0 + 1]), np.array([Y0 - 1]))[0]
    assert beside == pytest.approx((10 + 11 + 13) / 3)
    over = dem.sample(np.array([X0, X0 + 2, X0 + 4]), np.array([Y0 - 2] * 3))
    assert over.tolist() == pytest.approx([13, 14, 15])
