"""Modal forms with text fields (save as, submit, open a file), driven by keyboard or mouse.

Tab moves between fields, Enter confirms, Escape cancels; the window forwards text and
caret movement to the focused field. A form the server refused stays open with what was typed
and shows why in red (`show_error`), so a pupil corrects one field instead of typing all again.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import pyglet

from game.app.widgets import FONT, INK, MUTED, PAPER, Canvas
from game.core.errors import QuartierError
from game.core.i18n import Language

ERROR = (190, 30, 30, 255)


@dataclass
class Field:
    key: str
    label: str
    value: str = ""
    limit: int = 120


class Dialog:
    def __init__(
        self,
        title: str,
        intro: str,
        fields: list[Field],
        ok: str,
        cancel: str,
        on_ok: Callable[[dict[str, str]], None],
        on_cancel: Callable[[], None],
        big: str = "",
    ) -> None:
        self.title, self.intro, self.fields = title, intro, fields
        self.big = big  # a short word shown large under the intro (a room's code, to read out)
        self.ok_label, self.cancel_label = ok, cancel
        self.on_ok, self.on_cancel = on_ok, on_cancel
        self.focus = 0
        self.size: tuple[float, float, float] = (0, 0, 0.0)
        self.canvas = Canvas()
        self.layouts: list = []
        self.carets: list = []
        self.error = ""
        self.error_color = ERROR

    def show_error(self, message: str, problem: bool = True) -> None:
        """Say what went wrong inside the form (in red; grey for news such as "joining…"),
        keeping every field as typed."""
        self.error, self.error_color = message, ERROR if problem else MUTED
        self.size = (0, 0, 0.0)  # laid out again on the next frame, from the current values

    def layout(self, width: float, height: float, scale: float = 1.0) -> None:
        """Lay the form out for a window of `width`×`height` pixels at the UI's `scale`
        (`widgets.ui_scale`); again only when one of them changed."""
        if (width, height, scale) == self.size:
            return
        values = self.values()
        self.size = (width, height, scale)
        self.canvas = Canvas(scale=scale)
        c = self.canvas
        width, height = width / scale, height / scale
        w = min(560, width - 40)
        intro = None
        if self.intro:  # measured first: a long German sentence pushes the fields down
            intro = c.label(
                self.intro, 0, 0, size=10, color=MUTED, width=w - 40, anchor_y="top", layer=2
            )
        extra = max(0, c.unit(intro.content_height) - 14) if intro else 0
        error = (
            c.label(
                self.error,
                0,
                0,
                size=10,
                color=ERROR,
                width=w - 40,
                anchor_y="bottom",
                layer=2,
            )
            if self.error
            else None
        )
        error_h = c.unit(error.content_height) + 16 if error else 0
        big_h = 70 if self.big else 0
        h = 150 + extra + 70 * len(self.fields) + error_h + big_h
        x, y = (width - w) / 2, (height - h) / 2
        c.rect(0, 0, width, height, (0, 0, 0, 110))
        c.rect(x, y, w, h, PAPER, layer=1, border=INK[:3])
        c.label(
            self.title, x + 20, y + h - 34, size=15, bold=True, layer=2, box=(x, y + h - 48, w, 48)
        )
        if intro:
            c.move(intro, x + 20, y + h - 48)
            c.fit(intro, x + 16, y + h - 74 - extra, w - 32, 28 + extra)  # above the first field
        if self.big:
            c.label(
                self.big,
                x + w / 2,
                y + h - 100 - extra,
                size=40,
                bold=True,
                anchor_x="center",
                anchor_y="center",
                layer=2,
                box=(x + 16, y + h - 136 - extra, w - 32, 72),
            )
        self.layouts, self.carets = [], []
        for i, field in enumerate(self.fields):
            fy = y + h - 120 - extra - 70 * i
            c.label(
                field.label, x + 20, fy + 34, size=10, layer=2, box=(x + 16, fy + 28, w - 32, 22)
            )
            c.rect(x + 20, fy - 4, w - 40, 30, (255, 255, 255, 255), layer=2, border=INK[:3])
            document = pyglet.text.document.UnformattedDocument(values.get(field.key, field.value))
            document.set_style(0, 0, {"font_name": FONT, "font_size": 12 * scale, "color": INK})
            layout = pyglet.text.layout.IncrementalTextLayout(
                document,
                x=round((x + 28) * scale),
                y=round(fy * scale),
                width=round((w - 56) * scale),
                height=round(24 * scale),
                multiline=False,
                batch=c.batch,
                group=c.layer(3),
            )
            caret = pyglet.text.caret.Caret(layout, color=INK)
            caret.position = len(document.text)
            caret.visible = i == self.focus
            self.layouts.append(layout)
            self.carets.append(caret)
        if error:
            c.move(error, x + 20, y + 64)
            c.fit(error, x + 16, y + 60, w - 32, error_h)
        c.button(x + w - 150, y + 16, 130, 36, self.ok_label, self.confirm, layer=2)
        c.button(x + w - 290, y + 16, 130, 36, self.cancel_label, self.on_cancel, layer=2)

    def values(self) -> dict[str, str]:
        if not self.layouts:
            return {f.key: f.value for f in self.fields}
        return {
            f.key: layout.document.text[: f.limit] for f, layout in zip(self.fields, self.layouts)
        }

    def confirm(self) -> None:
        self.on_ok(self.values())

    def on_text(self, text: str) -> None:
        if not self.carets or text in "\r\n\t":
            return
        caret = self.carets[self.focus]
        if len(self.layouts[self.focus].document.text) < self.fields[self.focus].limit:
            caret.on_text(text)

    def on_text_motion(self, motion: int) -> None:
        if self.carets:
            self.carets[self.focus].on_text_motion(motion)

    def key(self, symbol: str) -> bool:
        if symbol == "TAB" and self.carets:
            self.carets[self.focus].visible = False
            self.focus = (self.focus + 1) % len(self.fields)
            self.carets[self.focus].visible = True
        elif symbol in ("ENTER", "RETURN", "NUM_ENTER"):
            self.confirm()
        elif symbol == "ESCAPE":
            self.on_cancel()
        else:
            return False
        return True

    def click(self, x: float, y: float) -> bool:
        s = self.canvas.scale
        for i, layout in enumerate(self.layouts):
            if (
                layout.x <= x <= layout.x + layout.width
                and layout.y - 4 * s <= y <= layout.y + 26 * s
            ):
                self.carets[self.focus].visible = False
                self.focus = i
                self.carets[i].visible = True
                return True
        self.canvas.click(x, y)
        return True  # modal: nothing behind a dialog reacts

    def draw(self) -> None:
        self.canvas.draw()


T = TypeVar("T")


class Asking(Generic[T]):
    """A form's answer asked of the server on a thread (joining a workshop, a team room: up to
    seconds on a school's network), so the window keeps drawing; the form says it is waiting.
    The window polls `done` each frame and then takes `answer`."""

    def __init__(
        self, dialog: "Dialog", work: Callable[[], T], waiting: str, lang: Language, failed: str
    ) -> None:
        self.dialog, self._lang, self._failed = dialog, lang, failed
        self._outcome: dict[str, object] = {}
        dialog.show_error(waiting, problem=False)
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._outcome["value"] = work()
        except QuartierError as exc:
            self._outcome["error"] = exc

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def answer(self) -> T | None:
        """The answer, or None with the reason shown in the form, left as typed: the server's
        refusal, or `failed` for an unexpected failure (logged by the thread's hook)."""
        if "value" in self._outcome:
            return self._outcome["value"]  # type: ignore[return-value]
        error = self._outcome.get("error")
        message = error.message(self._lang) if isinstance(error, QuartierError) else self._failed
        self.dialog.show_error(message)
        return None
