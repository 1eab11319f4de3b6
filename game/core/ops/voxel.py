"""Single-voxel operations: place, remove, and paint (which only recolours existing blocks)."""

from typing import Literal

import numpy as np

from game.core.catalogue import AIR
from game.core.level import Level
from game.core.ops.base import (
    BlockOperation,
    Operation,
    Target,
    Vec3,
    box_index,
    check_inside,
    filled,
)


class Place(BlockOperation):
    op: Literal["place"] = "place"
    at: Vec3

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        check_inside(grid.shape, self.at)
        index = np.array([np.ravel_multi_index(self.at, grid.shape)])
        return filled(index, level.catalogue.id(self.block))


class Remove(Operation):
    op: Literal["remove"] = "remove"
    at: Vec3

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        check_inside(grid.shape, self.at)
        return filled(
            np.array([np.ravel_multi_index(self.at, grid.shape)]), level.catalogue.id(AIR)
        )


class Paint(BlockOperation):
    """Give existing blocks a new kind; air stays air. `to` paints every block in a box."""

    op: Literal["paint"] = "paint"
    at: Vec3
    to: Vec3 | None = None

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        end = self.to or self.at
        check_inside(grid.shape, self.at, end)
        index = box_index(self.at, end, grid.shape)
        index = index[grid.reshape(-1)[index] != 0]
        return filled(index, level.catalogue.id(self.block))
