"""One design built by a team at once: the room's ordered edits, undo by author, and the client's mirror.

The collection server is the authority of a room (docs/rooms.md). Every edit a member sends
arrives at `Room.edit`, which checks it with the same code as the editor (`Session.preview`
clips it to the zone and refuses blocks the level does not allow, `refuse_over_budget` keeps the
budget), applies it, and numbers it. What is sent on is the diff (voxels and their new blocks),
never the whole grid, so a room of 30 stays cheap on the wire.

Undo in a shared room takes back *your own* last edit, as far as that does not destroy later
edits by others. The rule, voxel by voxel: a voxel your edit set gets its old block back if it
still holds what your edit put there; a voxel someone changed after you keeps their block. So
undo never overwrites a teammate, and undoing twice takes back your two last edits in turn,
however many edits of others came in between. An undo that finds every voxel of your last edit
built over by others changes nothing and says so.

The teacher can roll a room back to an earlier point: every edit after it is reverted, newest
first (each keeps the blocks it replaced), which gives exactly the grid as it was then. The
rollback itself is a new numbered edit, so clients just apply its diff.

`Mirror` is the client's side: the server's confirmed grid plus the member's own edits that the
server has not answered yet, shown at once (optimistic) and replayed on top of every diff that
arrives in order; an edit the server refused simply drops out of the replay, so it is rolled
back on the sender only.
"""

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from game.core.change import Change
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.indicators.budget import refuse_over_budget
from game.core.level import Level
from game.core.ops import Operation
from game.core.session import EditResult, Session

Kind = Literal["edit", "undo", "rollback"]

UNDO_DEPTH = 100
"""How many of a member's own edits can be undone (the editor alone keeps more; a room of 30
would otherwise keep everyone's whole afternoon)."""


@dataclass(frozen=True)
class RoomEdit:
    """One numbered step of a room: who did what, and the voxels it set (before and after)."""

    seq: int
    author: str
    kind: Kind
    change: Change
    undoes: int = 0
    """For an undo, the step it took back (the author's steps after it were wholly built over);
    for a rollback, the step the room went back to."""

    def diff(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices and new block ids: what every client applies."""
        index, _, after = self.change.voxels()
        return index, after


@dataclass(frozen=True)
class Applied:
    """What `Room.edit` did: the numbered step and what was left out of the member's edit."""

    edit: RoomEdit
    clipped: EditResult


@dataclass
class Room:
    """A room's design as the server holds it: the grid, the numbered steps and undo per member."""

    level: Level
    grid: np.ndarray | None = None
    seq: int = 0
    session: Session = field(init=False)
    log: list[RoomEdit] = field(default_factory=list)
    """Every step since the room was opened by this process (for rollback), oldest first."""
    _mine: dict[str, deque[RoomEdit]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.session = Session(self.level, self.grid)
        self.grid = self.session.grid

    def edit(self, author: str, op: Operation, lang: Language = "en") -> Applied:
        """Check and apply one member's edit; raise `QuartierError` (nothing changed) if refused."""
        index, values, clipped = self.session.preview(op)
        if not index.size:
            raise _nothing_changed(clipped)
        refuse_over_budget(self.session, index, values, lang)
        step = self._apply(author, "edit", index, values)
        self._mine.setdefault(author, deque(maxlen=UNDO_DEPTH)).append(step)
        return Applied(step, clipped)

    def undo(self, author: str, lang: Language = "en") -> RoomEdit:
        """Take back the member's newest edit that others have not wholly built over."""
        mine = self._mine.get(author)
        if not mine:
            raise QuartierError("error.room_nothing_to_undo")
        flat = self.session.grid.reshape(-1)
        for depth in range(1, len(mine) + 1):
            last = mine[-depth]
            index, before, after = last.change.voxels()
            still = flat[index] == after
            if still.any():
                break
        else:  # nothing changes, nothing is stored: a rebuilt room keeps the same stack
            raise QuartierError("error.room_undo_built_over")
        index, values = index[still], before[still]
        refuse_over_budget(self.session, index, values, lang)
        for _ in range(depth):
            mine.pop()
        return self._apply(author, "undo", index, values, undoes=last.seq)

    def rollback(self, author: str, to_seq: int) -> RoomEdit:
        """Put the grid back as it was after step `to_seq` (the teacher's "roll back")."""
        later = [step for step in self.log if step.seq > to_seq]
        if to_seq < self.seq - len(self.log) or not later:
            raise QuartierError("error.room_rollback_range", first=self.seq - len(self.log))
        grid = self.session.grid.copy()
        for step in reversed(later):
            step.change.revert(grid)
        flat = grid.reshape(-1)
        index = np.flatnonzero(flat != self.session.grid.reshape(-1))
        self._forget_after(to_seq)
        return self._apply(author, "rollback", index, flat[index], undoes=to_seq)

    def _forget_after(self, seq: int) -> None:
        """Steps after `seq` were rolled back: no one can undo them any more."""
        for mine in self._mine.values():
            while mine and mine[-1].seq > seq:
                mine.pop()

    def _apply(
        self, author: str, kind: Kind, index: np.ndarray, values: np.ndarray, undoes: int = 0
    ) -> RoomEdit:
        result = self.session.commit(index, values, EditResult(None), record=False)
        change = result.change or Change(self.session.grid.shape, index, values, values)
        self.seq += 1
        step = RoomEdit(self.seq, author, kind, change, undoes)
        self.log.append(step)
        return step

    def replay(self, step: RoomEdit) -> None:
        """Apply a stored step again (a restarted server rebuilding the room from its log)."""
        if step.seq != self.seq + 1:
            raise ValueError(f"step {step.seq} after {self.seq}")
        self.session.commit(*step.diff(), EditResult(None), record=False)
        self.seq = step.seq
        self.log.append(step)
        if step.kind == "edit":
            self._mine.setdefault(step.author, deque(maxlen=UNDO_DEPTH)).append(step)
        elif step.kind == "undo":
            mine = self._mine.get(step.author, deque())
            while mine and mine[-1].seq >= step.undoes:
                mine.pop()
        else:
            self._forget_after(step.undoes)


def _nothing_changed(clipped: EditResult) -> QuartierError:
    """The real reason an edit changed nothing: height limit, zone, protected blocks, or no change."""
    if clipped.skipped_too_high:
        return QuartierError("error.room_too_high", count=clipped.skipped_too_high)
    if clipped.skipped_outside_zone:
        return QuartierError("error.room_outside_zone", count=clipped.skipped_outside_zone)
    if clipped.skipped_locked:
        return QuartierError("error.room_protected", count=clipped.skipped_locked)
    return QuartierError("error.room_no_change")


class Mirror:
    """A member's view of the room: the server's confirmed grid plus its own unanswered edits."""

    def __init__(self, level: Level, grid: np.ndarray, seq: int) -> None:
        self.level = level
        self.confirmed = grid.copy()
        self.seq = seq
        self.pending: dict[int, Operation] = {}
        self._next = 0
        self.shown = Session(level, grid.copy())

    def propose(self, op: Operation) -> int:
        """Show the member's edit at once; returns the id to send with it."""
        self._next += 1
        self.pending[self._next] = op
        self._show_pending([op])
        return self._next

    def receive(
        self, seq: int, index: np.ndarray, values: np.ndarray, answered: int | None
    ) -> None:
        """A numbered diff from the server, in order; `answered` is our edit it settles, if ours."""
        if seq != self.seq + 1:
            raise ValueError(f"diff {seq} after {self.seq}: ask for the steps in between")
        self.confirmed.reshape(-1)[index] = values
        self.seq = seq
        if answered is not None:
            self.pending.pop(answered, None)
        self._rebuild()

    def refused(self, answered: int) -> None:
        """The server refused our edit: it drops out, the grid shows the room without it."""
        if self.pending.pop(answered, None) is not None:
            self._rebuild()

    def _rebuild(self) -> None:
        self.shown.grid[...] = self.confirmed
        self.shown.cost = self.shown.cost_of(*self.shown.differences())
        self._show_pending(list(self.pending.values()))

    def _show_pending(self, ops: list[Operation]) -> None:
        for op in ops:
            try:
                index, values, clipped = self.shown.preview(op)
                self.shown.commit(index, values, clipped, record=False)
            except QuartierError:
                continue
