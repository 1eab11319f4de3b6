"""The new and changed buildings and spaces of a design, as footprint polygons in real coordinates.

The GIS exports (GeoJSON, CityJSON, GeoPackage) read this: touching changed building columns form one
building (height, floors, main use); other changed columns are grouped by their top block
(a lawn, a playground, trees). Polygons come from shapely merging runs of columns, and are
placed on the map by the level's georeference.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from game.core.errors import QuartierError
from game.core.indicators.base import tables
from game.core.session import Session
from game.io.georef import Frame
from game.io.level_info import column_runs


@dataclass(frozen=True)
class Proposal:
    """One feature: a building (`use`, `floors`) or a space (`use` None), standing on the ground layer."""

    kind: str  # "building" or "space"
    block: str
    use: str | None
    footprint: BaseGeometry  # world coordinates of the level's CRS
    base_m: float  # elevation of the ground the feature stands on
    height_m: float
    floors: int
    voxels: int


def frame_of(session: Session) -> Frame:
    level = session.level
    if level.doc.georeference is None:
        raise QuartierError("error.export_no_georef", level=level.id)
    return Frame.of(level.doc.georeference, level.doc.voxel_size_m)


def _polygons(mask: np.ndarray, frame: Frame) -> list[BaseGeometry]:
    """The connected pieces of a 2D column mask, as polygons in the level's CRS."""
    merged = shapely.simplify(shapely.union_all(column_runs(mask)), 0)
    world = shapely.transform(
        merged, lambda ij: np.column_stack(frame.to_world(ij[:, 0], ij[:, 1]))
    )
    return list(shapely.get_parts(world))


def _top(voxels: np.ndarray) -> int:
    """One above the highest filled layer of a (columns, Z) stack."""
    filled = voxels.any(axis=0)
    return int(np.flatnonzero(filled).max()) + 1 if filled.any() else 0


def proposals(session: Session) -> tuple[list[Proposal], Frame]:
    frame = frame_of(session)
    level, grid = session.level, session.grid
    cat, v = level.catalogue, level.doc.voxel_size_m
    changed = (grid != level.city).any(axis=2)
    is_building = tables(cat).building[grid]
    building_cols = changed & is_building.any(axis=2)
    ground = frame.origin[2] + v
    found: list[Proposal] = []
    centres = np.stack(
        np.meshgrid(np.arange(grid.shape[0]) + 0.5, np.arange(grid.shape[1]) + 0.5, indexing="ij")
    )
    world_x, world_y = frame.to_world(*centres)
    for polygon in _polygons(building_cols, frame) if building_cols.any() else []:
        inside = building_cols & shapely.contains_xy(polygon, world_x, world_y)
        body = grid[inside][is_building[inside]]
        counts = np.bincount(body, minlength=256)
        present = [cat.block(cat.key(int(i))) for i in np.flatnonzero(counts)]
        uses: Counter[str] = Counter()
        for block in present:
            if block.use:
                uses[block.use] += int(counts[block.id])
        main = max(present, key=lambda b: (b.use is not None, counts[b.id]))
        height = (_top(is_building[inside]) - 1) * v
        use = uses.most_common(1)[0][0] if uses else None
        found.append(
            Proposal(
                "building",
                main.key,
                use,
                polygon,
                ground,
                height,
                max(1, round(height / level.doc.storey_height_m)),
                int(body.size),
            )
        )
    space = changed & ~is_building.any(axis=2)
    if space.any():
        filled = grid != 0
        top_index = grid.shape[2] - 1 - np.argmax(filled[:, :, ::-1], axis=2)
        top_block = np.take_along_axis(grid, top_index[..., None], axis=2)[..., 0]
        for block in np.unique(top_block[space]):
            mask = space & (top_block == block)
            height = float(top_index[mask].max()) * v
            for polygon in _polygons(mask, frame):
                found.append(
                    Proposal(
                        "space",
                        cat.key(int(block)),
                        None,
                        polygon,
                        ground,
                        height,
                        0,
                        int(mask.sum()),
                    )
                )
    return found, frame


def attributes(p: Proposal) -> dict[str, object]:
    """A proposal's attributes as the GIS exports (GeoJSON, GeoPackage) give them to a planner."""
    return {
        "kind": p.kind,
        "block": p.block,
        "use": p.use,
        "height_m": p.height_m,
        "floors": p.floors,
        "base_m": round(p.base_m, 3),
        "area_m2": round(p.footprint.area, 1),
        "voxels": p.voxels,
    }
