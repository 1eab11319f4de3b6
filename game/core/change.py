"""Edits as compact, self-undoing diffs, and the undo/redo history built from them.

A `Change` keeps only the voxels it touched (flat index, value before, value after),
compressed with the sparse codec, so a thousand large box edits stay a few megabytes.
"""

from dataclasses import dataclass, field

import numpy as np

from game.core.codec import pack_sparse, unpack_sparse


class Change:
    """The touched voxels of one edit; applying and reverting it is exact."""

    __slots__ = ("_blob", "_shape", "count", "hi", "lo")

    def __init__(
        self, shape: tuple[int, int, int], index: np.ndarray, before: np.ndarray, after: np.ndarray
    ):
        order = np.argsort(index, kind="stable")
        index = index[order]
        self._blob = pack_sparse(index, before[order], after[order], level=1)
        self._shape = shape
        self.count = int(index.size)
        coords = np.unravel_index(index, shape)
        self.lo = tuple(int(c.min()) for c in coords) if self.count else (0, 0, 0)
        self.hi = tuple(int(c.max()) for c in coords) if self.count else (-1, -1, -1)

    def packed(self) -> tuple[bytes, int]:
        """The compressed voxels and their count: what a shared room stores per step."""
        return self._blob, self.count

    @classmethod
    def from_packed(cls, shape: tuple[int, int, int], blob: bytes, count: int) -> "Change":
        """A change stored with `packed` (checked when unpacked: a bad blob raises QuartierError)."""
        change = cls.__new__(cls)
        change._blob, change._shape, change.count = blob, shape, count
        index, _, _ = change._unpack()
        coords = np.unravel_index(index, shape)
        change.lo = tuple(int(c.min()) for c in coords) if count else (0, 0, 0)
        change.hi = tuple(int(c.max()) for c in coords) if count else (-1, -1, -1)
        return change

    def _unpack(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        volume = int(np.prod(self._shape))
        index, (before, after) = unpack_sparse(self._blob, self.count, volume, 2, "history")
        return index, before, after

    def voxels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(flat index, before, after) of every touched voxel."""
        return self._unpack()

    def apply(self, grid: np.ndarray) -> None:
        index, _, after = self._unpack()
        grid.reshape(-1)[index] = after

    def revert(self, grid: np.ndarray) -> None:
        index, before, _ = self._unpack()
        grid.reshape(-1)[index] = before

    @property
    def nbytes(self) -> int:
        return len(self._blob) + 96


@dataclass
class History:
    """Undo and redo stacks; the oldest steps are dropped once `max_bytes` is exceeded."""

    max_bytes: int = 64 * 1024 * 1024
    _undo: list[Change] = field(default_factory=list)
    _redo: list[Change] = field(default_factory=list)

    def push(self, change: Change) -> None:
        self._undo.append(change)
        self._redo.clear()
        while len(self._undo) > 1 and self.nbytes > self.max_bytes:
            self._undo.pop(0)

    def undo(self, grid: np.ndarray) -> Change | None:
        if not self._undo:
            return None
        change = self._undo.pop()
        change.revert(grid)
        self._redo.append(change)
        return change

    def redo(self, grid: np.ndarray) -> Change | None:
        if not self._redo:
            return None
        change = self._redo.pop()
        change.apply(grid)
        self._undo.append(change)
        return change

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self._undo) + sum(c.nbytes for c in self._redo)
