"""A level opened for editing: the working grid, the rules of the zone, and the history.

Every edit goes through `Session.apply`, which clips it to the editable zone, refuses blocks
the level does not allow, and records exactly the voxels that changed as one undo step.
"""

from dataclasses import dataclass

import numpy as np

from game.core.catalogue import AIR
from game.core.change import Change, History
from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.core.level import Level
from game.core.ops import Operation, Redo, Undo


@dataclass(frozen=True)
class EditResult:
    """What an edit did: the change (None if nothing changed) and what was clipped, and why."""

    change: Change | None
    skipped_outside_zone: int = 0
    skipped_locked: int = 0
    #: Of `skipped_outside_zone`, the voxels above the zone's top over zone columns: the
    #: height limit, which a pupil is told apart from the zone's edge.
    skipped_too_high: int = 0

    @property
    def changed(self) -> int:
        return self.change.count if self.change else 0

    @property
    def skipped(self) -> int:
        return self.skipped_outside_zone + self.skipped_locked

    def __add__(self, other: "EditResult") -> "EditResult":
        """What was left out over several edits (a script's steps), for one message at the end."""
        return EditResult(
            None,
            self.skipped_outside_zone + other.skipped_outside_zone,
            self.skipped_locked + other.skipped_locked,
            self.skipped_too_high + other.skipped_too_high,
        )

    def clipped_message(self, level: Level, lang: Language) -> str | None:
        """What was left out and the real reason for each part (the zone's edge, the height
        limit with its floors and metres, protected blocks), or None if nothing was: one text,
        so the editor and `quartier design edit` never tell a pupil different reasons."""
        floors, metres = level.height_limit
        shown_m = f"{metres:g}".replace(".", "," if lang == "de" else ".")
        parts = [
            text(lang, key, count=count, floors=floors, metres=shown_m)
            for key, count in (
                ("editor.clipped_zone", self.skipped_outside_zone - self.skipped_too_high),
                ("editor.clipped_too_high", self.skipped_too_high),
                ("editor.clipped_locked", self.skipped_locked),
            )
            if count
        ]
        return text(lang, "editor.clipped", parts=" · ".join(parts)) if parts else None


class Session:
    def __init__(self, level: Level, grid: np.ndarray | None = None) -> None:
        self.level = level
        self.grid = level.city.copy() if grid is None else grid
        if self.grid.shape != level.shape or self.grid.dtype != np.uint8:
            raise ValueError("grid does not match the level")
        self.history = History()
        self.cost = self.cost_of(*self.differences())

    def preview(self, op: Operation) -> tuple[np.ndarray, np.ndarray, EditResult]:
        """The voxels `op` would change (flat index, new value) after clipping, without changing anything."""
        for key in op.block_keys():
            self.level.catalogue.id(key)
            if key != AIR and key not in self.level.allowed:
                raise QuartierError("error.block_not_allowed", key=key)
        target = op.targets(self.grid, self.level)
        index, value = target.index, target.value
        refused = ~self.level.allowed_ids[value]
        if refused.any():
            key = self.level.catalogue.key(int(value[refused][0]))
            raise QuartierError("error.block_not_allowed", key=key)
        # One voxel, one value: the last write wins, as if the tool had painted in order.
        _, last = np.unique(index[::-1], return_index=True)
        keep = index.size - 1 - last
        index, value = index[keep], value[keep]
        editable = self.level.editable.reshape(-1)[index]
        out = ~self.level.in_zone.reshape(-1)[index]
        outside = int(out.sum())
        locked = int((~editable).sum()) - outside
        x, y, _ = np.unravel_index(index[out], self.level.shape)
        too_high = int(self.level.zone_columns[x, y].sum())
        index, value = index[editable], value[editable]
        differs = self.grid.reshape(-1)[index] != value
        return index[differs], value[differs], EditResult(None, outside, locked, too_high)

    def apply(self, op: Operation | Undo | Redo) -> EditResult:
        if isinstance(op, Undo):
            return EditResult(self.undo())
        if isinstance(op, Redo):
            return EditResult(self.redo())
        return self.commit(*self.preview(op))

    def commit(
        self, index: np.ndarray, value: np.ndarray, clipped: EditResult, record: bool = True
    ) -> EditResult:
        """Apply what `preview` returned (for callers that check it first, e.g. against the budget).

        `record=False` leaves the undo history alone: a shared room keeps its own (`game.core.room`).
        """
        if not index.size:
            return clipped
        flat = self.grid.reshape(-1)
        before = flat[index].copy()
        change = Change(self.grid.shape, index, before, value)
        flat[index] = value
        self.cost += self.cost_of(index, value) - self.cost_of(index, before)
        if record:
            self.history.push(change)
        return EditResult(
            change, clipped.skipped_outside_zone, clipped.skipped_locked, clipped.skipped_too_high
        )

    def undo(self) -> Change | None:
        change = self.history.undo(self.grid)
        if change:
            index, before, after = change.voxels()
            self.cost += self.cost_of(index, before) - self.cost_of(index, after)
        return change

    def redo(self) -> Change | None:
        change = self.history.redo(self.grid)
        if change:
            index, before, after = change.voxels()
            self.cost += self.cost_of(index, after) - self.cost_of(index, before)
        return change

    def cost_of(self, index: np.ndarray, values: np.ndarray) -> float:
        """What these voxels cost if they held `values`: blocks the level did not have are paid for."""
        new = (values != 0) & (values != self.level.city.reshape(-1)[index])
        return float(self.level.catalogue.costs[values[new]].sum())

    def preview_cost(self, index: np.ndarray, values: np.ndarray) -> float:
        """How much the design's cost would change if these voxels took `values`."""
        return self.cost_of(index, values) - self.cost_of(index, self.grid.reshape(-1)[index])

    def differences(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices and current values of every voxel that differs from the level."""
        flat = self.grid.reshape(-1)
        index = np.flatnonzero(flat != self.level.city.reshape(-1))
        return index, flat[index]
