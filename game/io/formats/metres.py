"""The greedy mesh of a grid as 3D files want it: metres, y up (glTF and OBJ share this)."""

import numpy as np

from game.core.mesh import Mesh, greedy_mesh

Y_UP = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]])
"""Our (east, north, up) to (x, y up, z towards the viewer): a rotation, so windings stay valid."""


def mesh_in_metres(grid: np.ndarray, colors: np.ndarray, voxel_size_m: float) -> Mesh:
    """The editor's mesh (greedy quads, ambient occlusion in the colours), turned y-up and scaled."""
    return in_metres(greedy_mesh(grid, colors), voxel_size_m)


def in_metres(mesh: Mesh, voxel_size_m: float) -> Mesh:
    """A mesh in voxel units (z up) turned y-up and scaled to metres."""
    return Mesh(
        (mesh.positions @ Y_UP.T * voxel_size_m).astype(np.float32),
        (mesh.normals @ Y_UP.T).astype(np.int8),
        mesh.colors,
        mesh.indices,
    )


def quad_blocks(grid: np.ndarray, mesh: Mesh) -> np.ndarray:
    """Block id of each quad of a `greedy_mesh` (z-up, voxel units): the voxel behind its centre."""
    centres = mesh.positions.reshape(-1, 4, 3).mean(axis=1)
    inside = np.floor(centres - 0.5 * mesh.normals[::4]).astype(np.int64)
    return grid[tuple(inside.T)]
