"""A HUD that scales with the window, shows every text whole, and has +/− buttons for a tool's
number (issue 17, point 4).

The HUD is laid out in headless windows of 1280×720 and 1920×1080, in German and English, and
every label's measured text (pyglet's `content_width`/`content_height`) is compared with the
button or panel it sits in: a German word a few letters longer than its box fails here, not on
a classroom projector. Only layouts are made, no frames drawn: a window per size serves all.
"""

from dataclasses import replace

import pytest

SIZES = [(1280, 720), (1920, 1080)]
LANGS = ["de", "en"]


@pytest.fixture(scope="module")
def headless(headless_gl):
    """pyglet set to run headless before anything of `game.app` is imported."""
    import pyglet

    pyglet.options["headless"] = True
    pyglet.options["shadow_window"] = False


@pytest.fixture(scope="module")
def windows(headless):
    """One editor window per size on the demo level, made once for the module."""
    from game.app.launch import PlayOptions, create_editor
    from game.app.window import EditorWindow

    made = {
        size: EditorWindow(create_editor(PlayOptions(level="demo")), *size, visible=False)
        for size in SIZES
    }
    yield made
    for w in made.values():
        w.close()


def content_box(label) -> tuple[float, float, float, float]:
    """Where a label's text really is (x0, y0, x1, y1 in window pixels): its layout box,
    narrowed to the text's measured width where the layout is wider (wrapped text)."""
    width, height = label.content_width, label.content_height
    left = label.left
    if label.width is not None:  # wrapped: the text is aligned inside the layout's width
        free = label.width - width
        left += {"left": 0, "center": free / 2, "right": free}[label.get_style("align")]
    bottom = label.bottom
    if label.height is None and label.multiline and label.anchor_y == "top":
        bottom = label.y - height
    return left, bottom, left + width, bottom + height


def clipped(canvas, width: int, height: int) -> list[str]:
    """Every label of `canvas` that runs out of its box or out of the window, described."""
    problems = []
    tolerance = 1.5  # pixels: rounding of the layout to whole pixels
    for label, (bx, by, bw, bh) in canvas.boxes:
        x0, y0, x1, y1 = content_box(label)
        if x0 < bx - tolerance or x1 > bx + bw + tolerance:
            problems.append(f"{label.text!r} is {x1 - x0:.0f} px wide in a box of {bw:.0f}")
        if y0 < by - tolerance or y1 > by + bh + tolerance:
            problems.append(f"{label.text!r} is {y1 - y0:.0f} px high in a box of {bh:.0f}")
    for item in canvas.items:
        if hasattr(item, "content_width") and item.text:
            x0, y0, x1, y1 = content_box(item)
            if x0 < -tolerance or y0 < -tolerance or x1 > width + tolerance or y1 > height + 1:
                problems.append(f"{item.text!r} runs out of the window")
    return problems


def overlapping(canvas) -> list[str]:
    """Buttons drawn over each other (a tool under the palette, the budget bar under a button)."""
    problems = []
    buttons = canvas.buttons
    for i, a in enumerate(buttons):
        for b in buttons[i + 1 :]:
            w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
            h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
            if w > 0.5 and h > 0.5:
                problems.append(f"{a.label!r} and {b.label!r} overlap")
    return problems


def hud_in(window, lang: str, tool: str = "building") -> None:
    """The HUD of `window` laid out again in `lang` with `tool` chosen (no frame drawn)."""
    window.editor.lang = lang
    window.editor.select_tool(tool)
    window.hud.marker_text = None
    window.hud._state = None
    window.hud.refresh(window.width, window.height, False, window.ui_scale)


def test_the_ui_grows_with_the_window_and_the_screen(headless):
    from game.app.widgets import ui_scale

    assert ui_scale(1280, 720) == 1
    assert ui_scale(1920, 1080) == 1.5  # a projector: text half as big again
    assert ui_scale(1024, 600) == 1  # a small window: as the layouts were made
    assert ui_scale(1024, 600, factor=0.8) == 0.8  # smaller only when asked
    assert ui_scale(3840, 2160) == 3  # a 4K projector
    assert ui_scale(3840, 2160, factor=1.2) == pytest.approx(3.176, abs=0.001)
    # Grown by the DPI or --ui-scale, the HUD keeps 1200×680 layout units of room
    assert ui_scale(1920, 1080, factor=1.2) == pytest.approx(1080 / 680)
    assert ui_scale(1280, 720, dpi_scale=2) == pytest.approx(720 / 680)
    assert ui_scale(2560, 1440, dpi_scale=1.25) == pytest.approx(1440 / 680)


def test_the_screen_s_dpi_counts_where_the_system_does_not_scale_itself(headless):
    """On X11 or Windows at 192 DPI the window is as many pixels as asked: the UI doubles
    (within the room it needs). On a Retina Mac the system already draws each point on two
    pixels (a framebuffer twice the window): the DPI must not double it again."""
    from types import SimpleNamespace

    from game.app.widgets import window_ui_scale

    def window(framebuffer):
        return SimpleNamespace(
            width=1920, height=1080, scale=2.0, get_framebuffer_size=lambda: framebuffer
        )

    assert window_ui_scale(window((1920, 1080))) == pytest.approx(1080 / 680)  # not 1.5 × 2
    assert window_ui_scale(window((3840, 2160))) == 1.5


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_as_big_as_asked_the_hud_still_fits(windows, size):
    """`--ui-scale 3` on a projector: as big as the window leaves room for, nothing cut off."""
    window = windows[size]
    window.ui_factor = 3
    try:
        hud_in(window, "de")
        assert window.hud.scale > window.height / 720
        assert clipped(window.hud.canvas, *size) == []
        assert overlapping(window.hud.canvas) == []
        toolbar = [
            b
            for b in window.hud.canvas.buttons
            if 7 * window.hud.scale < b.x < 9 * window.hud.scale
        ]
        assert len(toolbar) == 9
        palette_top = window.hud.view_rows(window.height)[0]
        assert min(b.y for b in toolbar) >= palette_top - 0.5  # the ninth tool above the palette
    finally:
        window.ui_factor = 1


def test_ui_scale_option_and_environment(monkeypatch):
    from game.app.launch import parse_ui_scale
    from game.core.errors import QuartierError

    monkeypatch.delenv("QUARTIER_UI_SCALE", raising=False)
    assert parse_ui_scale(None) == 1
    assert parse_ui_scale("1,5") == 1.5  # as a German teacher writes it
    monkeypatch.setenv("QUARTIER_UI_SCALE", "1.25")
    assert parse_ui_scale(None) == 1.25
    assert parse_ui_scale("2") == 2  # the option wins
    with pytest.raises(QuartierError) as refused:
        parse_ui_scale("big")
    assert "0,5 bis 3" in refused.value.message("de")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_text_is_bigger_on_a_big_window(windows, size):
    """At 1920×1080 the same label is drawn half as big again as at 1280×720."""
    window = windows[size]
    hud_in(window, "en")
    button = next(b for b in window.hud.canvas.buttons if b.label == "Submit")
    assert button.h == pytest.approx(34 * size[1] / 720)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_hud_text_is_cut_off(windows, size, lang):
    """Palette labels, tool name and its +/− value, the indicator panel with its goals, the
    top bar and an open explanation: each text inside its box and the window."""
    window = windows[size]
    for tool in ("building", "box", "place"):
        hud_in(window, lang, tool)
        assert clipped(window.hud.canvas, *size) == [], (tool, lang)
        assert overlapping(window.hud.canvas) == [], (tool, lang)
    hud = window.hud
    assert any(hud.canvas.boxes), "the HUD names the boxes its labels must fit in"
    # Every category's palette and every indicator's explanation (the longest texts).
    from game.core.indicators import INDICATORS

    for category in window.level.catalogue.categories:
        hud._pick_category(category.key)()
        hud_in(window, lang)
        assert clipped(hud.canvas, *size) == [], category.key
    window.editor.show(window.editor.t("error.bad_ui_scale", value="2.5x") * 3)  # a long message
    hud_in(window, lang, "box")
    assert clipped(hud.canvas, *size) == []
    phone_panel_is_whole(window, lang, size)
    window.editor.participant = joined_long_names()  # in a workshop, building alone
    try:
        for tool in ("building", "box"):
            hud_in(window, lang, tool)
            assert clipped(hud.canvas, *size) == [], ("build together", tool)
            assert overlapping(hud.canvas) == [], ("build together", tool)
            labels = {b.label for b in hud.canvas.buttons}
            assert {window.editor.t("hud.make_room"), window.editor.t("hud.join_room")} <= labels
    finally:
        window.editor.participant = None
    for indicator in INDICATORS:
        hud._explain(indicator)()
        hud._state = None
        hud.refresh(window.width, window.height, False, window.ui_scale)
        assert clipped(hud.canvas, *size) == [], indicator.key


def joined_long_names():
    """A pupil in a workshop with a long name and a personal code."""
    from game.sync import Participant

    return Participant(
        server="http://192.168.100.200:8765",
        token="t",
        participant_id="p",
        workshop_id="w",
        pseudonym="Flinker Fuchs",
        workshop_title="Unser Viertel am alten Parkplatz, Klasse 7b",
        personal_code="ABCD-EFGH",
        level_id="demo",
    )


def phone_panel_is_whole(window, lang: str, size) -> None:
    """The phone panel (F5) of a pupil in a workshop with a long name, with a personal code
    and without (joined before there were personal codes), and on a computer not joined."""
    joined = joined_long_names()
    hud = window.hud
    hud.phone_open = True
    try:
        for person in (joined, replace(joined, personal_code=""), None):
            window.editor.participant = person
            hud_in(window, lang, "box")
            assert clipped(hud.canvas, *size) == [], person
    finally:
        hud.phone_open = False
        window.editor.participant = None


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_dialog_text_is_cut_off(windows, size, lang):
    window = windows[size]
    window.editor.lang = lang
    window.editor.participant = joined_long_names()
    rooms = [lambda: window.open_team_room(create=True), lambda: window.open_team_room(False)]
    try:
        for open_ in (window.open_submit, window.open_save_as, window.open_import_stamp, *rooms):
            open_()
            window.dialog.show_error(window.editor.t("error.bad_ui_scale", value="x"))
            window.dialog.layout(window.width, window.height, window.ui_scale)
            assert clipped(window.dialog.canvas, *size) == [], open_
            window.dialog = None
    finally:
        window.editor.participant = None
    window.toggle_help()  # the keys: F1
    assert clipped(window.help_canvas, *size) == []
    assert min(label.bottom for label, _ in window.help_canvas.boxes) > 0, "the help fits"
    window.toggle_help()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_start_screen_text_is_cut_off(headless, tmp_path, monkeypatch, size, lang):
    """The start screen with the bundled levels' cards and the join form."""
    monkeypatch.setenv("QUARTIER_HOME", str(tmp_path))
    from game.app.start import StartWindow
    from game.io import storage
    from game.io.paths import participant_file
    from game.sync import save_participant

    window = StartWindow(lang, *size, visible=False)
    try:
        start = window.start
        start.layout()
        assert clipped(start.canvas, *size) == []
        # Joined the day before: the workshop's name and "build for it" first.
        save_participant(joined_long_names(), participant_file(), storage)
        start.size = (0, 0, 0.0)
        start.layout()
        assert clipped(start.canvas, *size) == []
        start.open_join()
        start.dialog.layout(window.width, window.height, start.scale)
        assert clipped(start.dialog.canvas, *size) == []
    finally:
        window.close()


def test_the_plus_and_minus_buttons_change_the_floors_and_the_building(window):
    """The building tool's + and − beside it: clicked as a pupil clicks (a real mouse press at
    the button's centre, through the script runner), they show and set the floors built."""
    import json

    from game.app.script import ScriptRunner, parse_ui_script

    runner = ScriptRunner(window)
    steps = [
        {"do": "tool", "tool": "building"},
        {"do": "block", "block": "housing"},
        {"do": "button", "label": "higher"},  # the + beside the tool
        {"do": "button", "label": "higher"},
    ]
    runner.run(parse_ui_script(json.dumps(steps)))
    tool = window.editor.tool
    assert tool.floors == 5
    assert any(label.text == "Floors: 5" for label, _ in window.hud.canvas.boxes)
    runner.run(parse_ui_script(json.dumps([{"do": "button", "label": "lower"}])))
    assert tool.floors == 4
    before = window.editor.session.grid.copy()
    drag = {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [52, 54, 0]}}
    runner.run(parse_ui_script(json.dumps([drag])))
    grid = window.editor.session.grid
    column = grid[51, 53, 1:]
    built = int((column != 0).sum())
    assert (before != grid).any()
    assert built == window.level.floors_to_voxels(4) + 1  # four floors and the roof


def test_the_buttons_stop_at_the_tool_s_limits(window):
    """At one voxel high the box's − is greyed and takes no click; + still works, and the box
    is built as high as shown. (The place and remove tools' glyphs are a + and a − too: these
    buttons are named for scripts.)"""
    import json

    from game.app.script import ScriptRunner, parse_ui_script

    runner = ScriptRunner(window)
    runner.run(parse_ui_script(json.dumps([{"do": "tool", "tool": "box"}])))
    labels = {b.label for b in window.hud.canvas.buttons}
    assert window.editor.tool.height == 1
    assert "higher" in labels and "lower" not in labels
    steps = [
        {"do": "button", "label": "higher"},
        {"do": "button", "label": "higher"},
        {"do": "block", "block": "housing"},
        {"do": "drag", "from": {"voxel": [50, 52, 0]}, "to": {"voxel": [51, 53, 0]}},
    ]
    runner.run(parse_ui_script(json.dumps(steps)))
    assert window.editor.tool.height == 3
    assert any(label.text == "Height: 3" for label, _ in window.hud.canvas.boxes)
    assert int((window.editor.session.grid[50, 52, 1:] != 0).sum()) == 3
