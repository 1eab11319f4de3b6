"""The editor's tools in toolbar order: one module each; this table drives the toolbar, shortcuts and help."""

from game.app.tools.base import Pointer, Tool
from game.app.tools.box import BoxTool
from game.app.tools.building import BuildingTool
from game.app.tools.eyedropper import EyedropperTool
from game.app.tools.fill import FillTool
from game.app.tools.line import LineTool
from game.app.tools.paint import PaintTool
from game.app.tools.place import PlaceTool
from game.app.tools.remove import RemoveTool
from game.app.tools.stamp import StampTool

TOOLS: tuple[type[Tool], ...] = (
    PlaceTool,
    RemoveTool,
    PaintTool,
    BoxTool,
    LineTool,
    FillTool,
    BuildingTool,
    StampTool,
    EyedropperTool,
)

__all__ = ["TOOLS", "Pointer", "Tool"]
