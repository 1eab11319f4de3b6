"""Stamp: copy a region, turn it by quarter turns or mirror it, and paste it elsewhere."""

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from game.core.errors import QuartierError
from game.core.level import Level
from game.core.ops.base import Operation, Target, Vec3, check_inside


@dataclass(frozen=True)
class Stamp:
    """A copied block of voxels; the editor keeps one as its clipboard."""

    blocks: np.ndarray

    @classmethod
    def copy(cls, grid: np.ndarray, a: Vec3, b: Vec3) -> "Stamp":
        check_inside(grid.shape, a, b)
        lo, hi = np.minimum(a, b), np.maximum(a, b) + 1
        return cls(grid[lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]].copy())

    def rotated(self, quarter_turns: int) -> "Stamp":
        """Turned counter-clockwise seen from above."""
        return Stamp(np.rot90(self.blocks, quarter_turns % 4, axes=(0, 1)).copy())

    def mirrored(self, axis: Literal["x", "y"]) -> "Stamp":
        return Stamp(np.flip(self.blocks, 0 if axis == "x" else 1).copy())

    def targets(self, at: Vec3, shape: tuple[int, int, int], include_air: bool = False) -> Target:
        """Paste with the stamp's lowest corner at `at`; air in the stamp leaves voxels alone."""
        far = tuple(a + s - 1 for a, s in zip(at, self.blocks.shape))
        check_inside(shape, at, far)
        coords = np.nonzero(np.ones(self.blocks.shape, bool) if include_air else self.blocks)
        values = self.blocks[coords]
        index = np.ravel_multi_index(tuple(c + a for c, a in zip(coords, at)), shape)
        return Target(index, values.astype(np.uint8))


class StampOp(Operation):
    op: Literal["stamp"] = "stamp"
    from_: Vec3 = Field(alias="from")
    to: Vec3
    at: Vec3
    rotate: Literal[0, 90, 180, 270] = 0
    mirror: Literal["x", "y"] | None = None
    include_air: bool = False

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        stamp = Stamp.copy(grid, self.from_, self.to)
        if self.mirror:
            stamp = stamp.mirrored(self.mirror)
        stamp = stamp.rotated(self.rotate // 90)
        if not stamp.blocks.any() and not self.include_air:
            raise QuartierError("error.empty_stamp")
        return stamp.targets(self.at, grid.shape, self.include_air)


class PasteStamp(Operation):
    """Paste a stamp's blocks at `at` (a frozen operation so that previews and undo treat it alike).

    Made by the stamp tool and by `quartier stamp import`, not written in scripts.
    """

    at: Vec3
    blocks: bytes
    shape: Vec3

    @classmethod
    def of(cls, stamp: Stamp, at: Vec3) -> "PasteStamp":
        return cls(at=at, blocks=stamp.blocks.tobytes(), shape=stamp.blocks.shape)

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        stamp = Stamp(np.frombuffer(self.blocks, np.uint8).reshape(self.shape))
        return stamp.targets(self.at, grid.shape)
