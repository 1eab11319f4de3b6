"""Small 2D building blocks for the HUD, dialogs and start screen: buttons and cube icons.

pyglet 2.1 has widgets (`pyglet.gui`), but its buttons are images (pressed, unpressed, hover)
without text, and each widget listens to the window's events by itself. Here every button
carries a German or English label, the HUD is rebuilt whenever its layout changes, and the
window decides in one place whether a click goes to a dialog, the HUD or the 3D view; so a
button is a rectangle, a label and a callback, hit-tested by the canvas that drew it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pyglet
from pyglet import shapes

FONT = "DejaVu Sans"
INK = (33, 37, 41, 255)
PAPER = (250, 250, 247, 255)
ACCENT = (255, 196, 0, 255)
MUTED = (120, 126, 132, 255)


@dataclass
class Button:
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
    """

    def __init__(self, previous: "Canvas | None" = None) -> None:
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
        self.items: list = []
        self.buttons: list[Button] = []

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

    def rect(self, x, y, w, h, color, layer=0, border=None):
        group = self.layer(layer)
        item: shapes.Rectangle | shapes.BorderedRectangle
        if border:
            item = shapes.BorderedRectangle(
                x,
                y,
                w,
                h,
                border=2,
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
    ):
        key = (text, x, y, size, color, anchor_x, anchor_y, width, bold, layer, align)
        if self._spare.get(key):
            item = self._spare[key].pop()
            self._keys[item] = key
            self.items.append(item)
            return item
        item = pyglet.text.Label(
            text,
            font_name=FONT,
            font_size=size,
            x=x,
            y=y,
            color=color,
            anchor_x=anchor_x,
            anchor_y=anchor_y,
            width=width,
            align=align,
            multiline=width is not None,
            weight="bold" if bold else "normal",
            batch=self.batch,
            group=self.layer(layer),
        )
        self._keys[item] = key
        self.items.append(item)
        return item

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
        w = label.content_width + 2 * pad
        h = label.content_height + pad
        self.rect(x - w / 2 if center else x - pad, y - h / 2, w, h, background)
        return label

    def button(self, x, y, w, h, text, action, active=False, size=12, enabled=True, layer=0):
        fill = ACCENT if active else (255, 255, 255, 240) if enabled else (230, 230, 230, 200)
        self.rect(x, y, w, h, fill, layer=layer, border=INK[:3] if enabled else MUTED[:3])
        self.label(
            text,
            x + w / 2,
            y + h / 2,
            size=size,
            anchor_x="center",
            anchor_y="center",
            color=INK if enabled else MUTED,
            layer=layer + 1,
        )
        if enabled:
            self.buttons.append(Button(x, y, w, h, action, text))

    def cube(self, x, y, size, rgb):
        """A small isometric block in the block's colour: top light, sides darker, like a brick."""
        r, g, b = rgb
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
