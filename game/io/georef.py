"""Coordinate reference systems for GIS import and export, by pyproj.

A level lives in one projected CRS in metres: the one city staff give, the source's own, or
the UTM zone of a WGS84 source. `Frame` is the level's grid in that CRS, so voxel (i, j)
maps to real coordinates and back.
"""

import math
import re
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from game.core.errors import QuartierError
from game.core.level import Georeference

WGS84 = CRS.from_epsg(4326)
_EPSG_IN_TEXT = re.compile(r"EPSG(?:/0/|::|:)(\d+)$", re.IGNORECASE)


def parse_crs(value: str) -> CRS:
    """`EPSG:N`, an OGC URL or URN naming an EPSG code, or anything else pyproj reads."""
    match = _EPSG_IN_TEXT.search(value.strip())
    try:
        return CRS.from_epsg(int(match.group(1))) if match else CRS.from_user_input(value)
    except CRSError:
        raise QuartierError("error.import_crs_unknown", crs=value) from None


def check_georeference(georef: Georeference) -> None:
    """Refuse a level's EPSG code that pyproj's EPSG database does not know."""
    parse_crs(f"EPSG:{georef.epsg}")


def epsg_code(crs: CRS) -> int:
    code = crs.to_epsg()
    if code is None:
        raise QuartierError("error.import_crs_unknown", crs=crs.name)
    return code


def utm_zone(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone a point lies in: metres with little distortion around it.

    By arithmetic, not by asking pyproj's database (`query_utm_crs_info`, 75-250 ms, most of
    a small import): the zones are the EPSG areas of use 32601-32660 (north of the equator)
    and 32701-32760 (south), 6° wide from 180° W, between 80° S and 84° N. On a boundary the
    lower code wins, as the database query answers. Beyond them there is no UTM zone, so a
    projected CRS must be given (`--crs`).
    """
    if not (-180 <= lon <= 180 and -80 <= lat <= 84):
        raise QuartierError("error.import_crs_geographic", crs=WGS84.name)
    zone = 1 + sum(lon > edge for edge in range(-174, 180, 6))
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def level_crs(source: CRS, given: CRS | None, lon_lat: tuple[float, float]) -> CRS:
    """The level's CRS: the one given, else the source's if projected, else its UTM zone."""
    crs = given or (source if source.is_projected else utm_zone(*lon_lat))
    if not crs.is_projected:
        raise QuartierError("error.import_crs_geographic", crs=crs.name)
    return crs


def transformer(source: CRS, target: CRS) -> Transformer | None:
    """x/y order (lon, lat for WGS84) in and out; None when nothing needs to move."""
    return None if source.equals(target) else Transformer.from_crs(source, target, always_xy=True)


@dataclass(frozen=True)
class Frame:
    """Where the level's grid lies: voxel corner (0, 0, 0) at `origin`, `voxel` metres per voxel."""

    origin: tuple[float, float, float]
    voxel: float
    epsg: int
    rotation_deg: float = 0.0

    @classmethod
    def of(cls, georef: Georeference, voxel: float) -> "Frame":
        return cls(georef.origin, voxel, georef.epsg, georef.rotation_deg)

    def georeference(self) -> Georeference:
        return Georeference(epsg=self.epsg, origin=self.origin, rotation_deg=self.rotation_deg)

    def to_world(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Real coordinates of grid points (i, j) in voxel units; corners are integers, centres +0.5."""
        turn = math.radians(self.rotation_deg)
        dx, dy = np.asarray(i, float) * self.voxel, np.asarray(j, float) * self.voxel
        x = self.origin[0] + dx * math.cos(turn) - dy * math.sin(turn)
        y = self.origin[1] + dx * math.sin(turn) + dy * math.cos(turn)
        return x, y
