"""The editor's heads-up display: top bar with budget, toolbar, palette, hints, toasts, markers,
the workshop the pupil joined, and the phone panel with their personal code and its QR code."""

from collections.abc import Callable
from functools import partial

import numpy as np
import pyglet

from game.app.qr import qr_image
from game.app.widgets import ACCENT, INK, MUTED, PAPER, Button, Canvas
from game.core.bilingual import Text
from game.core.i18n import Language, text
from game.core.indicators import INDICATORS, Cost
from game.core.indicators import stars as count_stars
from game.core.raycast import cast_ray

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
            e.session.history.can_undo,
            e.session.history.can_redo,
            e.doc.title,
            tuple(metrics.values.items()),
            frozenset(metrics.stale),
        )

    def refresh(self, width: int, height: int, walking: bool) -> None:
        self.size = (width, height)
        state = self.state() + (walking,)
        if state == self._state:
            return
        self._state = state
        self.canvas = Canvas(self.canvas)
        self._top_bar(width, height, walking)
        self._toolbar(height)
        self._palette(width)
        self._hint_and_toast(width, walking)
        self._indicators(width, height)
        self._celebration(width, height)
        if self.marker_text is not None:
            self._marker_panel(width, height, self.marker_text)
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
            ("↷", "redo", e.session.history.can_redo),
            ("↶", "undo", e.session.history.can_undo),
        ]
        for label, action, enabled in buttons:
            w = 36 if len(label) == 1 else 18 + 8.5 * len(label)
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
        # The budget sits just left of the buttons; the title gets what is left.
        x = max(bx - 400, 200)
        title = e.doc.title or e.level.doc.title.in_(e.lang)
        room = int((x - 30) / 10)  # bold letters are wider than 9 px; the budget must stay clear
        person = e.participant
        c.label(
            title if len(title) <= room else title[: max(room - 1, 4)] + "…",
            14,
            height - (24 if person else 32),
            size=13 if person else 14,
            bold=True,
        )
        if person is not None:  # which workshop the design goes to, and under which nickname
            workshop = t(
                "hud.workshop",
                workshop=person.workshop_title or person.workshop_id,
                pseudonym=person.pseudonym,
            )
            room = int((x - 40) / 6.8)
            c.label(
                workshop if len(workshop) <= room else workshop[: max(room - 1, 4)] + "…",
                14,
                height - 44,
                size=9,
                color=MUTED,
            )
        budget = e.level.doc.budget
        over = e.session.cost > budget
        c.label(t("hud.budget"), x, height - 22, size=10, color=MUTED)
        c.label(
            f"{euros(e.session.cost, e.lang)} / {euros(budget, e.lang)}",
            x,
            height - 42,
            size=11,
            bold=True,
            color=(200, 30, 30, 255) if over else INK,
        )
        bar_x = x + 250
        c.rect(bar_x, height - 36, 130, 12, (225, 225, 225, 255))
        share = min(1.0, e.session.cost / budget) if budget else 1.0
        if share > 0:
            c.rect(
                bar_x,
                height - 36,
                130 * share,
                12,
                (200, 30, 30, 255) if over else (46, 160, 67, 255),
            )
        if self.preview_cost:
            sign = "+" if self.preview_cost > 0 else "−"
            c.label(
                t("hud.preview_cost", cost=f"{sign}{euros(abs(self.preview_cost), e.lang)}"),
                bar_x,
                height - 19,
                size=9,
                bold=True,
                color=(180, 90, 0, 255),
            )

    def _toolbar(self, height):
        e, c = self.editor, self.canvas
        y = height - TOP_BAR - 10
        for tool in e.tools.values():
            y -= TOOL + 6
            c.button(
                8,
                y,
                TOOL,
                TOOL,
                tool.glyph,
                self.action(f"tool_{tool.id}"),
                active=tool is e.tool,
                size=20,
            )
            c.label(tool.shortcut, 8 + TOOL - 10, y + 4, size=8, color=MUTED)
            if tool is e.tool:
                c.rect(TOOL + 14, y + 12, 14 + 9.5 * len(e.t(f"tool.{tool.id}")), 26, PAPER)
                c.label(e.t(f"tool.{tool.id}"), TOOL + 20, y + 19, size=11, bold=True)

    def _palette(self, width):
        e, c = self.editor, self.canvas
        x = 10
        for category in e.level.catalogue.categories:
            if not any(
                b.key in e.level.allowed for b in e.level.catalogue.in_category(category.key)
            ):
                continue
            name = category.name.in_(e.lang)
            w = 16 + 8 * len(name)
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
            selected = block.key == e.block
            if selected:
                c.rect(x - 4, 2, 84, 74, ACCENT)
            c.cube(x + 24, 30, 32, block.rgb)
            c.label(
                block.name.in_(e.lang),
                x + 38,
                24,
                size=8,
                anchor_x="center",
                anchor_y="top",
                width=82,
                align="center",
            )
            c.buttons.append(Button(x - 4, 2, 84, 74, partial(e.select_block, block.key)))
            x += 88

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
        c.note(hint, 77, PALETTE + 20)
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
        h = 58 + ROW * len(shown) + 30 + ROW * len(goals)
        c.rect(x, top - h, PANEL, h, (255, 255, 255, 235), border=(200, 204, 208))
        c.label(e.t("hud.neighbourhood"), x + 10, top - 22, size=11, bold=True)
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
            e.t("hud.since_start"), x + PANEL - 10, top - 42, size=8, color=MUTED, anchor_x="right"
        )
        y = top - 44
        for indicator in shown:
            y -= ROW
            value, start = values.get(indicator.key), self.editor.start_values.get(indicator.key)
            c.label(f"{indicator.icon} {indicator.name(e.lang)}".strip(), x + 10, y, size=9)
            c.buttons.append(Button(x, y - 5, PANEL, ROW, self._explain(indicator)))
            if value is None:
                c.label(e.t("hud.computing"), x + 200, y, size=9, anchor_x="right")
                continue
            waiting = e.t("hud.computing") if indicator.key in stale else ""
            c.label(
                indicator.display(value, e.lang) + waiting,
                x + 200,
                y,
                size=9,
                bold=True,
                anchor_x="right",
            )
            arrow, colour = _trend(value, start, indicator)
            if not arrow:
                continue
            c.label(arrow, x + 214, y, size=9, color=colour)
            if start is not None:
                delta = indicator.display(abs(value - start), e.lang)
                c.label(
                    ("+" if value > start else "−") + delta,
                    x + PANEL - 8,
                    y,
                    size=8,
                    color=colour,
                    anchor_x="right",
                )
        y -= 26
        c.label(e.t("hud.goals"), x + 10, y, size=10, bold=True)
        for goal in goals:
            y -= ROW
            text = goal.text.in_(e.lang)
            text = text if len(text) <= 40 else text[:39] + "…"
            c.label(
                ("✓ " if goal.met else "○ ") + text,
                x + 10,
                y,
                size=9,
                color=GOOD if goal.met else INK,
            )

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
        w, h = 360, 150
        x, y = (width - w) / 2, height - TOP_BAR - h - 12
        c.rect(x, y, w, h, PAPER, border=(33, 37, 41))
        c.label("i", x + 18, y + h - 30, size=18, bold=True, color=(30, 110, 200, 255))
        c.label(
            marker_text.in_(self.editor.lang),
            x + 44,
            y + h - 18,
            size=11,
            width=w - 60,
            anchor_y="top",
        )
        c.button(
            x + w - 90, y + 10, 80, 28, self.editor.t("hud.close"), self._close_marker, size=10
        )

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
        w = 400
        h = 250 + qr if url else 200 if person else 160
        x, y = (width - w) / 2, max(PALETTE + 8, height - TOP_BAR - h - 12)
        self._phone_rect = (x, y, w, h)
        c.rect(x, y, w, h, PAPER, layer=2, border=INK[:3])
        c.label(t("hud.phone_title"), x + 18, y + h - 32, size=14, bold=True, layer=3)
        if person is None:
            intro = t("hud.phone_none")
        elif url:
            intro = t("hud.phone_scan", pseudonym=person.pseudonym)
        else:  # joined before there were personal codes
            intro = t("hud.phone_missing")
            c.button(
                x + 18, y + 54, w - 36, 36, t("hud.phone_get"), e.ask_phone_code, size=11, layer=3
            )
        c.label(
            intro,
            x + 18,
            y + h - 48,
            size=10,
            width=w - 36,
            anchor_y="top",
            layer=3,
        )
        if person and url:
            if self._qr is None or self._qr[0] != (url, qr):
                self._qr = ((url, qr), qr_image(url, qr))
            image = self._qr[1]
            qx, qy = x + (w - image.width) / 2, y + h - 96 - image.height
            sprite = pyglet.sprite.Sprite(image, qx, qy, batch=c.batch, group=c.layer(3))
            c.items.append(sprite)
            c.label(
                t("hud.phone_code", code=person.personal_code),
                x + w / 2,
                qy - 28,
                size=15,
                bold=True,
                anchor_x="center",
                layer=3,
            )
            c.label(url, x + w / 2, qy - 48, size=8, color=MUTED, anchor_x="center", layer=3)
            c.label(
                t("hud.phone_keep"),
                x + 18,
                y + 88,
                size=9,
                color=MUTED,
                width=w - 36,
                anchor_y="top",
                layer=3,
            )
        c.button(x + w - 110, y + 12, 96, 30, t("hud.close"), self.toggle_phone, size=10, layer=3)

    def click(self, x, y) -> bool:
        return self.canvas.click(x, y)

    def covers(self, x, y) -> bool:
        """Whether a point is on the HUD (so the 3D view must not react to it)."""
        width, height = self.size
        in_panel = x > width - PANEL - 8 and y > height - TOP_BAR - 8 - self._panel_height()
        return (
            y > height - TOP_BAR
            or y < PALETTE
            or (x < TOOL + 16 and y > PALETTE)
            or in_panel
            or (self.phone_open and _inside(self._phone_rect, x, y))
            or any(b.contains(x, y) for b in self.canvas.buttons)
        )

    def view_rows(self, height: int) -> tuple[int, int]:
        """The rows (bottom, top; top exclusive) of the 3D view that the opaque top bar and
        palette leave visible: the scene needs no pixels drawn under them."""
        bottom = min(PALETTE, height)
        return bottom, max(bottom, height - TOP_BAR)

    def _panel_height(self) -> float:
        shown = sum(1 for i in INDICATORS if i.key not in ("cost", "budget"))
        return 58 + ROW * shown + 30 + ROW * len(self.editor.level.doc.goals)

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
    """Where each info marker appears on screen (None when behind the camera or off screen)."""
    result: list[tuple[float, float] | None] = []
    for marker in markers:
        p = np.append(np.asarray(marker.position, float) + 0.5, 1.0)
        clip = view_proj @ p
        if clip[3] <= 0:
            result.append(None)
            continue
        ndc = clip[:3] / clip[3]
        if np.any(np.abs(ndc[:2]) > 1):
            result.append(None)
            continue
        result.append(((ndc[0] + 1) / 2 * width, (ndc[1] + 1) / 2 * height))
    return result
