"""The editor's heads-up display: top bar with budget, toolbar, palette, hints, toasts, markers,
the workshop the pupil joined, and the phone panel with their personal code and its QR code."""

from collections.abc import Callable
from functools import partial

import numpy as np
import pyglet

from game.app.qr import qr_image
from game.app.team_room import PANEL_W as ROOM_PANEL
from game.app.team_room import draw_panel
from game.app.widgets import ACCENT, INK, MUTED, PAPER, Canvas
from game.core.bilingual import Text
from game.core.i18n import Language, text
from game.core.indicators import INDICATORS, Cost
from game.core.indicators import stars as count_stars
from game.core.raycast import cast_ray

# Sizes in layout units (pixels at 1280×720; `Canvas.scale` times more in a larger window).
TOP_BAR = 52
PALETTE = 112
# The top bar and the palette are drawn by the window's clear, in this colour: the 3D view is
# scissored to the rows between them, so the clear shows only there. On llvmpipe a clear is a
# memset per tile, while the two bars drawn as rectangles blended a fifth of the window's pixels.
BARS = PAPER
TOOL = 50
PANEL = 300
ROW = 19
QR_SIZE = 220
STEP = 44  # the +/− buttons beside a tool: big enough for a finger on a touch screen
GOOD, BAD, SAME = (30, 130, 60, 255), (200, 40, 40, 255), (110, 116, 122, 255)


def euros(value: float, lang: Language) -> str:
    return Cost.display(value, lang)


class Hud:
    def __init__(
        self, editor, actions: Callable[[str], Callable[[], None]], size: tuple[int, int]
    ) -> None:
        self.editor = editor
        self.action = actions
        categories = [c.key for c in editor.level.catalogue.categories]
        self.category = (
            editor.level.catalogue.block(editor.block).category
            if editor.block in editor.level.allowed
            else categories[0]
        )
        self.canvas = Canvas()
        self.marker_text: Text | None = None
        self.preview_cost = 0.0
        self.phone_open = False
        self._phone_rect = (0.0, 0.0, 0.0, 0.0)
        self._qr: tuple[tuple[str, int], pyglet.image.ImageData] | None = None
        self._state = None
        self._goals_checked: tuple[tuple, list] | None = None
        self.size = size
        self.scale = 1.0
        self._panel = (0.0, 0.0, 0.0, 0.0)  # the indicator panel, in layout units
        self._room_rect = (0.0, 0.0, 0.0, 0.0)  # the team room's panel

    def _palette_blocks(self):
        return [
            b
            for b in self.editor.level.catalogue.in_category(self.category)
            if b.key in self.editor.level.allowed
        ]

    def state(self):
        e = self.editor
        metrics = e.metrics
        return (
            self.size,
            self.scale,
            e.tool.id,
            tuple(sorted(e.tool.status().items())),
            e.block,
            self.category,
            round(e.session.cost),
            round(self.preview_cost),
            e.current_toast(),
            _celebration_step(e.current_celebration()),
            self.marker_text,
            self.phone_open,
            e.participant,
            e.asking_phone_code,
            e.can_undo,
            e.can_redo,
            e.doc.title,
            tuple(metrics.values.items()),
            frozenset(metrics.stale),
            e.room.state() if e.room else None,
        )

    def refresh(self, width: float, height: float, walking: bool, scale: float = 1.0) -> None:
        """Lay the HUD out again if anything it shows changed; `scale` is the window's UI scale
        (`widgets.ui_scale`): the layout is made in layout units, `width / scale` wide."""
        self.size, self.scale = (int(width), int(height)), scale
        state = self.state() + (walking,)
        if state == self._state:
            return
        self._state = state
        self.canvas = Canvas(self.canvas, scale)
        width, height = width / scale, height / scale
        self._top_bar(width, height, walking)
        self._toolbar(height)
        self._palette(width)
        self._hint_and_toast(width, walking)
        self._indicators(width, height)
        self._celebration(width, height)
        if self.marker_text is not None:
            self._marker_panel(width, height, self.marker_text)
        self._room_panel(width, height)
        if self.phone_open:
            self._phone_panel(width, height)
        self.canvas.finish()

    def _top_bar(self, width, height, walking):
        e, c, t = self.editor, self.canvas, self.editor.t
        bx = width - 8
        buttons = [
            (t("hud.submit"), "submit", True),
            (t("hud.phone"), "phone", True),
            (t("hud.save_as"), "save_as", True),
            (t("hud.save"), "save", True),
            (t("hud.walk" if not walking else "hud.orbit"), "toggle_walk", True),
            ("↷", "redo", e.can_redo),
            ("↶", "undo", e.can_undo),
        ]
        for label, action, enabled in buttons:
            w = 36 if len(label) == 1 else c.button_width(label, 11)
            bx -= w + 6
            c.button(
                bx,
                height - TOP_BAR + 9,
                w,
                34,
                label,
                self.action(action),
                enabled=enabled,
                size=16 if len(label) == 1 else 11,
            )
        # The budget and its bar sit just left of the buttons; the title gets what is left. In
        # a narrow window the bar goes and the amount moves up to the buttons.
        budget, cost = e.level.doc.budget, e.session.cost
        amount = f"{euros(cost, e.lang)} / {euros(budget, e.lang)}"
        x, wide = bx - 400, bx - 400 >= 200
        if not wide:
            x = max(bx - c.width_of(amount, 11, bold=True) - 16, 120)
        title = e.doc.title or e.level.doc.title.in_(e.lang)
        person = e.participant
        # A long title is set smaller, and only a very long one (a pupil's own) ends in "…"
        # before the budget: it never runs under it.
        room = (14, height - TOP_BAR, x - 24, TOP_BAR)
        size = next((n for n in (14, 13, 12, 11) if c.width_of(title, n, bold=True) <= room[2]), 11)
        size = min(size, 13) if person else size
        c.label(
            c.shorten(title, room[2], size, bold=True),
            14,
            height - (24 if person else 32),
            size=size,
            bold=True,
            box=room,
        )
        if person is not None:  # which workshop the design goes to, and under which nickname
            workshop = t(
                "hud.workshop",
                workshop=person.workshop_title or person.workshop_id,
                pseudonym=person.pseudonym,
            )
            c.label(
                c.shorten(workshop, room[2], 9),
                14,
                height - 44,
                size=9,
                color=MUTED,
                box=room,
            )
        over = cost > budget
        c.label(t("hud.budget"), x, height - 22, size=10, color=MUTED)
        c.label(
            amount,
            x,
            height - 42,
            size=11,
            bold=True,
            color=(200, 30, 30, 255) if over else INK,
        )
        # What the preview would cost: above the bar, else beside "Cost / budget".
        bar_x = x + 250
        preview_at = (bar_x, height - 19)
        if wide:
            c.rect(bar_x, height - 36, 130, 12, (225, 225, 225, 255))
            share = min(1.0, cost / budget) if budget else 1.0
            if share > 0:
                c.rect(
                    bar_x,
                    height - 36,
                    130 * share,
                    12,
                    (200, 30, 30, 255) if over else (46, 160, 67, 255),
                )
        else:
            preview_at = (x + c.width_of(t("hud.budget"), 10) + 12, height - 22)
        if self.preview_cost:
            sign = "+" if self.preview_cost > 0 else "−"
            c.label(
                t("hud.preview_cost", cost=f"{sign}{euros(abs(self.preview_cost), e.lang)}"),
                *preview_at,
                size=9,
                bold=True,
                color=(180, 90, 0, 255),
            )

    def _toolbar(self, height):
        e, c = self.editor, self.canvas
        y = height - TOP_BAR - 10
        # Nine tools one above the other: in a low window (960×540) they get smaller, so the
        # last one stays above the palette.
        size = min(TOOL, (y - PALETTE - 4) / len(e.tools) - 6)
        for tool in e.tools.values():
            y -= size + 6
            c.button(
                8,
                y,
                size,
                size,
                tool.glyph,
                self.action(f"tool_{tool.id}"),
                active=tool is e.tool,
                size=20 * size / TOOL,
            )
            c.label(tool.shortcut, 8 + size - 10, y + 4, size=8, color=MUTED)
            if tool is e.tool:
                name = e.t(f"tool.{tool.id}")
                w = c.width_of(name, 11, bold=True) + 14
                middle = y + size / 2
                c.rect(TOOL + 14, middle - 13, w, 26, PAPER)
                c.label(
                    name,
                    TOOL + 20,
                    middle - 6,
                    size=11,
                    bold=True,
                    box=(TOOL + 14, middle - 13, w, 26),
                )
                self._steps(TOOL + 14 + w + 6, middle - STEP / 2)

    def _steps(self, x: float, y: float) -> None:
        """−, the value and + beside a tool with a number (the box's height, the building's
        floors): a mouse or a finger changes it without the keyboard."""
        e, c = self.editor, self.canvas
        parameter = getattr(e.tool, "parameter", None)
        if parameter is None:
            return
        value = e.t(f"hud.{parameter}", **e.tool.status())
        low, high = e.tool.parameter_range()
        current = getattr(e.tool, parameter)
        c.button(
            x,
            y,
            STEP,
            STEP,
            "−",
            partial(self._step, -1),
            size=18,
            enabled=current > low,
            name=e.t("hud.step_down"),
        )
        w = c.width_of(value, 12, bold=True) + 20
        c.rect(x + STEP + 4, y + 4, w, STEP - 8, PAPER, border=(200, 204, 208))
        c.label(
            value,
            x + STEP + 4 + w / 2,
            y + STEP / 2,
            size=12,
            bold=True,
            anchor_x="center",
            anchor_y="center",
            box=(x + STEP + 4, y + 4, w, STEP - 8),
        )
        c.button(
            x + STEP + w + 8,
            y,
            STEP,
            STEP,
            "+",
            partial(self._step, 1),
            size=18,
            enabled=current < high,
            name=e.t("hud.step_up"),
        )

    def _step(self, delta: int) -> None:
        self.editor.tool.step(delta)

    def _palette(self, width):
        e, c = self.editor, self.canvas
        x: float = 10
        for category in e.level.catalogue.categories:
            if not any(
                b.key in e.level.allowed for b in e.level.catalogue.in_category(category.key)
            ):
                continue
            name = category.name.in_(e.lang)
            w = c.button_width(name, 10, pad=8)
            c.button(
                x,
                PALETTE - 32,
                w,
                26,
                name,
                self._pick_category(category.key),
                active=category.key == self.category,
                size=10,
            )
            x += w + 4
        x = 10
        for block in self._palette_blocks():
            name = block.name.in_(e.lang)
            # A tile is wider for a long word ("Nachbarschaftszentrum"): German words do not
            # wrap, and two lines of a long name ("Geförderte Wohnungen") fit under the cube.
            w = max(84, max(c.width_of(word, 8) for word in name.split()) + 10)
            if block.key == e.block:
                c.rect(x - 4, 2, w, 74, ACCENT)
            c.cube(x - 4 + w / 2 - 15, 38, 30, block.rgb)
            c.label(
                name,
                x - 4 + w / 2,
                35,
                size=8,
                anchor_x="center",
                anchor_y="top",
                width=w - 2,
                align="center",
                box=(x - 4, 0, w, 76),
            )
            c.area(x - 4, 2, w, 74, partial(e.select_block, block.key))
            x += w + 4

    def _pick_category(self, key):
        def pick():
            self.category = key
            blocks = self._palette_blocks()
            if blocks and self.editor.block not in {b.key for b in blocks}:
                self.editor.select_block(blocks[0].key)

        return pick

    def _hint_and_toast(self, width, walking):
        e, c = self.editor, self.canvas
        hint = e.t("hud.walk_hint") if walking else e.t(f"tool.{e.tool.id}.hint", **e.tool.status())
        room = width - 77 - PANEL - 30  # left of the indicator panel, on two lines if need be
        c.note(hint, 77, PALETTE + 20, wrap=room if c.width_of(hint, 10) > room else None)
        toast = e.current_toast()
        if toast:
            c.note(
                toast,
                width / 2,
                PALETTE + 66,
                size=12,
                color=(255, 255, 255, 255),
                background=(33, 37, 41, 230),
                center=True,
                pad=14,
                wrap=min(width - 180, 820),
            )

    def _indicators(self, width, height):
        """The numbers of the neighbourhood with their change since the start, the goals and the stars."""
        e, c = self.editor, self.canvas
        values, stale = e.metrics.values, e.metrics.stale
        shown = [i for i in INDICATORS if i.key not in ("cost", "budget")]
        goals = self._goals()
        x, top = width - PANEL - 8, height - TOP_BAR - 8
        c.label(
            e.t("hud.neighbourhood"),
            x + 10,
            top - 22,
            size=11,
            bold=True,
            box=(x, top - 30, PANEL - 60, 30),
        )
        stars = count_stars(goals)
        c.label(
            "★" * stars + "☆" * (3 - stars),
            x + PANEL - 10,
            top - 22,
            size=14,
            color=(230, 160, 0, 255),
            anchor_x="right",
        )
        c.label(
            e.t("hud.since_start"),
            x + PANEL - 10,
            top - 42,
            size=8,
            color=MUTED,
            anchor_x="right",
            box=(x, top - 48, PANEL, 20),
        )
        y = top - 44
        for indicator in shown:
            y -= ROW
            value, start = values.get(indicator.key), self.editor.start_values.get(indicator.key)
            c.area(x, y - 5, PANEL, ROW, self._explain(indicator))
            if value is None:
                shown_value, bold = e.t("hud.computing"), False
            else:
                waiting = e.t("hud.computing") if indicator.key in stale else ""
                shown_value, bold = indicator.display(value, e.lang) + waiting, True
            # The name has the room the value leaves: they never run into each other.
            value_w = c.width_of(shown_value, 9, bold)
            c.label(
                f"{indicator.icon} {indicator.name(e.lang)}".strip(),
                x + 10,
                y,
                size=9,
                box=(x + 6, y - 5, 200 - value_w - 12, ROW),
            )
            c.label(
                shown_value,
                x + 200,
                y,
                size=9,
                bold=bold,
                anchor_x="right",
                box=(x + 6, y - 5, 196, ROW),
            )
            if value is None:
                continue
            arrow, colour = _trend(value, start, indicator)
            if not arrow:
                continue
            c.label(arrow, x + 214, y, size=9, color=colour, box=(x + 204, y - 5, 24, ROW))
            if start is not None:
                delta = indicator.display(abs(value - start), e.lang)
                c.label(
                    ("+" if value > start else "−") + delta,
                    x + PANEL - 8,
                    y,
                    size=8,
                    color=colour,
                    anchor_x="right",
                    box=(x + 226, y - 5, PANEL - 230, ROW),
                )
        y -= 26
        c.label(e.t("hud.goals"), x + 10, y, size=10, bold=True, box=(x, y - 6, PANEL, ROW + 4))
        y -= 6
        for goal in goals:  # whole sentences, on as many lines as they take
            label = c.label(
                ("✓ " if goal.met else "○ ") + goal.text.in_(e.lang),
                x + 10,
                y,
                size=9,
                color=GOOD if goal.met else INK,
                width=PANEL - 20,
                anchor_y="top",
            )
            lines = c.unit(label.content_height)
            c.fit(label, x, y - lines - 2, PANEL, lines + 4)
            y -= lines + 3
        bottom = y - 8
        self._panel = (x, bottom, PANEL, top - bottom)
        c.rect(x, bottom, PANEL, top - bottom, (255, 255, 255, 235), border=(200, 204, 208))

    def _celebration(self, width, height):
        """A goal or star reached: a banner that grows in, stays and fades (the HUD is made
        again for each of its 20 steps, so the animation costs nothing once it is over)."""
        step = _celebration_step(self.editor.current_celebration())
        if step is None:
            return
        message, n = step
        grow = min(1.0, n / 3)
        alpha = int(255 * min(1.0, (CELEBRATION_STEPS - n) / 4))
        self.canvas.note(
            message,
            width / 2,
            height * 0.62,
            size=round(14 + 10 * grow),
            color=(255, 255, 255, alpha),
            background=(230, 150, 0, int(0.9 * alpha)),
            center=True,
            pad=20,
            wrap=min(width - 180, 820),
        )

    def _explain(self, indicator):
        """Clicking a number shows what it means, in both languages' words."""

        def show():
            # What qualifies the value now (no homes yet, too small for a flat) comes after.
            note = self.editor.metrics.notes.get(indicator.key)
            self.marker_text = Text(
                **{
                    lang: f"{indicator.name(lang)}: {indicator.explain(lang)}"
                    + (f" {text(lang, note)}" if note else "")
                    for lang in ("de", "en")
                }
            )

        return show

    def _goals(self):
        """The level's goals, checked again only when the design or a value changed: checking
        them reads the whole grid (5 ms on the demo level), and the HUD is made again for every
        change of the cost a drag would add, which changes neither."""
        metrics = self.editor.metrics
        key = (
            id(metrics),
            metrics.version,
            tuple(metrics.values.items()),
            frozenset(metrics.stale),
        )
        if self._goals_checked is None or self._goals_checked[0] != key:
            self._goals_checked = (key, metrics.goals())
        return self._goals_checked[1]

    def _marker_panel(self, width, height, marker_text: Text):
        c = self.canvas
        w = 360
        # The text is laid out first: a long explanation makes the panel taller, never cut.
        label = c.label(
            marker_text.in_(self.editor.lang), 0, 0, size=11, width=w - 60, anchor_y="top"
        )
        h = max(150, c.unit(label.content_height) + 70)
        x, y = (width - w) / 2, height - TOP_BAR - h - 12
        c.move(label, x + 44, y + h - 18)
        c.fit(label, x + 40, y + 44, w - 48, h - 56)
        c.rect(x, y, w, h, PAPER, border=(33, 37, 41))
        c.label("i", x + 18, y + h - 30, size=18, bold=True, color=(30, 110, 200, 255))
        c.button(
            x + w - 90, y + 10, 80, 28, self.editor.t("hud.close"), self._close_marker, size=10
        )

    def _room_panel(self, width, height):
        """In a team room: its code, who is in it, what they did; at the top, left of the
        indicators (the chosen tool's row, the hints and the toasts stay free)."""
        room = self.editor.room
        x, top = width - PANEL - 18 - ROOM_PANEL, height - TOP_BAR - 8
        if room is not None:
            self._room_rect = draw_panel(self.canvas, room, x, top)
        elif self.editor.participant is not None:
            self._room_rect = self._together(x, top)
        else:
            self._room_rect = (0.0, 0.0, 0.0, 0.0)

    def _together(self, x: float, top: float) -> tuple[float, float, float, float]:
        """In a workshop, building alone: a small box to make a team room or join one (the
        start screen's forms, here too), where the room's panel will be."""
        c, t = self.canvas, self.editor.t
        h = 72
        y = top - h
        c.rect(x, y, ROOM_PANEL, h, PAPER, border=INK[:3])
        title = c.label(t("hud.together"), x + 12, top - 22, size=11, bold=True)
        c.fit(title, x, y, ROOM_PANEL, h)
        half = (ROOM_PANEL - 30) / 2
        for n, action in enumerate(("make_room", "join_room")):
            c.button(
                x + 10 + n * (half + 10),
                y + 8,
                half,
                30,
                t(f"hud.{action}"),
                self.action(action),
                size=10,
            )
        return x, y, ROOM_PANEL, h

    def _close_marker(self):
        self.marker_text = None

    def toggle_phone(self) -> None:
        self.phone_open = not self.phone_open

    def _phone_panel(self, width, height):
        """The personal code and its QR code: a phone that scans it votes as this pupil."""
        e, c, t = self.editor, self.canvas, self.editor.t
        person = e.participant
        url = person.phone_url() if person else ""
        room = height - TOP_BAR - PALETTE - 20
        qr = max(120, min(QR_SIZE, room - 250))
        w = 440
        h = 250 + qr if url else 200 if person else 190
        x, y = (width - w) / 2, max(PALETTE + 8, height - TOP_BAR - h - 12)
        self._phone_rect = (x, y, w, h)
        c.rect(x, y, w, h, PAPER, layer=2, border=INK[:3])
        c.label(
            t("hud.phone_title"),
            x + 18,
            y + h - 32,
            size=14,
            bold=True,
            layer=3,
            box=(x, y + h - 44, w, 44),
        )
        if person is None:
            intro = t("hud.phone_none")
        elif url:
            intro = t("hud.phone_scan", pseudonym=person.pseudonym)
        else:  # joined before there were personal codes
            intro = t("hud.phone_missing")
            c.button(
                x + 18, y + 54, w - 36, 36, t("hud.phone_get"), e.ask_phone_code, size=11, layer=3
            )
        below = y + h - 96 if url else y + 92  # the QR code, else the buttons
        c.label(
            intro,
            x + 18,
            y + h - 48,
            size=10,
            width=w - 36,
            anchor_y="top",
            layer=3,
            box=(x + 14, below, w - 28, y + h - 46 - below),
        )
        if person and url:
            # Made in window pixels, drawn 1:1: each module whole pixels, as phones read best.
            pixels = round(qr * c.scale)
            if self._qr is None or self._qr[0] != (url, pixels):
                self._qr = ((url, pixels), qr_image(url, pixels))
            image = self._qr[1]
            side = c.unit(image.width)
            qx, qy = x + (w - side) / 2, y + h - 96 - side
            c.sprite(image, qx, qy, side, layer=3)
            code = t("hud.phone_code", code=person.personal_code)
            c.label(
                code,
                x + w / 2,
                qy - 28,
                size=next((n for n in (15, 14, 13) if c.width_of(code, n, True) < w - 24), 12),
                bold=True,
                anchor_x="center",
                layer=3,
                box=(x + 8, qy - 36, w - 16, 30),
            )
            c.label(
                url,
                x + w / 2,
                qy - 48,
                size=8,
                color=MUTED,
                anchor_x="center",
                layer=3,
                box=(x + 8, qy - 54, w - 16, 18),
            )
            c.label(
                t("hud.phone_keep"),
                x + 18,
                y + 88,
                size=9,
                color=MUTED,
                width=w - 36,
                anchor_y="top",
                layer=3,
                box=(x + 14, y + 43, w - 28, 47),
            )
        c.button(x + w - 110, y + 12, 96, 30, t("hud.close"), self.toggle_phone, size=10, layer=3)

    def click(self, x, y) -> bool:
        return self.canvas.click(x, y)

    def covers(self, x, y) -> bool:
        """Whether a point (window pixels) is on the HUD (so the 3D view must not react to it)."""
        ux, uy = x / self.scale, y / self.scale
        height = self.size[1] / self.scale
        return (
            uy > height - TOP_BAR
            or uy < PALETTE
            or (ux < TOOL + 16 and uy > PALETTE)
            or _inside(self._panel, ux, uy)
            or (self.phone_open and _inside(self._phone_rect, ux, uy))
            or _inside(self._room_rect, ux, uy)
            or any(b.contains(x, y) for b in self.canvas.buttons)
        )

    def view_rows(self, height: int) -> tuple[int, int]:
        """The rows (bottom, top; top exclusive; window pixels) of the 3D view that the opaque
        top bar and palette leave visible: the scene needs no pixels drawn under them."""
        bottom = min(round(PALETTE * self.scale), height)
        return bottom, max(bottom, height - round(TOP_BAR * self.scale))

    def draw(self) -> None:
        self.canvas.draw()


def _inside(rect: tuple[float, float, float, float], x: float, y: float) -> bool:
    rx, ry, rw, rh = rect
    return rx <= x <= rx + rw and ry <= y <= ry + rh


CELEBRATION_STEPS = 20


def _celebration_step(celebration: tuple[str, float] | None) -> tuple[str, int] | None:
    """The celebration's message and which of its animation steps is due (None: none shown)."""
    if celebration is None:
        return None
    message, phase = celebration
    return message, min(CELEBRATION_STEPS - 1, int(phase * CELEBRATION_STEPS))


def _trend(value: float, start: float | None, indicator) -> tuple[str, tuple[int, int, int, int]]:
    """An arrow for the change since the start and its colour: green better, red worse, grey
    neither; none for a value that reads as before."""
    change = indicator.trend(value, start)
    if not change:
        return "", SAME
    up = change > 0
    if indicator.better == 0:
        return ("▲" if up else "▼"), SAME
    return ("▲" if up else "▼"), GOOD if up == (indicator.better > 0) else BAD


def marker_in_sight(grid: np.ndarray, eye: np.ndarray, position) -> bool:
    """Whether the centre of the info marker at voxel `position` is seen from `eye`: no other
    solid voxel lies on the way. The markers are drawn over the 3D view, so this is their
    depth test: a wall in walk mode or a tower in front hides the marker and its click."""
    centre = np.asarray(position, float) + 0.5
    ray = centre - np.asarray(eye, float)
    distance = float(np.linalg.norm(ray))
    if distance < 1e-6:
        return True
    hit = cast_ray(grid, eye, ray, max_distance=distance)
    return hit is None or hit.voxel == tuple(position)


def marker_screen_positions(
    markers, view_proj: np.ndarray, width: int, height: int
) -> list[tuple[float, float] | None]:
    """Where each info marker appears on screen (None when behind the camera or off screen).

    On plain floats: a level has a handful of markers, and numpy's cost per call on arrays of
    four was most of this function's, every frame."""
    rows = np.asarray(view_proj, float).tolist()
    result: list[tuple[float, float] | None] = []
    for marker in markers:
        x, y, z = (c + 0.5 for c in marker.position)
        cx, cy, _, cw = (r[0] * x + r[1] * y + r[2] * z + r[3] for r in rows)
        if cw <= 0 or abs(cx) > cw or abs(cy) > cw:
            result.append(None)
            continue
        result.append(((cx / cw + 1) / 2 * width, (cy / cw + 1) / 2 * height))
    return result
