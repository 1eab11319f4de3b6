"""The `[gis]` extra: pyproj, shapely, osmium (pyosmium), lxml, tifffile and pyogrio (GDAL), which only city staff's commands need.

A pupil's install (`pip install quartier`) leaves them out: pyproj and shapely are about 43 MB,
pyogrio with its GDAL about 100 MB more. The modules that use them (`georef`, `features`, the
importers, `voxelise`, `level_info`, `design_features`) import them at the top and are
themselves imported only where a GIS command starts, behind `require_gis()`, so a missing
library is the message naming the extra, never a traceback.
"""

import sys
from importlib.util import find_spec

from game.core.errors import QuartierError

EXTRA = 'pip install "quartier[gis]"'


def _installed(name: str) -> bool:
    """Whether `name` can be imported, without importing it (None in sys.modules: blocked)."""
    if name in sys.modules:
        return sys.modules[name] is not None
    return find_spec(name) is not None


def require_gis() -> None:
    """Refuse with the install command when a library of the extra cannot be imported."""
    try:
        import lxml  # noqa: F401
        import osmium  # noqa: F401
        import pyproj  # noqa: F401
        import shapely  # noqa: F401

        if not _installed("tifffile"):  # 0.1 s to import: only `--dem` does
            raise ImportError(name="tifffile")
        if not _installed("pyogrio"):  # importing it (GDAL) costs 0.14 s that few commands use
            raise ImportError(name="pyogrio")
    except ImportError as exc:
        raise QuartierError(
            "error.needs_gis", library=exc.name or "pyproj", command=EXTRA
        ) from None


def has_gis() -> bool:
    """Whether the extra is installed, for checks that only it can make (and may be skipped)."""
    try:
        require_gis()
    except QuartierError:
        return False
    return True
