"""The ground a level's buildings stand on: a height in metres per column, so a hill stays a hill.

Two sources, both reduced to "height at a point of the level's CRS":

- a digital elevation model (`--dem`): a GeoTIFF, read with tifffile (pure Python on numpy,
  maintained, the reader scientific Python uses; GDAL's raster API is not in pyogrio's wheel,
  and rasterio's wheels are 25 MB for one band of floats), georeferenced by its GeoTIFF tags
  (pixel scale, tie point, the EPSG code in its GeoKey directory), or an XYZ text grid as the
  German surveys publish it (`x y z` per line, one line per grid point);
- the buildings' own base heights, triangulated (shapely's Delaunay triangulation: scipy is no
  dependency) into planar faces that the voxeliser evaluates like roofs.

A level whose buildings stand within `FLAT_RELIEF_M` of each other and which has no DEM stays
flat, exactly as before: the ground surveys' base heights scatter by a metre or two on flat
land (Delft, Den Haag), and that scatter is no hill a pupil should see.
"""

import contextlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from game.core.errors import QuartierError
from game.io.features import Faces
from game.io.georef import transformer

FLAT_RELIEF_M = 3.0  # a storey: less relief than this between the buildings' bases stays flat
BORDER_STEP_M = 50.0  # the triangulated ground gets points along the level's edge this far apart
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
# GeoTIFF tags and GeoKeys (OGC GeoTIFF 1.1)
PIXEL_SCALE, TIE_POINT, GEO_KEYS, GDAL_NODATA = 33550, 33922, 34735, 42113
RASTER_TYPE, GEOGRAPHIC_TYPE, PROJECTED_TYPE = 1025, 2048, 3072
PIXEL_IS_POINT = 2
USER_DEFINED = 32767
MAX_GRID_GAPS = 4  # an XYZ grid may miss points, but not be mostly holes (then it is no grid)

Sampler = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Dem:
    """A height grid: `heights[row, col]` (NaN where there is no data) at the pixel centre
    x = x0 + col·dx, y = y0 + row·dy, in `crs` (None: the source's CRS)."""

    heights: np.ndarray
    x0: float
    y0: float
    dx: float
    dy: float
    crs: CRS | None

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear heights at points of the DEM's CRS; beyond its edge the edge's height holds.

        Pixels without data (NaN) drop out of the weighting, so a point beside a gap takes its
        valid neighbours; a point with none takes the median of the heights found, so a hole
        in a survey tile is level ground, not a pit to the level's floor.
        """
        rows, cols = self.heights.shape
        c = np.clip((np.asarray(x, float) - self.x0) / self.dx, 0, cols - 1)
        r = np.clip((np.asarray(y, float) - self.y0) / self.dy, 0, rows - 1)
        c0 = np.minimum(np.floor(c).astype(np.int64), max(cols - 2, 0))
        r0 = np.minimum(np.floor(r).astype(np.int64), max(rows - 2, 0))
        c1, r1 = np.minimum(c0 + 1, cols - 1), np.minimum(r0 + 1, rows - 1)
        fc, fr = c - c0, r - r0
        h = self.heights
        values = np.stack([h[r0, c0], h[r0, c1], h[r1, c0], h[r1, c1]])
        weights = np.stack([(1 - fc) * (1 - fr), fc * (1 - fr), (1 - fc) * fr, fc * fr])
        weights = np.where(np.isfinite(values), weights, 0.0)
        total = weights.sum(axis=0)
        found = total > 1e-9
        if not found.any():
            raise QuartierError("error.import_dem_empty")
        z = (np.nan_to_num(values) * weights).sum(axis=0) / np.where(found, total, 1.0)
        return np.where(found, z, np.median(z[found]))

    def sampler(self, level: CRS, source: CRS) -> Sampler:
        """Heights at points of the level's CRS: the DEM's own CRS, else the source's, is moved to."""
        move = transformer(level, self.crs or source)

        def at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            if move is not None:
                x, y = move.transform(x, y)
            return self.sample(x, y)

        return at


def read_dem(path: Path) -> Dem:
    """A GeoTIFF (by its first bytes) or an XYZ text grid; raises QuartierError."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise QuartierError(
            "error.import_dem_unreadable", what=path.name, reason=exc.strerror
        ) from None
    return _read_geotiff(path) if head in TIFF_MAGIC else _read_xyz(path)


def _geo_keys(directory: tuple[int, ...]) -> dict[int, int]:
    """The GeoKeys held in the directory itself (location 0): the ones naming EPSG codes."""
    keys = {}
    for n in range(1, int(directory[3]) + 1):
        key, location, _, value = directory[4 * n : 4 * n + 4]
        if location == 0:
            keys[int(key)] = int(value)
    return keys


def _read_geotiff(path: Path) -> Dem:
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            heights = np.asarray(page.asarray(), np.float32)  # half the memory of float64
            tags = {tag.code: tag.value for tag in page.tags.values()}
    except (tifffile.TiffFileError, ValueError, OSError) as exc:
        raise QuartierError(
            "error.import_dem_unreadable", what=path.name, reason=str(exc)
        ) from None
    if heights.ndim == 3:  # a single band stored with a samples axis
        heights = heights[..., 0] if heights.shape[-1] < heights.shape[0] else heights[0]
    if heights.ndim != 2 or PIXEL_SCALE not in tags or TIE_POINT not in tags:
        raise QuartierError("error.import_dem_georef", what=path.name)
    nodata = tags.get(GDAL_NODATA)
    if nodata is not None:
        with contextlib.suppress(ValueError):  # GDAL writes it as text; "nan" is fine too
            heights[heights == float(str(nodata).strip("\x00 "))] = np.nan
    sx, sy = (float(v) for v in tags[PIXEL_SCALE][:2])
    i, j, _, x, y, _ = (float(v) for v in tags[TIE_POINT][:6])
    keys = _geo_keys(tuple(tags.get(GEO_KEYS, (1, 1, 0, 0))))
    centre = 0.0 if keys.get(RASTER_TYPE) == PIXEL_IS_POINT else 0.5
    code = keys.get(PROJECTED_TYPE, keys.get(GEOGRAPHIC_TYPE))
    crs = CRS.from_epsg(code) if code and code != USER_DEFINED else None
    return Dem(heights, x + (centre - i) * sx, y - (centre - j) * sy, sx, -sy, crs)


_SEPARATORS = re.compile(rb"[,;\t]")


def _numbers(line: bytes) -> bool:
    try:
        [float(v) for v in line.split()]
    except ValueError:
        return False
    return True


def _read_xyz(path: Path) -> Dem:
    """`x y z` lines (spaces, tabs, commas or semicolons; a header line is skipped) on a grid.

    numpy's C parser (`loadtxt`) reads a survey's 1 km² DGM1 tile (a million lines) without a
    Python object per number; x and y are rounded to the millimetre, so float noise in a
    file's coordinates does not break the grid apart.
    """
    text = _SEPARATORS.sub(b" ", path.read_bytes())
    first, _, rest = text.partition(b"\n")
    try:
        xyz = np.loadtxt(io.BytesIO(text if _numbers(first) else rest), ndmin=2, usecols=(0, 1, 2))
    except ValueError:
        raise QuartierError("error.import_dem_xyz", what=path.name) from None
    xyz[:, :2] = xyz[:, :2].round(3)
    if len(xyz) < 4:
        raise QuartierError("error.import_dem_xyz", what=path.name)
    xs, ys = np.unique(xyz[:, 0]), np.unique(xyz[:, 1])
    step_x = np.diff(xs).min(initial=np.inf)
    step_y = np.diff(ys).min(initial=np.inf)
    if not (np.isfinite(step_x) and np.isfinite(step_y) and step_x > 0 and step_y > 0):
        raise QuartierError("error.import_dem_xyz", what=path.name)
    cols = int(round((xs[-1] - xs[0]) / step_x)) + 1
    rows = int(round((ys[-1] - ys[0]) / step_y)) + 1
    if rows * cols > MAX_GRID_GAPS * len(xyz):
        raise QuartierError("error.import_dem_xyz", what=path.name)
    heights = np.full((rows, cols), np.nan, np.float32)
    c = np.rint((xyz[:, 0] - xs[0]) / step_x).astype(np.int64)
    r = np.rint((xyz[:, 1] - ys[0]) / step_y).astype(np.int64)
    heights[r, c] = xyz[:, 2]
    return Dem(heights, float(xs[0]), float(ys[0]), float(step_x), float(step_y), None)


def triangulated(points: np.ndarray, extent: tuple[float, float, float, float]) -> Faces:
    """The ground through (x, y, z) points as planar triangles covering `extent`.

    Delaunay triangles between the points interpolate linearly; points along the extent's
    edge, with heights weighted by inverse squared distance from the given points, carry
    the ground to the level's border, so every column lies in a triangle.
    """
    x0, y0, x1, y1 = extent
    nx = max(1, int(np.ceil((x1 - x0) / BORDER_STEP_M)))
    ny = max(1, int(np.ceil((y1 - y0) / BORDER_STEP_M)))
    tx, ty = np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1)
    border = np.unique(
        np.concatenate(
            [
                np.column_stack([tx, np.full_like(tx, y0)]),
                np.column_stack([tx, np.full_like(tx, y1)]),
                np.column_stack([np.full_like(ty, x0), ty]),
                np.column_stack([np.full_like(ty, x1), ty]),
            ]
        ),
        axis=0,
    )
    d2 = ((border[:, None, :] - points[None, :, :2]) ** 2).sum(axis=2)
    weights = 1 / np.maximum(d2, 1e-6)
    border_z = (weights * points[None, :, 2]).sum(axis=1) / weights.sum(axis=1)
    every = np.concatenate([points, np.column_stack([border, border_z])])
    height: dict[tuple[float, float], float] = {}
    for x, y, z in every.tolist():
        height.setdefault((x, y), z)
    triangles = shapely.get_parts(
        shapely.delaunay_triangles(shapely.multipoints(np.array(list(height))))
    )
    corners = shapely.get_coordinates(shapely.get_exterior_ring(triangles)).reshape(-1, 4, 2)[:, :3]
    z = np.array([height[(x, y)] for x, y in corners.reshape(-1, 2).tolist()]).reshape(-1, 3)
    p = np.concatenate([corners, z[..., None]], axis=2)
    normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    keep = np.abs(normal[:, 2]) > 1e-9
    normal, p = normal[keep], p[keep]
    a, b = -normal[:, 0] / normal[:, 2], -normal[:, 1] / normal[:, 2]
    c = p[:, 0, 2] - a * p[:, 0, 0] - b * p[:, 0, 1]
    return Faces(triangles[keep], np.column_stack([a, b, c]))
