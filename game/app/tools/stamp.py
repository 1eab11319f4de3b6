"""Stamp: drag to copy a part of the city, then click to paste it; R turns it, M mirrors it."""

import numpy as np

from game.app.tools.base import Cell, DragTool
from game.core.ops import Stamp
from game.core.ops.stamp import PasteStamp


class StampTool(DragTool):
    id, shortcut, glyph = "stamp", "8", "❐"

    def __init__(self, editor) -> None:
        super().__init__(editor)
        self.clipboard: Stamp | None = None
        self.from_ground = (
            False  # copied with its ground layer: pasting replaces the ground it lands on
        )

    def start_cell(self, hit):
        return hit.voxel

    def drag_plane(self, start: Cell) -> float:
        return float(start[2] + 1)  # selection starts on a block, not next to it

    def _selection(self, a, b) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """From the clicked layer up to the highest block inside the rectangle."""
        lo = np.minimum(a, b)
        hi = np.maximum(a, b)
        region = self.editor.session.grid[lo[0] : hi[0] + 1, lo[1] : hi[1] + 1, lo[2] :]
        filled = np.flatnonzero(region.any(axis=(0, 1)))
        top = lo[2] + (int(filled.max()) if filled.size else 0)
        return (int(lo[0]), int(lo[1]), int(lo[2])), (int(hi[0]), int(hi[1]), top)

    def op_between(self, a, b):
        return None  # selecting copies, it does not change the city

    def release(self, pointer):
        if self.clipboard is not None:
            op = self.ghost(pointer)
            if op is not None:
                self.editor.apply(op)
            return
        if self.start is not None:
            self.drag(pointer)
            lo, hi = self._selection(self.start, self.end)
            self.cancel()
            stamp = Stamp.copy(self.editor.session.grid, lo, hi)
            if stamp.blocks.any():
                self.clipboard = stamp
                self.from_ground = lo[2] == 0
                self.editor.notify("tool.stamp.copied", size="×".join(map(str, stamp.blocks.shape)))

    def load(self, stamp: Stamp) -> None:
        """Hold an imported stamp (a .vox model) as if copied; it lands on top of the clicked block."""
        self.cancel()
        self.clipboard = stamp
        self.from_ground = False

    def press(self, pointer):
        if self.clipboard is None:
            super().press(pointer)

    def ghost(self, pointer):
        if self.clipboard is None or pointer is None or pointer.hit is None:
            return None
        at = pointer.hit.voxel if self.from_ground else pointer.hit.adjacent
        far = [a + s for a, s in zip(at, self.clipboard.blocks.shape)]
        if any(c < 0 for c in at) or any(f > s for f, s in zip(far, self.editor.level.shape)):
            return None
        return PasteStamp.of(self.clipboard, at)

    def frame(self):
        """What will be copied: from the clicked layer up to the highest block in the rectangle."""
        return self._selection(self.start, self.end) if self.start is not None else None

    def key(self, symbol):
        if self.clipboard is None:
            return False
        if symbol == "R":
            self.clipboard = self.clipboard.rotated(1)
        elif symbol == "M":
            self.clipboard = self.clipboard.mirrored("x")
        elif symbol == "ESCAPE":
            self.clipboard = None
        else:
            return False
        return True
