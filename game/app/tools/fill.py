"""Fill: click a surface to cover all of the same block around it on that layer."""

from game.app.tools.base import ClickTool
from game.core.ops import Fill


class FillTool(ClickTool):
    id, shortcut, glyph = "fill", "6", "▒"

    def op_at(self, hit):
        return Fill(at=hit.voxel, block=self.editor.block)
