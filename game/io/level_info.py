"""What `quartier level info` tells city staff about a level, to check an import at a glance.

Buildings are counted as the import stored them; for hand-made levels, as groups of
building columns that touch (shapely merges the runs of columns, so no hand-written labelling).
"""

import numpy as np
import shapely

from game.core.indicators.base import tables
from game.core.level import Level


def column_runs(mask: np.ndarray) -> np.ndarray:
    """Rectangles (shapely boxes, in voxel units) covering the True cells of a 2D mask, one per run along y."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    xs, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    return shapely.box(xs, starts, xs + 1, ends)


def building_groups(mask: np.ndarray) -> int:
    """How many separate groups of touching building columns a 2D mask holds.

    A plain int: shapely answers with a numpy integer, which `json` cannot write.
    """
    if not mask.any():
        return 0
    merged = shapely.union_all(column_runs(mask))
    return int(shapely.get_num_geometries(merged))


def level_info(level: Level) -> dict:
    doc, v = level.doc, level.doc.voxel_size_m
    building = tables(level.catalogue).building[level.city]
    columns = building.any(axis=2)
    georef = doc.georeference
    return {
        "id": doc.id,
        "dimensions": list(doc.dimensions),
        "voxel_size_m": v,
        "georeference": georef.model_dump(mode="json") if georef else None,
        "buildings": doc.buildings if doc.buildings is not None else building_groups(columns),
        "building_voxels": int(building.sum()),
        "volume_m3": float(building.sum()) * v**3,
        "footprint_m2": float(columns.sum()) * v**2,
        "zone_m2": float(level.zone_columns.sum()) * v**2,
        "zone_top_m": doc.zone.top * v,
        "source": doc.source,
        "licence": doc.licence,
    }
