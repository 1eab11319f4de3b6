"""The `[gis]` extra: pyproj, shapely, osmium (pyosmium) and lxml, which only city staff's commands need.

A pupil's install (`pip install quartier`) leaves them out: together they are about 43 MB, a
quarter of what the editor needs. The modules that use them (`georef`, `features`, the
importers, `voxelise`, `level_info`, `design_features`) import them at the top and are
themselves imported only where a GIS command starts, behind `require_gis()`, so a missing
library is the message naming the extra, never a traceback.
"""

from game.core.errors import QuartierError

EXTRA = 'pip install "quartier[gis]"'


def require_gis() -> None:
    """Refuse with the install command when pyproj, shapely, osmium or lxml cannot be imported."""
    try:
        import lxml  # noqa: F401
        import osmium  # noqa: F401
        import pyproj  # noqa: F401
        import shapely  # noqa: F401
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
