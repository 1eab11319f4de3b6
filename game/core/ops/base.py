"""What every edit operation shares: targets as flat indices plus values, and bounds checks."""

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from game.core.errors import QuartierError
from game.core.level import Level

Vec3 = tuple[int, int, int]
Vec2 = tuple[int, int]


@dataclass(frozen=True)
class Target:
    """The voxels an operation wants to set: flat C-order indices and their new block ids."""

    index: np.ndarray
    value: np.ndarray


class Operation(BaseModel):
    """An edit as data: parsed from JSON scripts, produced by editor tools, replayed by tests."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def block_keys(self) -> list[str]:
        """Block keys this operation places (checked against the level's allowed blocks)."""
        return []

    def targets(self, grid: np.ndarray, level: Level) -> Target:
        raise NotImplementedError


class BlockOperation(Operation):
    """An operation that puts one kind of block (checked against the level's allowed blocks)."""

    block: str

    def block_keys(self) -> list[str]:
        return [self.block]


def check_inside(shape: tuple[int, ...], *points: tuple[int, ...]) -> None:
    for p in points:
        if not all(0 <= c < s for c, s in zip(p, shape)):
            raise QuartierError(
                "error.outside_level",
                position=", ".join(map(str, p)),
                size="×".join(map(str, shape)),
            )


def box_index(lo: Vec3, hi: Vec3, shape: tuple[int, int, int]) -> np.ndarray:
    """Flat indices of the inclusive box lo..hi (corners in any order)."""
    a = np.minimum(lo, hi)
    b = np.maximum(lo, hi)
    axes = [np.arange(a[i], b[i] + 1) for i in range(3)]
    xs, ys, zs = np.meshgrid(*axes, indexing="ij")
    return np.ravel_multi_index((xs.ravel(), ys.ravel(), zs.ravel()), shape)


def filled(index: np.ndarray, block_id: int) -> Target:
    return Target(index, np.full(index.shape, block_id, np.uint8))
