"""A top plan of a grid as an RGB image: the start screen's level pictures, made without a GPU.

Each column shows its topmost block, brighter the higher it is, with a soft shadow where a
neighbour to the south-west is taller, so blocks of houses read at a glance.
"""

import numpy as np


def top_view(grid: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """(Y, X, 3) uint8 image, north up: row 0 is the northern edge of the level."""
    solid = grid != 0
    depth = grid.shape[2]
    # Index of the topmost solid voxel per column (0 where the column is empty).
    top = depth - 1 - np.argmax(solid[:, :, ::-1], axis=2)
    top = np.where(solid.any(axis=2), top, 0)
    ids = np.take_along_axis(grid, top[:, :, None], axis=2)[:, :, 0]
    shade = 0.75 + 0.25 * top / max(depth - 1, 1)
    neighbour = np.pad(top, ((1, 0), (1, 0)), mode="edge")[:-1, :-1]
    shade = shade * np.where(neighbour > top + 1, 0.72, 1.0)
    rgb = np.clip(colors[ids].astype(np.float32) * shade[:, :, None], 0, 255).astype(np.uint8)
    return np.ascontiguousarray(rgb.transpose(1, 0, 2)[::-1])
