"""Fill: flood fill on one layer, spreading over the same block within the editable zone.

Hand-written because `game.core` may only use numpy: whole runs of a row or column join the
region at once (run labelling with cumsum), so the loop runs once per turn of the region,
not once per voxel.
"""

from typing import Literal

import numpy as np

from game.core.level import Level
from game.core.ops.base import BlockOperation, Target, Vec3, check_inside, filled


def _spread_rows(region: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Every run of `mask` along axis 1 that touches `region` joins it."""
    padded = np.pad(mask, ((0, 0), (0, 1))).ravel()
    starts = padded & ~np.concatenate(([False], padded[:-1]))
    run = np.cumsum(starts) * padded
    hit = np.zeros(int(run.max()) + 1, bool)
    hit[run[np.pad(region, ((0, 0), (0, 1))).ravel() & padded]] = True
    hit[0] = False
    spread: np.ndarray = hit[run].reshape(mask.shape[0], mask.shape[1] + 1)[:, :-1]
    return spread


def connected_region(mask: np.ndarray, seed: tuple[int, int]) -> np.ndarray:
    """The 4-connected component of 2D `mask` that contains `seed`."""
    region = np.zeros_like(mask)
    if not mask[seed]:
        return region
    region[seed] = True
    count = 1
    while True:
        region = _spread_rows(region, mask)
        region = _spread_rows(region.T, mask.T).T
        new_count = int(region.sum())
        if new_count == count:
            return region
        count = new_count


class Fill(BlockOperation):
    op: Literal["fill"] = "fill"
    at: Vec3

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        check_inside(grid.shape, self.at)
        x, y, z = self.at
        layer = grid[:, :, z]
        editable = level.editable[:, :, z]
        if not editable[x, y]:
            # Let the session report why the voxel under the cursor cannot change.
            region = np.zeros(layer.shape, bool)
            region[x, y] = True
        else:
            region = connected_region((layer == layer[x, y]) & editable, (x, y))
        xs, ys = np.nonzero(region)
        index = np.ravel_multi_index((xs, ys, np.full(xs.shape, z)), grid.shape)
        return filled(index, level.catalogue.id(self.block))
