"""Place: click a face to put the current block next to it."""

from game.app.tools.base import ClickTool
from game.core.ops import Place


class PlaceTool(ClickTool):
    id, shortcut, glyph = "place", "1", "+"

    def op_at(self, hit):
        cell = hit.adjacent
        if not all(0 <= c < s for c, s in zip(cell, self.editor.level.shape)):
            return None
        return Place(at=cell, block=self.editor.block)
