"""The editor in a team room: who is there, where they point, what they did, and the room's grid.

`TeamRoom` sits between the editor and `game.sync.room.RoomClient` (the socket in its thread). Once
a frame the editor asks it for news (`events`): the room's grid changed (a teammate's step, a
refusal rolled back), a sentence to show (why an edit was refused, the connection ended), who
came and went, where they point. The editor then takes the room's grid as it is shown (its own
unanswered edits on top) and applies only the voxels that differ, so the view re-meshes only the
touched chunks, as after a local edit.

The panel (the room's code, the members in their colours, the feed, "reconnecting…") is drawn
into the HUD's canvas by `draw_panel`; the teammates' pointers are small coloured circles with
their nickname over the 3D view (`TeammateMarkers`), moved every frame and made again only when
someone starts or stops pointing.
"""

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyglet

from game.app.widgets import INK, MUTED, PAPER, Canvas
from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.core.level import Level
from game.sync import Participant
from game.sync.room import (
    Ended,
    Pointer,
    Presence,
    Refused,
    RoomClient,
    RoomInfo,
    Step,
    find_room,
    make_room,
    room_url,
)

MEMBER_COLOURS: tuple[tuple[int, int, int], ...] = (
    (214, 39, 40),
    (31, 119, 180),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (23, 190, 207),
    (227, 119, 194),
    (140, 86, 75),
    (188, 189, 34),
    (127, 127, 127),
    (57, 59, 121),
    (99, 121, 57),
)
"""The 12 member colours of docs/rooms.md (`colour` is an index): every client shows them alike."""

POINT_EVERY = 0.1
"""Seconds between two pointer messages at most: the protocol passes on 10 a second."""
FEED = 4
"""How many lines of "who did what" the panel shows: the newest few, enough to follow along."""
PANEL_W = 300
LINE = 17


def colour(index: int) -> tuple[int, int, int]:
    return MEMBER_COLOURS[index % len(MEMBER_COLOURS)]


@dataclass
class _Line:
    """One line of the feed; a member's steps of one kind in a row add up on one line."""

    member: int | None
    kind: str
    count: int


class TeamRoom:
    """A room the editor builds in: the client's news turned into what the pupil sees."""

    def __init__(
        self, client: RoomClient, info: RoomInfo, lang: Language, clock: Callable[[], float]
    ) -> None:
        self.client = client
        self.code, self.title = info.code, info.title
        self.lang = lang
        self.clock = clock
        self.members: list[dict[str, Any]] = info.members
        self.pointers: dict[int, tuple[int, int, int]] = {}
        self.ended = False
        """The server ended the connection for good (taken out of the room): the editor leaves."""
        self._feed: deque[_Line] = deque(maxlen=FEED)
        self._pointed: tuple[int, int, int] | None = None
        self._pointed_at = -math.inf

    @classmethod
    def join(
        cls,
        person: Participant,
        code: str,
        level: Level,
        lang: Language,
        clock: Callable[[], float],
        info: RoomInfo | None = None,
    ) -> "TeamRoom":
        """Enter the room with this code (raises `QuartierError` saying why not and what to do)."""
        info = info or find_room(person, code, lang)
        if info.level_id != level.id:
            raise QuartierError("room.other_level", level=info.level_id)
        client = RoomClient(room_url(person.server, info.code), person.token, level, lang)
        client.connect()
        return cls(client, info, lang, clock)

    @classmethod
    def make(
        cls,
        person: Participant,
        title: str,
        level: Level,
        lang: Language,
        clock: Callable[[], float],
    ) -> "TeamRoom":
        """Make a room for the team in the pupil's workshop and enter it."""
        info = make_room(person, title.strip()[:60] or text(lang, "room.default_title"), lang)
        return cls.join(person, info.code, level, lang, clock, info)

    def close(self) -> None:
        self.client.close()

    # -- news -----------------------------------------------------------------------------
    def events(self) -> tuple[bool, list[str]]:
        """What happened since the last frame: whether the room's grid changed, and sentences
        to show the pupil (a refusal's reason, the end of the connection)."""
        changed, messages = False, []
        for event in self.client.events():
            if isinstance(event, Step):
                changed = True
                self._note(None if event.mine else event.by, event)
            elif isinstance(event, Refused):
                changed = True
                messages.append(event.message)
            elif isinstance(event, Presence):
                self.members = event.members
                online = {m["id"] for m in self.members if m.get("online")}
                self.pointers = {k: v for k, v in self.pointers.items() if k in online}
            elif isinstance(event, Pointer):
                if event.at is None or event.member == self.client.me:
                    self.pointers.pop(event.member, None)
                else:
                    self.pointers[event.member] = event.at
            elif isinstance(event, Ended):
                self.ended = True
                messages.append(event.message or text(self.lang, "room.ended"))
        return changed, messages

    def _note(self, member: int | None, step: Step) -> None:
        kind = step.kind
        if kind == "edit":
            kind = (
                "built" if step.built == step.count else "removed" if not step.built else "changed"
            )
        last = self._feed[-1] if self._feed else None
        if last and last.member == member and last.kind == kind and kind != "rollback":
            last.count += step.count
        else:
            self._feed.append(_Line(member, kind, step.count))

    def feed(self) -> list[str]:
        """The last few steps as sentences, oldest first: "Mia built 12 blocks", "You undid"."""
        lines = []
        for line in self._feed:
            if line.kind == "rollback":  # the teacher's: nobody's own
                lines.append(text(self.lang, "room.feed.rollback"))
                continue
            who = self.name(line.member) if line.member is not None else None
            key = f"room.feed.{line.kind}" + ("_you" if who is None else "")
            if line.count == 1 and line.kind != "undo":
                key += "_one"
            lines.append(text(self.lang, key, name=who or "", count=line.count))
        return lines

    def name(self, member: int | None) -> str:
        return next((str(m["name"]) for m in self.members if m["id"] == member), "?")

    def colour_of(self, member: int) -> tuple[int, int, int]:
        return colour(next((int(m["colour"]) for m in self.members if m["id"] == member), 0))

    def names(self) -> list[str]:
        return [str(m["name"]) for m in self.members]

    # -- pointing -------------------------------------------------------------------------
    def point(self, at: tuple[int, int, int] | None) -> None:
        """Where the pupil points now; sent when it moved, at most every `POINT_EVERY` seconds
        (the last place is sent once the pupil stops, so teammates see where it came to rest)."""
        now = self.clock()
        if at == self._pointed or now - self._pointed_at < POINT_EVERY or self.ended:
            return
        self._pointed, self._pointed_at = at, now
        self.client.point(at)

    def state(self) -> tuple:
        """What the panel shows: the HUD lays it out again only when this changes."""
        people = tuple((m["id"], m["name"], m["colour"], m.get("online")) for m in self.members)
        return (
            self.code,
            people,
            tuple(self.feed()),
            self.client.online,
            self.client.locked,
        )


def draw_panel(
    canvas: Canvas, room: TeamRoom, x: float, top: float
) -> tuple[float, float, float, float]:
    """The room's panel with its top-left corner at (x, top), in layout units; returns its
    rectangle (x, y, w, h) so the 3D view does not take clicks under it."""
    t = room.lang
    rows: list[tuple[str, tuple[int, int, int, int], bool]] = []
    heading = text(t, "room.panel", code=room.code)
    if not room.client.online:
        rows.append((text(t, "room.reconnecting"), (200, 110, 0, 255), True))
    elif room.client.locked:
        rows.append((text(t, "room.locked"), (200, 40, 40, 255), True))
    feed = room.feed()
    h = 34 + 24 + len(rows) * LINE + len(feed) * LINE + 8
    y = top - h
    canvas.rect(x, y, PANEL_W, h, PAPER, border=INK[:3])
    canvas.label(
        canvas.shorten(heading, PANEL_W - 24, 11, bold=True), x + 12, top - 22, size=11, bold=True
    )
    cx, cy = x + 12, top - 48
    for member in room.members:
        name = canvas.shorten(str(member["name"]), 90, 10, bold=True)
        width = canvas.width_of(name, 10, bold=True) + 16
        if cx + width > x + PANEL_W - 8:
            break  # a room of 30 shows the first few; the desk lists everyone
        rgb = colour(int(member["colour"]))
        online = member.get("online", True)
        canvas.rect(cx, cy - 5, width, 20, (*rgb, 255 if online else 90))
        canvas.label(name, cx + 8, cy, size=10, bold=True, color=(255, 255, 255, 255), layer=1)
        cx += width + 6
    cy -= 24
    for line, color, bold in rows:
        canvas.label(
            canvas.shorten(line, PANEL_W - 24, 10, bold),
            x + 12,
            cy,
            size=10,
            bold=bold,
            color=color,
        )
        cy -= LINE
    for line in feed:
        canvas.label(canvas.shorten(line, PANEL_W - 24, 9), x + 12, cy, size=9, color=MUTED)
        cy -= LINE
    return (x, y, PANEL_W, h)


class TeammateMarkers:
    """The teammates' pointers over the 3D view: a dot in the member's colour with a white ring
    on the voxel they point at, their nickname beside it on their colour (readable on any
    ground)."""

    def __init__(self) -> None:
        self.canvas = Canvas()
        self._key: tuple = ()
        self._parts: list[tuple[list, list]] = []

    def draw(
        self,
        room: TeamRoom,
        screen: Callable[[np.ndarray], tuple[float, float] | None],
        scale: float,
    ) -> None:
        """`screen` maps a point of the world to the window (None: behind the camera)."""
        shown = []
        for member, at in sorted(room.pointers.items()):
            pos = screen(np.asarray(at, float) + (0.5, 0.5, 1.0))  # on top of the voxel
            if pos is not None:
                shown.append((member, pos))
        key = (scale, tuple((m, room.name(m), room.colour_of(m)) for m, _ in shown))
        if key != self._key:
            self._key = key
            self.canvas = canvas = Canvas(scale=scale)
            self._parts = []
            for member, (x, y) in shown:
                rgb = room.colour_of(member)
                dots = [
                    pyglet.shapes.Circle(
                        x, y, r * scale, color=c, batch=canvas.batch, group=canvas.back
                    )
                    for r, c in ((9, (255, 255, 255, 255)), (7, (*rgb, 255)))
                ]
                canvas.items.extend(dots)
                before = len(canvas.items)
                canvas.note(
                    room.name(member),
                    x / scale + 18,
                    y / scale + 14,
                    size=9,
                    color=(255, 255, 255, 255),
                    background=(*rgb, 235),
                    pad=5,
                )
                self._parts.append((dots, canvas.items[before:]))
        else:
            for (dots, note), (_, (x, y)) in zip(self._parts, shown):
                dx, dy = x - dots[0].x, y - dots[0].y
                for item in [*dots, *note]:
                    item.x, item.y = item.x + dx, item.y + dy
        self.canvas.draw()
