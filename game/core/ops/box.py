"""Box: fill a cuboid between two corners, solid or as a hollow shell."""

from typing import Literal

import numpy as np
from pydantic import Field

from game.core.level import Level
from game.core.ops.base import (
    BlockOperation,
    Target,
    Vec3,
    box_index,
    check_inside,
    filled,
)


class Box(BlockOperation):
    op: Literal["box"] = "box"
    from_: Vec3 = Field(alias="from")
    to: Vec3
    hollow: bool = False

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        check_inside(grid.shape, self.from_, self.to)
        index = box_index(self.from_, self.to, grid.shape)
        if self.hollow:
            lo = np.minimum(self.from_, self.to)
            hi = np.maximum(self.from_, self.to)
            coords = np.stack(np.unravel_index(index, grid.shape), axis=1)
            on_shell = ((coords == lo) | (coords == hi)).any(axis=1)
            index = index[on_shell]
        return filled(index, level.catalogue.id(self.block))
