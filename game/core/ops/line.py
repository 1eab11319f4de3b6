"""Line: a one-voxel-thick straight line between two voxels (3D DDA by rounding)."""

from typing import Literal

import numpy as np
from pydantic import Field

from game.core.level import Level
from game.core.ops.base import BlockOperation, Target, Vec3, check_inside, filled


def line_points(a: Vec3, b: Vec3) -> np.ndarray:
    """Integer points from a to b, one per step along the longest axis, both ends included."""
    a_ = np.asarray(a, float)
    d = np.asarray(b, float) - a_
    steps = int(np.abs(d).max())
    t = np.linspace(0.0, 1.0, steps + 1)[:, None]
    points: np.ndarray = np.floor(a_ + t * d + 0.5).astype(np.int64)
    return points


class Line(BlockOperation):
    op: Literal["line"] = "line"
    from_: Vec3 = Field(alias="from")
    to: Vec3

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        check_inside(grid.shape, self.from_, self.to)
        points = line_points(self.from_, self.to)
        index = np.unique(np.ravel_multi_index(points.T, grid.shape))
        return filled(index, level.catalogue.id(self.block))
