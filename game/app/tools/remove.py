"""Remove: click a block to take it away."""

from game.app.tools.base import ClickTool
from game.core.ops import Remove


class RemoveTool(ClickTool):
    id, shortcut, glyph, removes = "remove", "2", "−", True

    def op_at(self, hit):
        return Remove(at=hit.voxel)
