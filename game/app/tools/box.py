"""Box: drag a rectangle on the ground, `[` and `]` set how many voxels high it is."""

from game.app.tools.base import DragTool
from game.core.ops import Box


class BoxTool(DragTool):
    id, shortcut, glyph = "box", "4", "▣"
    parameter = "height"

    def __init__(self, editor) -> None:
        super().__init__(editor)
        self.height = 1

    def op_between(self, a, b):
        top = min(a[2] + self.height - 1, self.editor.level.shape[2] - 1)
        return Box(from_=a, to=(b[0], b[1], top), block=self.editor.block)

    def parameter_range(self):
        return 1, self.editor.level.shape[2]
