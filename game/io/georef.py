"""Coordinate reference systems for GIS import and export, by pyproj.

A level lives in one projected CRS in metres: the one city staff give (`--target-crs`), the
source's own, or the UTM zone of a WGS84 source. `Frame` is the level's grid in that CRS, so
voxel (i, j) maps to real coordinates and back.

The source's CRS is what the file names, unless city staff override it with `--crs`; either
way it must fit the data: coordinates outside the CRS's area of use (metres read as degrees,
degrees read as metres, a zone far from the data) are refused with the reason, because a
wrong CRS otherwise gives a level that looks right and is off by kilometres or by a factor.
"""

import math
import re
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Proj, Transformer
from pyproj.exceptions import CRSError, ProjError

from game.core.errors import QuartierError
from game.core.level import Georeference

WGS84 = CRS.from_epsg(4326)
# The first EPSG code in a name: of a compound CRS (`urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::
# 7837`, `EPSG:25832+7837`) the horizontal one, which places the data; heights stay as given.
_EPSG_IN_TEXT = re.compile(r"EPSG(?:/0/|::|:[\d.]+:|:)(\d+)", re.IGNORECASE)
# The German surveys' (AdV) CRS names, as in ALKIS and state CityGML: the horizontal part
# decides; a height suffix (`*DE_DHHN2016_NH`, `*DE_DHHN92_NH`) leaves heights as they are.
ADV_CRS = {
    "ETRS89_UTM32": 25832,
    "ETRS89_UTM33": 25833,
    "DE_DHDN_3GK2": 31466,
    "DE_DHDN_3GK3": 31467,
    "DE_DHDN_3GK4": 31468,
    "DE_DHDN_3GK5": 31469,
    "ETRS89_LAT-LON": 4258,
}
ADV_HEIGHTS = ("DE_DHHN2016_NH", "DE_DHHN92_NH", "DE_DHHN85_NH", "DE_DHHN12_NH")
_ADV = re.compile(r"^urn:adv:crs:([A-Z0-9_-]+)(?:\*([A-Z0-9_]+))?$", re.IGNORECASE)
AREA_MARGIN_DEG = (
    3.0  # data a little outside a CRS's area of use is common (a city at a zone's edge)
)
MAX_SCALE_ERROR = 0.01  # a level's CRS may stretch lengths by at most 1 %


def parse_crs(value: str) -> CRS:
    """`EPSG:N`, `N`, an OGC URL or URN naming an EPSG code (the first, horizontal one of a
    compound CRS), an AdV URN, or anything else pyproj reads."""
    value = value.strip()
    adv = _ADV.match(value)
    if adv and adv.group(1).upper() in ADV_CRS:
        if adv.group(2) and adv.group(2).upper() not in ADV_HEIGHTS:
            raise QuartierError("error.import_crs_unknown", crs=value)
        return CRS.from_epsg(ADV_CRS[adv.group(1).upper()])
    match = _EPSG_IN_TEXT.search(value)
    code = match.group(1) if match else value if value.isdigit() else None
    try:
        return CRS.from_epsg(int(code)) if code else CRS.from_user_input(value)
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


def crs_label(crs: CRS) -> str:
    """`EPSG:N` where the CRS has a code, else its name: what messages show."""
    code = crs.to_epsg()
    return f"EPSG:{code}" if code is not None else crs.name


@dataclass(frozen=True)
class SourceCrs:
    """The source's CRS and where it came from, for the import's message.

    `origin` is "file" (the file names it), "given" (--crs, the file names none), "override"
    (--crs instead of the file's `named`), or "wgs84" (the format's default: GeoJSON, OSM).
    """

    crs: CRS
    origin: str
    named: str | None = None


def source_crs(
    named: str | CRS | None, given: str | None, default: CRS | None, what: str
) -> SourceCrs:
    """The CRS to read a source's coordinates in: --crs over the file's own, else the default.

    `named` is the file's own CRS: its name, or the CRS itself where the reader's library
    already made one (GDAL). The file's own name is not even parsed when --crs overrides it,
    so a name pyproj does not know (an AdV URN with a height system it lacks) never stops an
    import that names the CRS.
    """
    label = crs_label(named) if isinstance(named, CRS) else named
    if given is not None:
        return SourceCrs(parse_crs(given), "override" if named else "given", label)
    if named is not None:
        return SourceCrs(named if isinstance(named, CRS) else parse_crs(named), "file", label)
    if default is None:
        raise QuartierError("error.import_crs_missing", what=what)
    return SourceCrs(default, "wgs84")


def looks_geographic(extent: tuple[float, float, float, float]) -> bool:
    """Whether coordinates could be longitude/latitude: metres of a city are far larger."""
    x0, y0, x1, y1 = extent
    return -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90


def check_plausible(source: SourceCrs, extent: tuple[float, float, float, float]) -> None:
    """Refuse a source CRS the data cannot be in: its coordinates lie outside the CRS's area of use.

    Longitude/latitude never exceed 180/90, so larger numbers are metres; numbers that small
    in a projected CRS are degrees (no projected CRS in use puts a city within 180 m of its
    false origin); otherwise the data's corners, read in the CRS, must lie in its area of use
    (pyproj's, widened by `AREA_MARGIN_DEG`).
    """
    crs, label = source.crs, crs_label(source.crs)
    degrees = looks_geographic(extent)
    if crs.is_geographic:
        if not degrees:
            raise QuartierError("error.import_crs_not_degrees", crs=label)
        return
    if degrees:
        raise QuartierError("error.import_crs_degrees", crs=label)
    area = crs.area_of_use
    x0, y0, x1, y1 = extent
    xs, ys = np.array([x0, x1, x0, x1]), np.array([y0, y0, y1, y1])
    try:
        lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(xs, ys, errcheck=True)
    except ProjError:
        lon, lat = np.full(4, np.inf), np.full(4, np.inf)
    lon, lat = np.asarray(lon), np.asarray(lat)
    finite = bool(np.isfinite(lon).all() and np.isfinite(lat).all())
    if finite and (area is None or _within(lon, lat, area.bounds)):
        return
    raise QuartierError(
        "error.import_crs_outside",
        crs=label,
        area=area.name.rstrip(".") if area else "?",
        where=f"{float(lat[0]):.1f}°, {float(lon[0]):.1f}°" if finite else "?",
    )


def _within(lon: np.ndarray, lat: np.ndarray, bounds: tuple[float, float, float, float]) -> bool:
    """Inside an area of use (west, south, east, north), widened by `AREA_MARGIN_DEG`; an area
    across the antimeridian (west > east) is checked by latitude only."""
    west, south, east, north = bounds
    m = AREA_MARGIN_DEG
    lon_ok = west > east or bool(((lon >= west - m) & (lon <= east + m)).all())
    return lon_ok and bool(((lat >= south - m) & (lat <= north + m)).all())


def utm_zone(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone a point lies in: metres with little distortion around it.

    By arithmetic, not by asking pyproj's database (`query_utm_crs_info`, 75-250 ms, most of
    a small import): the zones are the EPSG areas of use 32601-32660 (north of the equator)
    and 32701-32760 (south), 6° wide from 180° W, between 80° S and 84° N. On a boundary the
    lower code wins, as the database query answers. Beyond them there is no UTM zone, so a
    projected CRS must be given (`--target-crs`).
    """
    if not (-180 <= lon <= 180 and -80 <= lat <= 84):
        raise QuartierError("error.import_crs_geographic", crs=WGS84.name)
    zone = 1 + sum(lon > edge for edge in range(-174, 180, 6))
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _scale_error(crs: CRS, lon: float, lat: float) -> float:
    """How much the CRS stretches lengths at a point (0.47 for Web Mercator at 48° N)."""
    horizontal = crs.sub_crs_list[0] if crs.is_compound else crs
    try:
        factors = Proj(horizontal).get_factors(lon, lat)
    except (CRSError, ProjError):
        return 0.0  # a CRS proj cannot give factors for: trusted, as before
    scales = (factors.meridional_scale, factors.parallel_scale)
    if not all(math.isfinite(s) for s in scales):
        return math.inf
    return max(abs(s - 1) for s in scales)


def level_crs(source: CRS, target: CRS | None, lon_lat: tuple[float, float]) -> CRS:
    """The level's CRS: `--target-crs`, else the source's if projected in true metres, else UTM.

    A voxel is a metre cube only in a CRS that keeps lengths: Web Mercator, projected but
    stretching lengths by 1/cos(latitude), made footprints 2.23 times too large in Germany.
    So a target that stretches them by more than `MAX_SCALE_ERROR` is refused, and a source
    that does is not kept as the level's CRS.
    """
    if target is not None:
        if not target.is_projected:
            raise QuartierError("error.import_crs_geographic", crs=crs_label(target))
        error = _scale_error(target, *lon_lat)
        if error > MAX_SCALE_ERROR:
            raise QuartierError(
                "error.import_crs_stretched",
                crs=crs_label(target),
                percent=f"{error * 100:.0f}" if math.isfinite(error) else "∞",
            )
        return target
    if source.is_projected and _scale_error(source, *lon_lat) <= MAX_SCALE_ERROR:
        return source
    return utm_zone(*lon_lat)


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
