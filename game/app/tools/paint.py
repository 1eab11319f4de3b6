"""Paint: click a block to turn it into the current block, keeping its shape."""

from game.app.tools.base import ClickTool
from game.core.ops import Paint


class PaintTool(ClickTool):
    id, shortcut, glyph = "paint", "3", "P"

    def op_at(self, hit):
        return Paint(at=hit.voxel, block=self.editor.block)
