"""Column chunks of a level, each with its own mesh, so an edit re-meshes a few chunks, not the level.

Chunks are meshed with a one-voxel border of their neighbours, so faces and AO at chunk seams match
a whole-level mesh; an edit therefore dirties every chunk within one voxel of it.
"""

from collections.abc import Iterator

import numpy as np

from game.core.mesh import Mesh, Vec3i, greedy_mesh, padded_block

ChunkKey = tuple[int, int]


class ChunkGrid:
    """Meshes of `size` x `size` x Z columns of `grid`, kept in step with in-place edits.

    The grid is held by reference: mutate it, call `mark_dirty` with the edited box, then
    `remesh_dirty`. Every chunk starts dirty.
    """

    def __init__(self, grid: np.ndarray, colors: np.ndarray, size: int = 32) -> None:
        if size < 1:
            raise ValueError(f"chunk size must be positive, got {size}")
        self.grid = grid
        self.colors = colors
        self.size = size
        self.counts = (-(-grid.shape[0] // size), -(-grid.shape[1] // size))
        self.meshes: dict[ChunkKey, Mesh] = {}
        self.dirty: set[ChunkKey] = set(self.keys())

    def keys(self) -> Iterator[ChunkKey]:
        for cx in range(self.counts[0]):
            for cy in range(self.counts[1]):
                yield cx, cy

    def bounds(self, key: ChunkKey) -> tuple[Vec3i, Vec3i]:
        """The chunk's voxel box as (lo, hi), hi exclusive."""
        cx, cy = key
        x, y = cx * self.size, cy * self.size
        lo = (x, y, 0)
        X, Y, Z = self.grid.shape
        return lo, (min(x + self.size, X), min(y + self.size, Y), Z)

    def mesh_chunk(self, key: ChunkKey) -> Mesh:
        lo, hi = self.bounds(key)
        block = padded_block(self.grid, lo, hi)
        mesh = greedy_mesh(block[1:-1, 1:-1, 1:-1], self.colors, lo, neighbours=block)
        self.meshes[key] = mesh
        self.dirty.discard(key)
        return mesh

    def mesh_all(self) -> None:
        for key in self.keys():
            self.mesh_chunk(key)

    def mark_dirty(self, lo: Vec3i, hi: Vec3i) -> set[ChunkKey]:
        """Mark the chunks an edit of the inclusive voxel box lo..hi can change; return them.

        A voxel changes the faces and AO of voxels up to one step away, so the box grows by one.
        """
        (x0, y0, _), (x1, y1, _) = lo, hi
        cx = range(
            max((x0 - 1) // self.size, 0), min((x1 + 1) // self.size, self.counts[0] - 1) + 1
        )
        cy = range(
            max((y0 - 1) // self.size, 0), min((y1 + 1) // self.size, self.counts[1] - 1) + 1
        )
        keys = {(i, j) for i in cx for j in cy}
        self.dirty |= keys
        return keys

    def remesh_dirty(self) -> list[ChunkKey]:
        keys = sorted(self.dirty)
        for key in keys:
            self.mesh_chunk(key)
        return keys
