"""Small 2D building blocks for the HUD, dialogs and start screen: buttons and cube icons.

pyglet 2.1 has widgets (`pyglet.gui`), but its buttons are images (pressed, unpressed, hover)
without text, and each widget listens to the window's events by itself. Here every button
carries a German or English label, the HUD is rebuilt whenever its layout changes, and the
window decides in one place whether a click goes to a dialog, the HUD or the 3D view; so a
button is a rectangle, a label and a callback, hit-tested by the canvas that drew it.
"""

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pyglet
from pyglet import gl, shapes
from pyglet.font.base import Font, GlyphTextureBin
from pyglet.gl.base import ObjectSpace

FONT = "DejaVu Sans"
INK = (33, 37, 41, 255)
PAPER = (250, 250, 247, 255)
ACCENT = (255, 196, 0, 255)
MUTED = (120, 126, 132, 255)

#: The window size the layouts are drawn for at scale 1; a larger window scales them up.
DESIGN_SIZE = (1280, 720)
#: The room, in layout units, the editor's HUD needs without overlaps (its nine tools one above
#: the other, the top bar's buttons beside the budget): a scale that grows the UI never leaves
#: less, whatever the DPI or `--ui-scale` ask for.
ROOM = (1200, 680)


def ui_scale(width: int, height: int, dpi_scale: float = 1.0, factor: float = 1.0) -> float:
    """How much bigger than at 1280×720 the text, panels and buttons are drawn.

    They grow with the window (1.5 at 1920×1080, so a projector's picture is read from the back
    of the classroom) and with the screen's density (`dpi_scale`, 96 DPI = 1); `factor`
    (`--ui-scale` or QUARTIER_UI_SCALE) makes them bigger or smaller still. Grown, never so
    big that less than `ROOM` is left; a small window keeps scale 1 unless `factor` asks for less.
    """
    fit = min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1])
    wanted = max(1.0, fit) * dpi_scale * factor
    room = min(width / ROOM[0], height / ROOM[1])
    return max(0.5, min(wanted, max(room, 1.0)))


def window_ui_scale(window: pyglet.window.Window, factor: float = 1.0) -> float:
    """`ui_scale` for a window: its size and its screen's DPI. Where the system already draws
    the window's points on more pixels (macOS Retina: a framebuffer larger than the window),
    the DPI adds nothing: pyglet's coordinates are points there, not pixels."""
    framebuffer = window.get_framebuffer_size()
    same = framebuffer[0] == window.width
    dpi_scale = window.scale if same else 1.0
    return ui_scale(window.width, window.height, dpi_scale, factor)


# The glyphs of every size and weight of `FONT` in one texture: pyglet gives each font its own,
# and a batch draws each texture's letters with a draw call of their own; the HUD's eleven font
# sizes and weights were eleven draw calls a frame, each costly on llvmpipe.
GLYPH_ATLAS = 1024
# Per OpenGL object space: the shared texture and the fonts drawing into it, by (size, bold).
_Glyphs = tuple[GlyphTextureBin, dict[tuple[float, bool], Font]]
_GLYPHS: "weakref.WeakKeyDictionary[ObjectSpace, _Glyphs]" = weakref.WeakKeyDictionary()


def shared_glyphs(size: float, bold: bool) -> None:
    """Load `FONT` at `size` (bold or not) as the labels will, with its glyphs going into the
    texture all the canvas's fonts share (one per OpenGL context, as pyglet keeps its fonts).

    Call it before a label of that font makes its first glyph; the fonts are kept, so a font
    made again later (pyglet holds few of them) does not render its glyphs a second time."""
    context = gl.current_context
    assert context is not None, "fonts are loaded for an OpenGL context"
    if context.object_space not in _GLYPHS:
        _GLYPHS[context.object_space] = (GlyphTextureBin(GLYPH_ATLAS, GLYPH_ATLAS), {})
    atlas, fonts = _GLYPHS[context.object_space]
    if (size, bold) not in fonts:
        font = pyglet.font.load(FONT, size, weight="bold" if bold else "normal")
        if font.texture_bin is None:
            font.texture_bin = atlas  # type: ignore[assignment]  # None until its first glyph
        fonts[size, bold] = font


@lru_cache(maxsize=2048)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in pixels of one line of `text`, measured by laying it out (letters differ:
    a German word of 12 letters may be wider than an English one of 14)."""
    shared_glyphs(size, bold)
    label = pyglet.text.Label(
        text, font_name=FONT, font_size=size, weight="bold" if bold else "normal"
    )
    width = float(label.content_width)
    label.delete()
    return width


@dataclass
class Button:
    """A clickable rectangle in window pixels (where the mouse and the scripts click)."""

    x: float
    y: float
    w: float
    h: float
    action: Callable[[], None]
    label: str = ""

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h


@dataclass
class RoundButton(Button):
    """A button that takes only clicks inside the circle drawn for it (an info marker), not
    in the corners of its square: a click beside the circle belongs to the 3D view."""

    def contains(self, px: float, py: float) -> bool:
        r = self.w / 2
        return (px - self.x - r) ** 2 + (py - self.y - r) ** 2 <= r * r


class Canvas:
    """A batch of shapes and labels plus the buttons drawn in it; rebuilt whenever the UI changes.

    Layers are drawn bottom to top; a modal dialog draws on layers above the HUD's.

    Everything is laid out in layout units, as at 1280×720, and drawn `scale` times bigger in
    window pixels: coordinates, sizes and font sizes alike, so text stays sharp (laid out at
    its size, not a small picture stretched) and a layout keeps its proportions. `buttons`
    and `boxes` are in window pixels.
    """

    def __init__(self, previous: "Canvas | None" = None, scale: float = 1.0) -> None:
        """A new canvas; given the `previous` one (the same UI, made again after a change), it
        draws in the same batch and keeps those of its labels asked for again unchanged.

        Laying out a label costs about a third of a millisecond and the HUD has 90: made again
        from nothing on every change (each step of a drag changes the cost shown), the HUD took
        40 ms, two frames. Its shapes are made again (cheap), after the old ones are gone, so
        they are drawn in the order they are made, as in a new batch.
        """
        self._spare: dict[tuple, list[pyglet.text.Label]] = {}
        self._keys: dict[pyglet.text.Label, tuple] = {}  # what each label was made from
        if previous is None:
            self.batch = pyglet.graphics.Batch()
            self._layers: dict[int, pyglet.graphics.Group] = {}
        else:
            self.batch, self._layers = previous.batch, previous._layers
            for item in previous.items:
                if isinstance(item, pyglet.text.Label):
                    self._spare.setdefault(previous._keys[item], []).append(item)
                else:
                    item.delete()
            previous.items = []
        self.scale = scale
        self.items: list = []
        self.buttons: list[Button] = []
        # Each label with the box (x, y, w, h in window pixels) it must fit in: a button's
        # rectangle, a panel; the tests check that no text is cut off or runs out of its box.
        self.boxes: list[tuple[pyglet.text.Label, tuple[float, float, float, float]]] = []

    def finish(self) -> None:
        """Delete the previous canvas's labels that were not asked for again."""
        for labels in self._spare.values():
            for label in labels:
                label.delete()
        self._spare = {}

    def layer(self, number: int) -> pyglet.graphics.Group:
        if number not in self._layers:
            self._layers[number] = pyglet.graphics.Group(order=number)
        return self._layers[number]

    @property
    def back(self) -> pyglet.graphics.Group:
        return self.layer(0)

    @property
    def front(self) -> pyglet.graphics.Group:
        return self.layer(1)

    def unit(self, value: float) -> float:
        """Window pixels to layout units."""
        return value / self.scale

    def width_of(self, text: str, size: float, bold: bool = False) -> float:
        """The width of one line of text in layout units."""
        return text_width(text, size * self.scale, bold) / self.scale

    def shorten(self, text: str, room: float, size: float, bold: bool = False) -> str:
        """`text` as it fits in `room` layout units, ending in "…" if it had to be cut (a
        pupil's own long title; texts of the game are laid out to fit whole)."""
        if self.width_of(text, size, bold) <= room:
            return text
        while len(text) > 4 and self.width_of(text + "…", size, bold) > room:
            text = text[:-1]
        return text.rstrip() + "…"

    def rect(self, x, y, w, h, color, layer=0, border=None):
        group = self.layer(layer)
        item: shapes.Rectangle | shapes.BorderedRectangle
        s = self.scale
        x, y, w, h = x * s, y * s, w * s, h * s
        if border:
            item = shapes.BorderedRectangle(
                x,
                y,
                w,
                h,
                border=max(1, round(2 * s)),
                color=color,
                border_color=border,
                batch=self.batch,
                group=group,
            )
        else:
            item = shapes.Rectangle(x, y, w, h, color=color, batch=self.batch, group=group)
        self.items.append(item)
        return item

    def label(
        self,
        text,
        x,
        y,
        size=12,
        color=INK,
        anchor_x="left",
        anchor_y="baseline",
        width=None,
        bold=False,
        layer=1,
        align="left",
        box=None,
    ):
        """A label at (x, y) in layout units; `box` (x, y, w, h in layout units) is where it
        must fit, for the tests that look for text cut off."""
        s = self.scale
        key = (text, x, y, size, color, anchor_x, anchor_y, width, bold, layer, align, s)
        if self._spare.get(key):
            item = self._spare[key].pop()
            self._keys[item] = key
            self.items.append(item)
        else:
            # Whole pixels: a label between two pixels is drawn blurred.
            item = self._new_label(
                text,
                round(x * s),
                round(y * s),
                size * s,
                color,
                anchor_x,
                anchor_y,
                width,
                bold,
                layer,
                align,
            )
            self._keys[item] = key
            self.items.append(item)
        if box is not None:
            self.fit(item, *box)
        return item

    def _new_label(self, text, x, y, size, color, anchor_x, anchor_y, width, bold, layer, align):
        shared_glyphs(size, bold)
        return pyglet.text.Label(
            text,
            font_name=FONT,
            font_size=size,
            x=x,
            y=y,
            color=color,
            anchor_x=anchor_x,
            anchor_y=anchor_y,
            width=None if width is None else width * self.scale,
            align=align,
            multiline=width is not None,
            weight="bold" if bold else "normal",
            batch=self.batch,
            group=self.layer(layer),
        )

    def fit(self, label: pyglet.text.Label, x: float, y: float, w: float, h: float) -> None:
        """Note the box (layout units) a label must fit in, for the tests that look for text
        cut off or running out of its panel."""
        s = self.scale
        self.boxes.append((label, (x * s, y * s, w * s, h * s)))

    def move(self, label: pyglet.text.Label, x: float, y: float) -> None:
        """Put a label made before its place was known (measured first) at (x, y) in layout units."""
        label.position = (x * self.scale, y * self.scale, 0)

    def sprite(
        self, image, x: float, y: float, size: float, layer: int = 1
    ) -> pyglet.sprite.Sprite:
        """A picture at (x, y), `size` layout units on its longer side."""
        s = self.scale
        item = pyglet.sprite.Sprite(
            image, round(x * s), round(y * s), batch=self.batch, group=self.layer(layer)
        )
        item.scale = size * s / max(image.width, image.height)
        self.items.append(item)
        return item

    def area(self, x, y, w, h, action, label: str = "") -> Button:
        """A clickable rectangle without a drawing of its own (a palette tile, a panel row)."""
        s = self.scale
        button = Button(x * s, y * s, w * s, h * s, action, label)
        self.buttons.append(button)
        return button

    def note(
        self,
        text,
        x,
        y,
        size=10,
        color=INK,
        background=(255, 255, 255, 200),
        center=False,
        pad=7,
        wrap=None,
    ):
        """A line of text on a box that fits it (measured, not guessed: German words are long);
        with `wrap`, lines of at most that width (a message with a reason and a way out)."""
        label = self.label(
            text,
            x,
            y,
            size=size,
            color=color,
            anchor_x="center" if center else "left",
            anchor_y="center",
            width=wrap,
            align="center" if center else "left",
        )
        w = self.unit(label.content_width) + 2 * pad
        h = self.unit(label.content_height) + pad
        box = (x - w / 2 if center else x - pad, y - h / 2, w, h)
        self.rect(*box, background)
        self.fit(label, *box)
        return label

    def button_width(self, text: str, size: float = 12, pad: float = 9) -> float:
        """The width a button needs for its label, in layout units (a glyph alone: square)."""
        return max(self.width_of(text, size) + 2 * pad, size * 2.2)

    def button(
        self, x, y, w, h, text, action, active=False, size=12, enabled=True, layer=0, name=None
    ):
        """A button showing `text`; scripts press it by `name` where the text alone is
        ambiguous (the tool's "+" beside the place tool's "+")."""
        fill = ACCENT if active else (255, 255, 255, 240) if enabled else (230, 230, 230, 200)
        self.rect(x, y, w, h, fill, layer=layer, border=INK[:3] if enabled else MUTED[:3])
        label = self.label(
            text,
            x + w / 2,
            y + h / 2,
            size=size,
            anchor_x="center",
            anchor_y="center",
            color=INK if enabled else MUTED,
            layer=layer + 1,
        )
        self.fit(label, x, y, w, h)
        s = self.scale
        if enabled:
            self.buttons.append(Button(x * s, y * s, w * s, h * s, action, name or text))

    def cube(self, x, y, size, rgb):
        """A small isometric block in the block's colour: top light, sides darker, like a brick."""
        r, g, b = rgb
        x, y, size = x * self.scale, y * self.scale, size * self.scale
        h = size / 2
        q = size / 4
        faces = (
            ([(x, y + h), (x + h, y + h + q), (x + size, y + h), (x + h, y + h - q)], 1.0),
            ([(x, y + h), (x + h, y + h - q), (x + h, y), (x, y + q)], 0.78),
            ([(x + h, y + h - q), (x + size, y + h), (x + size, y + q), (x + h, y)], 0.62),
        )
        for points, shade in faces:
            color = (int(r * shade), int(g * shade), int(b * shade), 255)
            self.items.append(
                shapes.Polygon(*points, color=color, batch=self.batch, group=self.front)
            )

    def click(self, x, y) -> bool:
        for button in reversed(self.buttons):
            if button.contains(x, y):
                button.action()
                return True
        return False

    def draw(self) -> None:
        self.batch.draw()
