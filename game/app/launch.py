"""Starting the editor: on a level or a design, in a window or headless, optionally replaying a script."""

import os
import signal
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from game import __version__
from game.core.design import DesignDocument, new_design, open_design
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.session import Session
from game.io.designs import designs_in, open_design_file, write_design
from game.io.levels import level_from_option
from game.io.paths import autosave_dir
from game.io.storage import read_document

if TYPE_CHECKING:
    from game.app.start import Choice


@dataclass
class PlayOptions:
    level: str | None = None
    design: Path | None = None
    script: Path | None = None
    screenshot: Path | None = None
    size: tuple[int, int] = (1280, 720)
    save: Path | None = None
    headless: bool = False
    lang: Language = "en"
    detail: bool = True  # `--detail off`: plain blocks, no generated windows, trees, ...
    people: bool = True  # `--people off`: no people and cars moving through the view
    # `--join`: a workshop's code or link; with `pseudonym` joined at once, else the start
    # screen asks for the nickname
    join: str | None = None
    pseudonym: str | None = None
    server: str = ""
    join_problem: str = ""  # why joining with `--join` and `--pseudonym` did not work
    # `--ui-scale` (or QUARTIER_UI_SCALE): text and buttons this much bigger than automatic
    ui_scale: float = 1.0
    room: str | None = None  # the team room's code, picked on the start screen


UI_SCALE_ENV = "QUARTIER_UI_SCALE"


def parse_ui_scale(text: str | None) -> float:
    """`--ui-scale`, else QUARTIER_UI_SCALE, else 1: a factor on the size the window and screen
    give the HUD (a projector seen from far away: 1.5, half as big again)."""
    text = text or os.environ.get(UI_SCALE_ENV) or "1"
    try:
        factor = float(text.replace(",", "."))
    except ValueError:
        raise QuartierError("error.bad_ui_scale", value=text) from None
    if not 0.5 <= factor <= 3:
        raise QuartierError("error.bad_ui_scale", value=text)
    return factor


def has_display() -> bool:
    """Whether a window can open: always on Windows and macOS, with X11 or Wayland on Linux."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise QuartierError("error.bad_size", size=text) from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise QuartierError("error.bad_size", size=text)
    return width, height


def unsaved_work(level_id: str) -> list[tuple[Path, DesignDocument]]:
    """Autosaves of this level left by a session that ended without saving, newest first."""
    return [(path, doc) for path, doc in designs_in(autosave_dir()) if doc.level.id == level_id]


def create_editor(options: PlayOptions):
    """The editor for a design file, or a new design on a level (the demo level by default)."""
    from game.app.editor import Editor

    if options.design:
        doc, session = open_design_file(options.design)
        return Editor(session, doc, options.design, options.lang)
    level = level_from_option(options.level or "demo")
    return Editor(Session(level), new_design(level, __version__), None, options.lang)


def play(options: PlayOptions) -> int:
    if not options.headless and not has_display():
        raise QuartierError("error.no_display")
    import pyglet

    pyglet.options["headless"] = options.headless
    pyglet.options["shadow_window"] = False
    # pyglet asks glGetError after every OpenGL call unless told not to (its `debug_gl`): about
    # 250 calls a frame, 0.4 ms of the editor's main thread on the demo level. Developers chasing
    # an OpenGL error set QUARTIER_GL_DEBUG=1; the tests keep the checks on.
    pyglet.options["debug_gl"] = bool(os.environ.get("QUARTIER_GL_DEBUG"))
    from game.app.script import ScriptRunner, parse_ui_script
    from game.app.window import EditorWindow

    steps = (
        parse_ui_script(read_document(options.script), options.script.name)
        if options.script
        else []
    )
    if options.join:
        options = joined_options(options)
    if not options.level and not options.design:
        choice, steps = start_screen(options, steps)
        if choice is None:
            return 0
        options = replace(options, level=choice.level, design=choice.design, room=choice.room)
    editor = create_editor(options)
    window = EditorWindow(
        editor,
        *options.size,
        visible=not options.headless,
        detail=options.detail,
        people=options.people,
        ui_factor=options.ui_scale,
    )
    if options.room:
        window.editor.join_room(options.room)  # if refused, the editor says why; alone then
    elif not options.headless and not options.design:
        offer_recovery(window)
    try:
        runner = ScriptRunner(window)
        runner.run(steps)
        runner.settle()
        if options.screenshot:
            from game.io.images import write_png

            write_png(options.screenshot, runner.frame())
        if options.save:
            write_design(options.save, window.editor.doc, window.editor.session)
        if options.headless:
            return 0
        # A logout or shutdown sends SIGTERM: leave through `finally`, so the work is autosaved.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        pyglet.clock.schedule_interval(window.update, 1 / 60)
        pyglet.app.run()
        return 0
    finally:
        if (
            not options.headless
        ):  # a scripted run saves with --save; it leaves no unsaved work behind
            window.editor.close()
        window.close()


def joined_options(options: PlayOptions) -> PlayOptions:
    """`--join`: with a nickname (or when this computer already joined that workshop), join now
    and build on the workshop's level; otherwise the start screen asks for the nickname."""
    from game.app.joining import already_joined, join_workshop, workshop_level

    assert options.join is not None
    try:
        person = already_joined(options.join, options.server)
        if person is None and options.pseudonym:
            person = join_workshop(options.join, options.server, options.pseudonym, options.lang)
        if person is None:  # the start screen's form asks for the nickname
            return replace(options, level=None, design=None)
        return replace(options, level=workshop_level(person), design=None, join=None)
    except QuartierError as exc:  # the form opens as typed and says why, as if joined there
        return replace(options, level=None, design=None, join_problem=exc.message(options.lang))


def start_screen(options: PlayOptions, steps: list) -> tuple["Choice | None", list]:
    """Show the start screen until a level or design is picked: (choice or None, the script's
    steps left for the editor). Headless, a script's first steps run there; without any, it is
    drawn once into the screenshot."""
    import pyglet

    from game.app.script import run_start_screen
    from game.app.start import StartWindow

    window = StartWindow(
        options.lang, *options.size, visible=not options.headless, ui_factor=options.ui_scale
    )
    if options.join:
        window.start.open_join(options.join, options.server, options.pseudonym or "")
        if options.join_problem and window.start.dialog:
            window.start.dialog.show_error(options.join_problem)
    if options.headless:
        steps = run_start_screen(window, steps)
        if window.choice is None:
            if options.screenshot:
                from game.app.window import capture
                from game.io.images import write_png

                window.switch_to()
                window.on_draw()
                write_png(options.screenshot, capture())
            window.close()
        return window.choice, steps
    pyglet.app.run()
    return window.choice, steps


def offer_recovery(window) -> None:
    """If an earlier session ended without saving, ask whether to continue it."""
    from game.app.dialogs import Dialog
    from game.app.editor import Editor

    found = unsaved_work(window.level.id)
    if not found:
        return
    path, doc = found[0]
    editor = window.editor
    t = editor.t

    def restore(_values):
        window.dialog = None
        try:
            session = open_design(doc, window.level, what=path.name)
        except QuartierError as exc:
            editor.show(exc.message(editor.lang))
            return
        window.replace_editor(Editor(session, doc, None, editor.lang))

    def discard():
        window.dialog = None

    when = doc.modified.astimezone().strftime("%d.%m.%Y %H:%M")
    window.dialog = Dialog(
        t("dialog.recover.title"),
        t("dialog.recover.intro", when=when, title=doc.title or "–"),
        [],
        t("dialog.recover.ok"),
        t("dialog.recover.no"),
        restore,
        discard,
    )
