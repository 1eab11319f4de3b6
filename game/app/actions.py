"""Every editor command as data: id, shortcuts and help text.

The key handler, the HUD buttons, the help overlay and scripted sessions all read this table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from game.app.tools import TOOLS

if TYPE_CHECKING:
    from game.app.window import EditorWindow


@dataclass(frozen=True)
class Action:
    id: str
    keys: tuple[str, ...]  # "CTRL+Z", "F2", "1"...
    run: Callable[["EditorWindow"], object]  # what it returns is ignored


def _tool(tool_id: str) -> Callable[["EditorWindow"], None]:
    return lambda w: w.editor.select_tool(tool_id)


ACTIONS: tuple[Action, ...] = (
    Action("undo", ("CTRL+Z",), lambda w: w.editor.undo()),
    Action("redo", ("CTRL+Y", "CTRL+SHIFT+Z"), lambda w: w.editor.redo()),
    Action("save", ("CTRL+S",), lambda w: w.editor.save()),
    Action("save_as", ("CTRL+SHIFT+S",), lambda w: w.open_save_as()),
    Action("submit", ("CTRL+E",), lambda w: w.open_submit()),
    Action("import_stamp", ("CTRL+I",), lambda w: w.open_import_stamp()),
    Action("toggle_walk", ("TAB",), lambda w: w.toggle_walk()),
    Action("view_bird", ("F2",), lambda w: w.view_preset("bird")),
    Action("view_top", ("F3",), lambda w: w.view_preset("top")),
    Action("view_street", ("F4",), lambda w: w.view_preset("street")),
    Action("help", ("F1",), lambda w: w.toggle_help()),
    Action("phone", ("F5",), lambda w: w.toggle_phone()),
    Action("toggle_markers", ("I",), lambda w: w.editor.toggle_markers()),
    Action("toggle_sound", ("F6",), lambda w: w.editor.toggle_sound()),
    Action("toggle_detail", ("F7",), lambda w: setattr(w, "detail", not w.detail)),
    Action("time_of_day", ("T",), lambda w: w.next_time_of_day()),
    Action("toggle_people", ("P",), lambda w: w.toggle_people()),
    Action("make_room", ("F8",), lambda w: w.open_team_room(create=True)),
    Action("join_room", ("F9",), lambda w: w.open_team_room(create=False)),
    Action("cancel", ("ESCAPE",), lambda w: w.cancel()),
) + tuple(Action(f"tool_{t.id}", (t.shortcut,), _tool(t.id)) for t in TOOLS)

BY_ID = {a.id: a for a in ACTIONS}


def key_name(symbol: str) -> str:
    """A key as this table, the tools and the help spell it, from pyglet's name for it: pyglet
    calls the digit keys `_1`…`_9` (and the keypad's `NUM_1`…), the table says `1`…`9`."""
    for prefix in ("_", "NUM_"):
        digit = symbol.removeprefix(prefix)
        if symbol.startswith(prefix) and len(digit) == 1 and digit.isdigit():
            return digit
    return symbol


def shortcut_name(symbol: str, ctrl: bool, shift: bool) -> str:
    return "+".join((["CTRL"] if ctrl else []) + (["SHIFT"] if shift else []) + [symbol])


BY_KEY = {key: action for action in ACTIONS for key in action.keys}
