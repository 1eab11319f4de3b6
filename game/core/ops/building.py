"""Building: a rectangle or polygon footprint extruded by a number of floors, with a roof."""

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from game.core.catalogue import AIR
from game.core.errors import QuartierError
from game.core.level import Level
from game.core.ops.base import Operation, Target, Vec2, check_inside

Point = tuple[float, float]


def polygon_mask(polygon: list[Point], shape: tuple[int, int]) -> np.ndarray:
    """Columns whose centre lies inside `polygon` (even-odd rule), vectorised over all edges."""
    px = np.arange(shape[0])[:, None] + 0.5
    py = np.arange(shape[1])[None, :] + 0.5
    inside = np.zeros(shape, bool)
    pts = np.asarray(polygon, float)
    for (x1, y1), (x2, y2) in zip(pts, np.roll(pts, -1, axis=0)):
        if y1 == y2:
            continue
        crosses = (y1 > py) != (y2 > py)
        x_at = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (px < x_at)
    return inside


class Building(Operation):
    """Footprint by `from`/`to` (inclusive columns) or `polygon` (voxel units); walls of `block`."""

    op: Literal["building"] = "building"
    from_: Vec2 | None = Field(default=None, alias="from")
    to: Vec2 | None = None
    polygon: list[Point] | None = Field(default=None, min_length=3, max_length=256)
    z: int = Field(default=1, ge=0)
    floors: int = Field(ge=1, le=60)
    block: str = "housing"
    roof: str = "roof"

    @model_validator(mode="after")
    def _one_footprint(self) -> "Building":
        if (self.polygon is None) == (self.from_ is None or self.to is None):
            raise ValueError("give either 'from' and 'to' or 'polygon'")
        return self

    def block_keys(self) -> list[str]:
        return [self.block] + ([self.roof] if self.roof != AIR else [])

    def footprint(self, shape: tuple[int, int]) -> np.ndarray:
        if self.polygon is None:
            assert self.from_ is not None and self.to is not None  # see _one_footprint
            check_inside(shape, self.from_, self.to)
            lo, hi = np.minimum(self.from_, self.to), np.maximum(self.from_, self.to)
            mask = np.zeros(shape, bool)
            mask[lo[0] : hi[0] + 1, lo[1] : hi[1] + 1] = True
            return mask
        for p in self.polygon:
            if not (0 <= p[0] <= shape[0] and 0 <= p[1] <= shape[1]):
                raise QuartierError(
                    "error.outside_level",
                    position=f"{p[0]:g}, {p[1]:g}",
                    size="×".join(map(str, shape)),
                )
        return polygon_mask(self.polygon, shape)

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        wall_height = level.floors_to_voxels(self.floors)
        roof = level.catalogue.id(self.roof)
        top = self.z + wall_height + (1 if roof else 0)
        if top > grid.shape[2]:
            raise QuartierError("error.too_tall", floors=self.floors, height=grid.shape[2] - self.z)
        xs, ys = np.nonzero(self.footprint(grid.shape[:2]))
        zs = np.arange(self.z, top)
        index = np.ravel_multi_index(
            (np.repeat(xs, zs.size), np.repeat(ys, zs.size), np.tile(zs, xs.size)), grid.shape
        )
        column = np.full(zs.size, level.catalogue.id(self.block), np.uint8)
        if roof:
            column[-1] = roof
        return Target(index, np.tile(column, xs.size))
