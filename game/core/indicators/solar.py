"""Where the sun stands: the level's latitude and the sun's direction on the equinox.

Hand-written because `game.core` may not use pyproj: the latitude only aims the sun, and
half a degree changes a shadow by less than a voxel, so an inverse transverse Mercator to
the footpoint latitude is exact enough for the projected systems German cities use.
"""

import math

import numpy as np

from game.core.level import Georeference

#: Used when a level has no georeference or one in a system not listed below: Berlin.
DEFAULT_LATITUDE = 52.5
#: Equinox solar times sampled for the hours of sun: the middle of every daylight hour (6–18).
SUN_HOURS = tuple(h + 0.5 for h in range(6, 18))

_GRS80 = (6378137.0, 1 / 298.257222101)
_BESSEL = (6377397.155, 1 / 299.1528128)
_GEOGRAPHIC = {4326, 4258, 4937, 4979}
_MERCATOR = {3857}
# Transverse Mercator systems: EPSG → (ellipsoid, scale on the central meridian).
_TM: dict[int, tuple[tuple[float, float], float]] = {
    **dict.fromkeys(range(32601, 32661), (_GRS80, 0.9996)),  # WGS 84 / UTM north
    **dict.fromkeys(range(32701, 32761), (_GRS80, 0.9996)),  # WGS 84 / UTM south
    **dict.fromkeys(range(25828, 25839), (_GRS80, 0.9996)),  # ETRS89 / UTM 28N–38N
    4647: (_GRS80, 0.9996),
    5650: (_GRS80, 0.9996),  # UTM 32N/33N, zone-prefixed easting
    **dict.fromkeys(range(31466, 31470), (_BESSEL, 1.0)),  # DHDN / Gauss–Krüger zones 2–5
}


def _footpoint_latitude(northing: float, ellipsoid: tuple[float, float], k0: float) -> float:
    a, f = ellipsoid
    e2 = f * (2 - f)
    e1 = (1 - math.sqrt(1 - e2)) / (1 + math.sqrt(1 - e2))
    mu = northing / k0 / (a * (1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256))
    phi = (
        mu
        + (3 * e1 / 2 - 27 * e1**3 / 32) * math.sin(2 * mu)
        + (21 * e1**2 / 16 - 55 * e1**4 / 32) * math.sin(4 * mu)
        + (151 * e1**3 / 96) * math.sin(6 * mu)
        + (1097 * e1**4 / 512) * math.sin(8 * mu)
    )
    return math.degrees(phi)


def latitude(georeference: Georeference | None) -> float:
    """Latitude (degrees north) of the level's origin; `DEFAULT_LATITUDE` when it cannot be derived."""
    if georeference is None:
        return DEFAULT_LATITUDE
    code, y = georeference.epsg, georeference.origin[1]
    lat: float | None = None
    if code in _GEOGRAPHIC:
        lat = y  # x = longitude (east), y = latitude (north), as the grid's axes are
    elif code in _MERCATOR:
        lat = math.degrees(math.atan(math.sinh(y / 6378137.0)))
    elif code in _TM:
        northing = y - 10_000_000.0 if 32701 <= code <= 32760 else y
        lat = _footpoint_latitude(northing, *_TM[code])
    if lat is None or not math.isfinite(lat) or abs(lat) > 89.0:
        return DEFAULT_LATITUDE
    return lat


def sun_direction(solar_hour: float, lat_deg: float, rotation_deg: float = 0.0) -> np.ndarray:
    """Unit vector towards the sun on the equinox (declination 0) in grid axes (x, y, z).

    The grid's x axis points `rotation_deg` counter-clockwise from east (the georeference's
    turn), so a world vector is turned back by that angle.
    """
    h = math.radians(15.0 * (solar_hour - 12.0))
    phi = math.radians(lat_deg)
    east, north, up = -math.sin(h), -math.cos(h) * math.sin(phi), math.cos(h) * math.cos(phi)
    r = math.radians(rotation_deg)
    gx = east * math.cos(r) + north * math.sin(r)
    gy = -east * math.sin(r) + north * math.cos(r)
    return np.array([gx, gy, up])
