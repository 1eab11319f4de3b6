"""Building: drag a footprint; `[` and `]` choose the number of floors; it gets a roof."""

from game.app.tools.base import DragTool, adjust
from game.core.ops import Building


class BuildingTool(DragTool):
    id, shortcut, glyph = "building", "7", "⌂"

    def __init__(self, editor) -> None:
        super().__init__(editor)
        self.floors = 3

    def op_between(self, a, b):
        block = self.editor.block
        if not self.editor.level.catalogue.block(block).building:
            block = "housing"
        return Building(from_=a[:2], to=b[:2], z=a[2], floors=self.floors, block=block, roof="roof")

    def key(self, symbol):
        value = adjust(self.floors, symbol, 1, 20)
        if value is None:
            return False
        self.floors = value
        return True

    def status(self):
        return {"floors": self.floors}
