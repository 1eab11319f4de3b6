"""The new and changed buildings and spaces of a design, as footprint polygons in real coordinates.

The GIS exports (GeoJSON, CityJSON, GeoPackage) read this: touching changed building columns form one
building (height, floors, main use); other changed columns are grouped by their top block
(a lawn, a playground, trees). Polygons come from shapely merging runs of columns, and are
placed on the map by the level's georeference.

A building is also split into its height steps (`Part`): the columns whose building voxels
start and end at the same layers. A 3 m wing beside a 20 m tower is then two blocks of their
own heights, not one 20 m block over both (2,080 m³ exported for 380 m³ built), and each
step stands at the real height of its lowest voxel, so a building on sloping ground keeps
its base heights.
"""

from collections import Counter
from collections.abc import Iterator
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
class Part:
    """One height step of a building: a connected piece of columns with the same lowest and
    highest building voxel, as a block from `base_m` up `height_m` metres."""

    footprint: BaseGeometry  # one Polygon, world coordinates of the level's CRS
    base_m: float  # real height of the bottom of its lowest voxel
    height_m: float
    floors: int
    voxels: int  # building voxels in its columns (fewer than the block holds where it has gaps)


@dataclass(frozen=True)
class Proposal:
    """One feature: a building (`use`, `floors`, its height steps) or a space (`use` None)."""

    kind: str  # "building" or "space"
    block: str
    use: str | None
    footprint: BaseGeometry  # world coordinates of the level's CRS
    base_m: float  # real height of a building's lowest voxel; the top of the ground for a space
    height_m: float
    floors: int
    voxels: int
    parts: tuple[Part, ...] = ()  # a building's height steps; none for a space


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


def _pieces(
    mask: np.ndarray, frame: Frame, world: tuple[np.ndarray, np.ndarray]
) -> Iterator[tuple[BaseGeometry, np.ndarray]]:
    """Each connected piece of a column mask with the mask of its own columns.

    Only the mask's columns are tested against the polygons, by their centres (never on an
    edge, which runs along column corners)."""
    i, j = np.nonzero(mask)
    x, y = world[0][i, j], world[1][i, j]
    for polygon in _polygons(mask, frame):
        inside = shapely.contains_xy(polygon, x, y)
        columns = np.zeros_like(mask)
        columns[i[inside], j[inside]] = True
        yield polygon, columns


def _floors(height_m: float, storey_m: float) -> int:
    return max(1, round(height_m / storey_m))


def _parts(
    columns: np.ndarray,
    is_building: np.ndarray,
    frame: Frame,
    world: tuple[np.ndarray, np.ndarray],
    storey_m: float,
) -> tuple[Part, ...]:
    """A building's height steps: its columns grouped by lowest and highest building voxel."""
    stack = is_building[columns]
    bottom = np.argmax(stack, axis=1)
    top = stack.shape[1] - np.argmax(stack[:, ::-1], axis=1)  # one above the highest
    low, high = np.zeros(columns.shape, int), np.zeros(columns.shape, int)
    low[columns], high[columns] = bottom, top
    parts = []
    for b, t in sorted(set(zip(bottom.tolist(), top.tolist(), strict=True))):
        step = columns & (low == b) & (high == t)
        for polygon, piece in _pieces(step, frame, world):
            height = (t - b) * frame.voxel
            parts.append(
                Part(
                    polygon,
                    frame.origin[2] + b * frame.voxel,
                    height,
                    _floors(height, storey_m),
                    int(is_building[piece].sum()),
                )
            )
    return tuple(parts)


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
    world = frame.to_world(*centres)
    for polygon, inside in _pieces(building_cols, frame, world) if building_cols.any() else []:
        body = grid[inside][is_building[inside]]
        counts = np.bincount(body, minlength=256)
        present = [cat.block(cat.key(int(i))) for i in np.flatnonzero(counts)]
        uses: Counter[str] = Counter()
        for block in present:
            if block.use:
                uses[block.use] += int(counts[block.id])
        main = max(present, key=lambda b: (b.use is not None, counts[b.id]))
        parts = _parts(inside, is_building, frame, world, level.doc.storey_height_m)
        base = min(p.base_m for p in parts)
        height = max(p.base_m + p.height_m for p in parts) - base
        use = uses.most_common(1)[0][0] if uses else None
        found.append(
            Proposal(
                "building",
                main.key,
                use,
                polygon,
                base,
                height,
                _floors(height, level.doc.storey_height_m),
                int(body.size),
                parts,
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


def feature_rows(found: list[Proposal]) -> list[tuple[str, BaseGeometry, dict[str, object]]]:
    """The features both GIS exports (GeoJSON, GeoPackage) write, in the level's CRS.

    One per space and one per height step of a building (`building` names the building, ids
    as in the CityJSON export: `quartier-N`, `quartier-N-M` for a step), so a GIS extruding
    by `height_m` from `base_m` keeps a low wing beside a tower low.
    """
    rows: list[tuple[str, BaseGeometry, dict[str, object]]] = []
    for n, p in enumerate(found, start=1):
        ident = f"quartier-{n}"
        common: dict[str, object] = {"kind": p.kind, "block": p.block, "use": p.use}
        if p.kind == "building":
            common["building"] = ident
        steps: tuple[Part | Proposal, ...] = p.parts or (p,)  # a space is one piece
        for m, step in enumerate(steps, start=1):
            properties = {
                **common,
                "height_m": step.height_m,
                "floors": step.floors,
                "base_m": round(step.base_m, 3),
                "voxels": step.voxels,
                "area_m2": round(step.footprint.area, 1),
            }
            rows.append((ident if len(steps) == 1 else f"{ident}-{m}", step.footprint, properties))
    return rows
