"""Eyedropper: click a block to make it the current block, then go back to the last tool."""

from game.app.tools.base import Tool


class EyedropperTool(Tool):
    id, shortcut, glyph = "eyedropper", "9", "◉"

    def release(self, pointer):
        if pointer.hit is None:
            return
        key = self.editor.level.catalogue.key(int(self.editor.session.grid[pointer.hit.voxel]))
        self.editor.select_block(key)
        self.editor.select_tool(self.editor.previous_tool)
