"""Keys as pupils press them, in a real headless window (issue 14: keys).

pyglet names the digit keys `_1`…`_9`; the action table said `1`…`9`, so the number keys shown
on the toolbar and in the F1 help did nothing. These tests press pyglet's real key symbols
through the window's own event dispatch, and check every key the help shows against the keys
pyglet can report.
"""

import pytest

from game.app.tools.base import LOWER, RAISE


@pytest.fixture
def key(window):
    """pyglet's key symbols (importable only once the `window` fixture chose headless)."""
    from pyglet.window import key

    return key


def press(window, symbol: int, modifiers: int = 0) -> None:
    """A key press as the platform delivers it: queued by pyglet, handled in its event loop."""
    window.dispatch_event("on_key_press", symbol, modifiers)
    window.dispatch_events()


def test_number_keys_one_to_nine_select_the_nine_tools(window, key):
    from game.app.tools import TOOLS

    assert [t.shortcut for t in TOOLS] == [str(n) for n in range(1, 10)]
    for tool in reversed(TOOLS):  # from 9 down, so that no tool is already selected
        press(window, getattr(key, f"_{tool.shortcut}"))
        assert window.editor.tool.id == tool.id


def test_the_keypad_digits_select_the_tools_too(window, key):
    press(window, key.NUM_4)
    assert window.editor.tool.id == "box"
    press(window, key.NUM_1)
    assert window.editor.tool.id == "place"


def test_every_shortcut_in_the_help_is_a_key_pyglet_reports(key):
    """Each key of the table, as `key_name` turns pyglet's names into the table's spelling."""
    from game.app.actions import ACTIONS, key_name

    reported = {key_name(key.symbol_string(s)) for s in range(0x10000) if key.symbol_string(s)}
    reported |= {key_name(name) for name in dir(key) if name.isupper() or name.startswith("_")}
    for action in ACTIONS:
        for shortcut in action.keys:
            assert shortcut.split("+")[-1] in reported, (action.id, shortcut)


@pytest.mark.parametrize("raise_, lower", list(zip(RAISE, LOWER, strict=True)))
def test_the_box_height_changes_without_altgr(window, key, raise_, lower):
    """`]`/`[` need AltGr on a German keyboard; Page Up/Page Down work on every layout."""
    press(window, key._4)
    start = window.editor.tool.height
    press(window, getattr(key, raise_))
    press(window, getattr(key, raise_))
    assert window.editor.tool.height == start + 2
    press(window, getattr(key, lower))
    assert window.editor.tool.height == start + 1


#: What a German (QWERTZ) keyboard types with a key of its own, without AltGr or Shift (pyglet's
#: names): `[ ] { } \ | @ ~` need AltGr there, `/ ; : = ' ?` need Shift (and then arrive as
#: SHIFT+… shortcuts). Y and Z swap places, but pyglet reports the letter printed on the key.
GERMAN = (
    {chr(c) for c in range(ord("A"), ord("Z") + 1)}
    | {str(n) for n in range(10)}
    | {f"F{n}" for n in range(1, 13)}
    | {"TAB", "ESCAPE", "ENTER", "RETURN", "SPACE", "BACKSPACE", "DELETE", "INSERT", "HOME"}
    | {"END", "PAGEUP", "PAGEDOWN", "UP", "DOWN", "LEFT", "RIGHT"}
    | {"PLUS", "MINUS", "COMMA", "PERIOD", "NUMBERSIGN", "LESS", "NUM_ADD", "NUM_SUBTRACT"}
)


def test_every_shortcut_has_a_key_on_a_german_keyboard():
    from game.app.actions import ACTIONS

    for action in ACTIONS:
        assert any(k.split("+")[-1] in GERMAN for k in action.keys), action.id
    for keys in (RAISE, LOWER):
        assert any(k in GERMAN for k in keys), keys
    assert "BRACKETRIGHT" in RAISE and "BRACKETLEFT" in LOWER  # kept for who is used to them


def test_the_help_shows_the_keys_for_height_and_floors(window):
    window.toggle_help()
    texts = [item.text for item in window.help_canvas.items if hasattr(item, "text")]
    assert ". / , / Page Up / Page Down" in texts, texts
    window.editor.select_tool("building")
    assert "the keys . and ," in window.editor.t("tool.building.hint", floors=3)
