"""What every editor tool shares: the pointer it reads and the preview-then-commit gesture.

A tool never changes the grid itself: it proposes an `Operation` as a ghost while the mouse
moves or drags and hands exactly one operation to the editor on release, so one gesture is
one undo step.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from game.core.ops import Operation
from game.core.raycast import Hit

if TYPE_CHECKING:
    from game.app.editor import Editor

Cell = tuple[int, int, int]


@dataclass(frozen=True)
class Pointer:
    """The mouse in the world: its ray and the voxel face it points at (if any)."""

    origin: np.ndarray
    direction: np.ndarray
    hit: Hit | None

    def on_plane(self, z: float, shape: tuple[int, int, int]) -> tuple[int, int] | None:
        """The column where the ray crosses the horizontal plane at height z, clamped to the level."""
        dz = float(self.direction[2])
        if abs(dz) < 1e-9:
            return None
        t = (z - float(self.origin[2])) / dz
        if t <= 0:
            return None
        x, y = self.origin[:2] + t * self.direction[:2]
        return int(np.clip(np.floor(x), 0, shape[0] - 1)), int(
            np.clip(np.floor(y), 0, shape[1] - 1)
        )


class Tool:
    id: ClassVar[str]
    shortcut: ClassVar[str]
    glyph: ClassVar[str]
    removes: ClassVar[bool] = False

    def __init__(self, editor: "Editor") -> None:
        self.editor = editor

    def press(self, pointer: Pointer) -> None:
        """Left button down."""

    def drag(self, pointer: Pointer) -> None:
        """Mouse moved with the left button down."""

    def release(self, pointer: Pointer) -> None:
        """Left button up: commit."""

    def cancel(self) -> None:
        """Escape or switching tools: drop any gesture in progress."""

    def ghost(self, pointer: Pointer | None) -> Operation | None:
        """What releasing the button now would do, for the preview."""
        return None

    def key(self, symbol: str) -> bool:
        """A tool-specific key; True if the tool used it."""
        return False

    def frame(self) -> tuple[Cell, Cell] | None:
        """A box (inclusive corners) the tool outlines while dragging, such as the stamp's selection."""
        return None

    def status(self) -> dict[str, object]:
        """Parameters shown in the tool's hint text (height, floors...)."""
        return {}


class ClickTool(Tool):
    """A tool that acts on the face under the cursor with one click."""

    def op_at(self, hit: Hit) -> Operation | None:
        raise NotImplementedError

    def ghost(self, pointer: Pointer | None) -> Operation | None:
        return self.op_at(pointer.hit) if pointer and pointer.hit else None

    def release(self, pointer: Pointer) -> None:
        op = self.ghost(pointer)
        if op is not None:
            self.editor.apply(op)


class DragTool(Tool):
    """A tool drawn by dragging on the layer where the drag started (box, line, building...).

    A tool with a `parameter` (the box's height, the building's floors) changes it with keys
    (`RAISE`, `LOWER`) or the HUD's +/− buttons (`step`) between `parameter_range()` and shows
    it in its hint.
    """

    parameter: ClassVar[str | None] = None

    def __init__(self, editor: "Editor") -> None:
        super().__init__(editor)
        self.start: Cell | None = None
        self.end: Cell | None = None

    def parameter_range(self) -> tuple[int, int]:
        raise NotImplementedError

    def key(self, symbol: str) -> bool:
        if self.parameter is None:
            return False
        delta = 1 if symbol in RAISE else -1 if symbol in LOWER else 0
        if not delta:
            return False
        self.step(delta)
        return True

    def step(self, delta: int) -> None:
        """Raise (1) or lower (-1) the parameter, within its range."""
        if self.parameter is None:
            return
        low, high = self.parameter_range()
        value = getattr(self, self.parameter) + delta
        setattr(self, self.parameter, max(low, min(high, value)))

    def status(self) -> dict[str, object]:
        return {self.parameter: getattr(self, self.parameter)} if self.parameter else {}

    def start_cell(self, hit: Hit) -> Cell:
        return hit.adjacent

    def press(self, pointer: Pointer) -> None:
        if pointer.hit is None:
            return
        cell = self.start_cell(pointer.hit)
        if all(0 <= c < s for c, s in zip(cell, self.editor.level.shape)):
            self.start = self.end = cell

    def drag_plane(self, start: Cell) -> float:
        """The height a drag from `start` follows: the top of the surface it started on."""
        return float(start[2])

    def drag(self, pointer: Pointer) -> None:
        if self.start is None:
            return
        column = pointer.on_plane(self.drag_plane(self.start), self.editor.level.shape)
        if column is not None:
            self.end = (column[0], column[1], self.start[2])

    def release(self, pointer: Pointer) -> None:
        if self.start is not None:
            self.drag(pointer)
            assert self.end is not None  # `start` and `end` are set and cleared together
            op = self.op_between(self.start, self.end)
            self.cancel()
            if op is not None:
                self.editor.apply(op)

    def cancel(self) -> None:
        self.start = self.end = None

    def ghost(self, pointer: Pointer | None) -> Operation | None:
        if self.start is not None and self.end is not None:
            return self.op_between(self.start, self.end)
        if pointer and pointer.hit:
            cell = self.start_cell(pointer.hit)
            if all(0 <= c < s for c, s in zip(cell, self.editor.level.shape)):
                return self.op_between(cell, cell)
        return None

    def op_between(self, a: Cell, b: Cell) -> Operation | None:
        raise NotImplementedError


#: The keys that raise and lower a tool's parameter, pairwise. `]`/`[` need AltGr on a German
#: keyboard; `.`/`,` (side by side, under `>`/`<` on an English keyboard) and Page Up/Page Down
#: are keys of their own on both layouts (a laptop's Page keys may need Fn).
RAISE, LOWER = ("PERIOD", "PAGEUP", "BRACKETRIGHT"), ("COMMA", "PAGEDOWN", "BRACKETLEFT")
