"""The GeoJSON export against RFC 7946: WGS84 longitude/latitude, no `crs` member, exterior
rings counter-clockwise and holes clockwise (checked with shapely's `is_ccw`)."""

import json

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from game.core.design import new_design
from game.core.session import Session
from game.io.formats import exporter


@pytest.fixture(scope="module")
def collection(georeferenced_demo):
    """A courtyard block (a ring of 9×9 columns around a 3×3 yard), a 20 m tower with a 3 m
    wing and a lawn."""
    level = georeferenced_demo
    grid = level.city.copy()
    housing, grass = level.catalogue.id("housing"), level.catalogue.id("grass")
    grid[40:49, 40:49, 1:5] = housing
    grid[43:46, 43:46, 1:5] = 0
    grid[60:64, 40:44, 1:21] = housing
    grid[64:69, 40:44, 1:4] = housing
    grid[40:46, 55:58, 0] = grass
    session = Session(level, grid)
    doc = new_design(level, "test", title="Hof")
    return json.loads(exporter("geojson")(doc, session, "out.geojson")["out.geojson"])


def rings(collection):
    """(is exterior, ring coordinates) of every polygon of every feature."""
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for n, ring in enumerate(polygon):
                yield n == 0, ring


def test_exteriors_wind_counter_clockwise_and_holes_clockwise(collection):
    found = [
        (exterior, shapely.is_ccw(shapely.LinearRing(ring))) for exterior, ring in rings(collection)
    ]
    assert (False, False) in found  # the courtyard is there, as a hole
    assert all(exterior == ccw for exterior, ccw in found), found


def test_coordinates_are_wgs84_longitude_latitude_without_a_crs_member(
    collection, georeferenced_demo
):
    assert "crs" not in collection
    assert all("crs" not in f for f in collection["features"])
    origin = georeferenced_demo.doc.georeference.origin
    lon0, lat0 = Transformer.from_crs(25832, 4326, always_xy=True).transform(*origin[:2])
    points = np.concatenate([np.asarray(ring) for _, ring in rings(collection)])
    assert points.shape[1] == 2  # no heights in the coordinates: they are properties
    # the level's south-west corner is at 7.77° E, 49.47° N (Kaiserslautern); every point lies
    # north-east of it and within about 100 m
    assert np.abs(points - (lon0, lat0)).max() < 0.0015
    assert (points[:, 0] >= lon0).all() and (points[:, 1] >= lat0).all()


def test_a_wing_beside_a_tower_is_a_feature_of_its_own_height(collection):
    """Extruded by `height_m` in a GIS, the steps give the volume built, not one 20 m block."""
    buildings: dict[str, list] = {}
    for f in collection["features"]:
        if f["properties"]["kind"] == "building":
            buildings.setdefault(f["properties"]["building"], []).append(f)
    assert sorted(len(steps) for steps in buildings.values()) == [1, 2]  # courtyard, tower
    [tower] = [steps for steps in buildings.values() if len(steps) == 2]
    assert sorted(
        (f["properties"]["height_m"], f["properties"]["area_m2"], f["properties"]["voxels"])
        for f in tower
    ) == [(3, 20, 60), (20, 16, 320)]
    assert len({f["id"] for f in collection["features"]}) == len(collection["features"])
