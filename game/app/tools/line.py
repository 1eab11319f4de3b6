"""Line: drag from one voxel to another for a wall, a hedge or a row of benches."""

from game.app.tools.base import DragTool
from game.core.ops import Line


class LineTool(DragTool):
    id, shortcut, glyph = "line", "5", "╱"

    def op_between(self, a, b):
        return Line(from_=a, to=b, block=self.editor.block)
