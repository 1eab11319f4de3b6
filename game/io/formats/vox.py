"""MagicaVoxel export: the grid as a scene of models of at most 256³ (see `game.io.vox`)."""

import numpy as np

from game.core.catalogue import Catalogue
from game.io.vox import write_vox


def export_grid(
    grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float, name: str
) -> dict[str, bytes]:
    """MagicaVoxel has no unit: one voxel is one voxel, whatever `voxel_size_m` says."""
    return {name: write_vox(grid, catalogue.colors)}
