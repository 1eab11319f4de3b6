"""Building: drag a footprint; `[` and `]` choose the number of floors; it gets a roof."""

from game.app.tools.base import DragTool
from game.core.ops import Building


class BuildingTool(DragTool):
    id, shortcut, glyph = "building", "7", "⌂"
    parameter = "floors"

    def __init__(self, editor) -> None:
        super().__init__(editor)
        self.floors = 3

    def op_between(self, a, b):
        block = self.editor.block
        if not self.editor.level.catalogue.block(block).building:
            block = "housing"
        return Building(from_=a[:2], to=b[:2], z=a[2], floors=self.floors, block=block, roof="roof")

    def parameter_range(self):
        return 1, 20
