"""Turning a `District` into the level's voxel grid, with numpy and shapely's vectorised predicates.

Every face of every building, and every part of every ground surface, is tested against the
column centres under its own bounding box, all in one vectorised shapely call each; a
column's roof is the highest face above its centre, so LoD2 roofs keep their real shape. No
Python loop runs per building, face or voxel.
On flat land the ground is layer z = 0 and buildings stand on it from z = 1; on a hill
(`game.io.terrain`) the ground columns rise with it and each building starts on its own base.
"""

import math
from dataclasses import dataclass

import numpy as np
import shapely

from game.core.catalogue import Catalogue
from game.core.errors import QuartierError
from game.core.level import MAX_DIMENSIONS
from game.io import terrain
from game.io.features import Area, Building, District, Faces
from game.io.georef import Frame

GROUND = "plaza"  # paved and walkable: what most of a city quarter without ground data is
ROOF = "roof"
MIN_HEIGHT_VOXELS = 32
HEADROOM_VOXELS = 8
# Ground surfaces are painted in this order, so streets cross lawns and water, not the other way.
PAINT_ORDER = (
    "grass",
    "urban_garden",
    "flower_bed",
    "plaza",
    "playground",
    "sports_court",
    "water",
    "parking",
    "footpath",
    "bike_lane",
    "road",
)


@dataclass
class Raster:
    grid: np.ndarray  # (X, Y, Z) uint8 block ids
    labels: np.ndarray  # (X, Y) int32: 1 + index of the building standing on the column, 0 for none
    frame: Frame
    buildings: int  # buildings with at least one column in the level
    relief: float = 0.0  # metres the ground rises across the level (0: flat)


@dataclass
class _Stands:
    """Where the buildings stand: one row per (building, column), in building order."""

    building: np.ndarray  # index into `District.buildings`
    i: np.ndarray
    j: np.ndarray
    low: np.ndarray  # the first voxel of the building in that column
    high: np.ndarray  # one above its last (the roof is high - 1)


def fitting_voxel_size(width: float, depth: float, height: float) -> float:
    """The smallest voxel size (in steps of 0.5 m) at which an area of this size fits a level."""
    x, y, z = MAX_DIMENSIONS
    need = max(width / x, depth / y, height / (z - 2 - HEADROOM_VOXELS), 1.0)
    return math.ceil(need * 2) / 2


def _refuse_too_large(
    width: float, depth: float, height: float, voxel: float, size: tuple[int, ...]
) -> None:
    fits = fitting_voxel_size(width, depth, height)
    if fits > 4:
        raise QuartierError(
            "error.import_too_large_any",
            width=round(width),
            depth=round(depth),
            max=int(MAX_DIMENSIONS[0] * 4),
        )
    raise QuartierError(
        "error.import_too_large",
        width=round(width),
        depth=round(depth),
        height=round(height),
        voxel=f"{voxel:g}",
        size="×".join(map(str, size)),
        limit="×".join(map(str, MAX_DIMENSIONS)),
        fits=f"{fits:g}",
    )


def _cells(
    bounds: np.ndarray, origin: tuple[float, float], voxel: float, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every column whose centre lies in each bounding box (a row of `bounds`), clipped to the grid.

    Returns (owner, i, j): row k of `bounds` owns the columns (i, j) of its window, so one
    vectorised shapely call can test all geometries against their own columns at once. The
    window is widened by a millionth of a voxel, far beyond rounding, so a centre on the
    box's edge is never missed; the shapely test then decides exactly. Most faces of a
    CityJSON model are smaller than a voxel and hold no centre at all.
    """
    margin = 1e-6
    with np.errstate(invalid="ignore"):  # an empty geometry has NaN bounds and no columns
        i0 = np.maximum(0, np.ceil((bounds[:, 0] - origin[0]) / voxel - 0.5 - margin))
        j0 = np.maximum(0, np.ceil((bounds[:, 1] - origin[1]) / voxel - 0.5 - margin))
        i1 = np.minimum(shape[0], np.floor((bounds[:, 2] - origin[0]) / voxel - 0.5 + margin) + 1)
        j1 = np.minimum(shape[1], np.floor((bounds[:, 3] - origin[1]) / voxel - 0.5 + margin) + 1)
    ni = np.nan_to_num(np.maximum(i1 - i0, 0)).astype(np.int64)
    nj = np.nan_to_num(np.maximum(j1 - j0, 0)).astype(np.int64)
    nj[ni == 0] = 0
    counts = ni * nj
    owner = np.repeat(np.arange(len(bounds)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    i = np.nan_to_num(i0).astype(np.int64)[owner] + offset // nj[owner]
    j = np.nan_to_num(j0).astype(np.int64)[owner] + offset % nj[owner]
    return owner, i, j


def _inside_union(parts: np.ndarray, area: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether each point (x, y) lies inside the union of the parts of its area (`area[k]` of `parts[k]`).

    A point inside one part is inside the union; one outside every part is outside. Only a
    point on the edge of a part and inside none, where neighbouring faces meet, needs the
    union, and only of the parts touching it (closed sets: the others stay away from it).
    """
    hit = shapely.intersects_xy(parts, x, y)  # inside or on the edge: few of the pairs
    touch = hit.copy()
    hit[touch] = shapely.contains_xy(parts[touch], x[touch], y[touch])
    touch &= ~hit
    if not touch.any():
        return hit
    inside = hit.copy()
    points: dict[tuple[int, float, float], list[int]] = {}
    for k in np.flatnonzero(touch).tolist():
        points.setdefault((int(area[k]), float(x[k]), float(y[k])), []).append(k)
    for (_, px, py), ks in points.items():
        if shapely.contains_xy(shapely.union_all(parts[ks]), px, py):
            inside[ks] = True
    return inside


def _paint_ground(
    top: np.ndarray,
    areas: list[Area],
    origin: tuple[float, float],
    voxel: float,
    catalogue: Catalogue,
) -> int:
    """Paint the ground surfaces into `top` (X, Y), in `PAINT_ORDER`; the number of columns painted.

    All parts of all areas are tested against the column centres under their own bounding
    boxes in one call; a column takes the block of the last area (in paint order) covering it.
    """
    rank = {key: n for n, key in enumerate(PAINT_ORDER)}
    ordered = sorted(areas, key=lambda a: rank.get(a.block, -1))
    if not ordered:
        return 0
    parts = np.concatenate([a.parts for a in ordered])
    area_of = np.repeat(np.arange(len(ordered)), [len(a.parts) for a in ordered])
    owner, i, j = _cells(shapely.bounds(parts), origin, voxel, top.shape)
    x = origin[0] + (i + 0.5) * voxel
    y = origin[1] + (j + 0.5) * voxel
    shapely.prepare(parts)
    inside = _inside_union(parts[owner], area_of[owner], x, y)
    area, column = area_of[owner][inside], (i * top.shape[1] + j)[inside]
    last = np.full(top.size, -1)
    np.maximum.at(last, column, area)
    blocks = np.array([catalogue.id(a.block) for a in ordered], np.uint8)
    ground = top.reshape(-1)
    ground[last >= 0] = blocks[last[last >= 0]]
    return int(np.count_nonzero(last >= 0))


def _round(values: np.ndarray) -> np.ndarray:
    return np.floor(values + 0.5).astype(np.int64)


def _stands(
    buildings: list[Building], origin: tuple[float, float], voxel: float, shape: tuple[int, int]
) -> _Stands:
    """The columns each building covers and its voxel range there, for all buildings at once.

    Every face is tested against the column centres under its own bounding box in one
    `intersects_xy` call; a column's roof is the highest face above its centre, so LoD2
    roofs keep their real shape.
    """
    polygons = np.concatenate([np.zeros(0, object), *(b.faces.polygons for b in buildings)])
    planes = np.concatenate([np.zeros((0, 3)), *(b.faces.planes for b in buildings)])
    face_of = np.repeat(np.arange(len(buildings)), [len(b.faces.polygons) for b in buildings])
    face, i, j = _cells(shapely.bounds(polygons).reshape(-1, 4), origin, voxel, shape)
    x, y = origin[0] + (i + 0.5) * voxel, origin[1] + (j + 0.5) * voxel
    shapely.prepare(polygons)
    hit = shapely.intersects_xy(polygons[face], x, y)
    face, i, j, x, y = face[hit], i[hit], j[hit], x[hit], y[hit]
    z = planes[face, 0] * x + planes[face, 1] * y + planes[face, 2]
    building = face_of[face]
    key = (building * shape[0] + i) * shape[1] + j
    _, first, column = np.unique(key, return_index=True, return_inverse=True)
    top = np.full(len(first), -np.inf)
    np.maximum.at(top, column, z)
    building, i, j = building[first], i[first], j[first]
    base = np.array([b.base for b in buildings])[building]
    bottom = np.array([b.bottom for b in buildings])[building]
    high = 1 + _round((top - base) / voxel)
    low = 1 + np.floor(bottom / voxel + 0.5).astype(np.int64)
    keep = high > low
    return _Stands(building[keep], i[keep], j[keep], low[keep], high[keep])


def _surface(faces: Faces, origin: tuple[float, float], voxel: float, shape: tuple[int, int]):
    """The height of planar faces at every column centre (NaN where no face lies), as for roofs."""
    face, i, j = _cells(shapely.bounds(faces.polygons).reshape(-1, 4), origin, voxel, shape)
    x, y = origin[0] + (i + 0.5) * voxel, origin[1] + (j + 0.5) * voxel
    shapely.prepare(faces.polygons)
    hit = shapely.intersects_xy(faces.polygons[face], x, y)
    face, i, j, x, y = face[hit], i[hit], j[hit], x[hit], y[hit]
    z = np.full(shape, np.nan)
    z[i, j] = faces.planes[face, 0] * x + faces.planes[face, 1] * y + faces.planes[face, 2]
    return z


def _ground(
    district: District,
    stands: _Stands,
    placed: np.ndarray,
    extent: tuple[float, float, float, float],
    voxel: float,
    shape: tuple[int, int],
    dem: terrain.Sampler | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The ground in metres per column and every building's base, or None for a flat level.

    With a DEM the ground is the DEM's, and a building whose source gave no base height
    (GeoJSON, OSM) stands on the lowest ground under it. Without one, the ground runs
    through the placed buildings' bases (at the middle of their columns), unless those lie
    within `terrain.FLAT_RELIEF_M` of each other.
    """
    bases = np.array([b.base for b in district.buildings], float)
    origin = extent[:2]
    if dem is not None:
        i, j = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
        ground = dem(origin[0] + (i + 0.5) * voxel, origin[1] + (j + 0.5) * voxel)
        ground = np.asarray(ground, float).reshape(shape)
        unknown = ~np.array([b.base_known for b in district.buildings], bool)
        lowest = np.full(len(bases), np.inf)
        np.minimum.at(lowest, stands.building, ground[stands.i, stands.j])
        bases = np.where(unknown & np.isfinite(lowest), lowest, bases)
        return ground, bases
    if not len(placed) or np.ptp(bases[placed]) < terrain.FLAT_RELIEF_M:
        return None
    count = np.bincount(stands.building, minlength=len(bases))[placed]
    x = (
        origin[0]
        + (np.bincount(stands.building, stands.i, len(bases))[placed] / count + 0.5) * voxel
    )
    y = (
        origin[1]
        + (np.bincount(stands.building, stands.j, len(bases))[placed] / count + 0.5) * voxel
    )
    faces = terrain.triangulated(np.column_stack([x, y, bases[placed]]), extent)
    ground = _surface(faces, origin, voxel, shape)
    return np.where(np.isfinite(ground), ground, bases[placed].min()), bases


def _build(
    grid: np.ndarray, labels: np.ndarray, stands: _Stands, blocks: np.ndarray, roof: int
) -> None:
    """Write the buildings into the grid, a later building over an earlier one where they overlap.

    Columns are written in rounds: round r writes each column's r-th building, so no round
    writes a column twice and the last building in a column wins, as if written one by one.
    """
    order = np.argsort(stands.i * grid.shape[1] + stands.j, kind="stable")
    column = (stands.i * grid.shape[1] + stands.j)[order]
    new = np.r_[True, column[1:] != column[:-1]]
    starts = np.flatnonzero(new)
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    z = np.arange(grid.shape[2], dtype=np.int16)  # small integers: a third of the time
    low, high = (
        np.minimum(v, grid.shape[2] + 1).astype(np.int16) for v in (stands.low, stands.high)
    )
    for r in range(int(rank.max(initial=-1)) + 1):
        now = rank == r
        i, j, bottom, top = stands.i[now], stands.j[now], low[now, None], high[now, None]
        cells = grid[i, j]
        np.copyto(cells, blocks[stands.building[now], None], where=(z >= bottom) & (z < top))
        np.copyto(cells, np.uint8(roof), where=(z == top - 1) & (top - bottom >= 2))
        grid[i, j] = cells
        labels[i, j] = stands.building[now] + 1


def voxelise(
    district: District,
    voxel: float,
    extent: tuple[float, float, float, float],
    catalogue: Catalogue,
    epsg: int,
    dem: terrain.Sampler | None = None,
) -> Raster:
    """The district inside `extent` (level CRS) as a grid of `voxel`-metre voxels.

    The ground is layer z = 0 on a flat level; on a hill each column is filled with its
    surface block up to its ground height, and every building starts one voxel above the
    ground at its own base, so the frame's z origin (one voxel below the lowest ground or
    base) gives every voxel its real height back.
    """
    x0, y0, x1, y1 = extent
    width, depth = x1 - x0, y1 - y0
    shape2 = (max(1, math.ceil(width / voxel)), max(1, math.ceil(depth / voxel)))
    height = district.tallest()
    needed = (*shape2, 2 + math.ceil(height / voxel) + HEADROOM_VOXELS)
    if any(n > limit for n, limit in zip(needed, MAX_DIMENSIONS)):
        _refuse_too_large(width, depth, height, voxel, needed)
    origin = (x0, y0)
    stands = _stands(district.buildings, origin, voxel, shape2)
    placed = np.unique(stands.building)
    top = np.full(shape2, catalogue.id(GROUND), np.uint8)
    painted = _paint_ground(top, district.areas, origin, voxel, catalogue)
    if not len(placed) and not painted:
        raise QuartierError("error.import_empty")
    hill = _ground(district, stands, placed, extent, voxel, shape2, dem)
    if hill is None:
        floor = np.zeros(shape2, np.int64)
        bottom = min((district.buildings[n].base for n in placed.tolist()), default=0.0)
    else:
        ground, bases = hill
        bottom = float(min(ground.min(), bases[placed].min(initial=np.inf)))
        floor = _round((ground - bottom) / voxel)
        lift = _round((bases - bottom) / voxel)[stands.building]
        stands.low, stands.high = stands.low + lift, stands.high + lift
        under = np.full(shape2, np.iinfo(np.int64).max)
        np.minimum.at(under, (stands.i, stands.j), lift)
        floor = np.where(under < np.iinfo(np.int64).max, under, floor)
    tallest = int(max(stands.high.max(initial=1), floor.max() + 1))
    if tallest + HEADROOM_VOXELS > MAX_DIMENSIONS[2]:
        _refuse_too_large(
            width, depth, (tallest - 1) * voxel, voxel, (*shape2, tallest + 1 + HEADROOM_VOXELS)
        )
    shape = (*shape2, min(MAX_DIMENSIONS[2], max(MIN_HEIGHT_VOXELS, tallest + HEADROOM_VOXELS)))
    grid = np.where(np.arange(shape[2]) <= floor[:, :, None], top[:, :, None], np.uint8(0))
    labels = np.zeros(shape2, np.int32)
    blocks = np.array([catalogue.id(b.block) for b in district.buildings], np.uint8)
    _build(grid, labels, stands, blocks, catalogue.id(ROOF))

    for p in district.points:
        i, j = math.floor((p.x - x0) / voxel), math.floor((p.y - y0) / voxel)
        if 0 <= i < shape[0] and 0 <= j < shape[1] and not labels[i, j]:
            z = int(floor[i, j]) + 1
            grid[i, j, z : z + max(1, math.floor(p.height / voxel + 0.5))] = catalogue.id(p.block)

    frame = Frame((x0, y0, bottom - voxel), voxel, epsg)
    return Raster(grid, labels, frame, len(placed), float(floor.max()) * voxel)
