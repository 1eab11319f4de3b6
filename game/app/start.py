"""The start screen: pick a level (with its picture), continue one of your designs, open a file,
or join a workshop (code or pasted link and a nickname; or a personal code on a second computer),
which then starts building on the workshop's level."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyglet

from game.app.dialogs import Asking, Dialog, Field
from game.app.joining import join_workshop, last_server, sign_in_again, workshop_level
from game.app.widgets import INK, MUTED, PAPER, Button, Canvas, window_ui_scale
from game.core.catalogue import default_catalogue
from game.core.design import DesignDocument
from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.core.level import Level
from game.io.designs import designs_in, read_design
from game.io.levels import LevelEntry, available_levels
from game.io.paths import autosave_dir, designs_dir, participant_file
from game.render.topview import top_view
from game.sync import Participant, load_participant
from game.sync.room import RoomInfo, find_room, make_room

CARD_W, CARD_H, PICTURE = 300, 440, 180
COLUMN = 262  # the right column (joining, your designs): "Schon beigetreten: …" fits


@dataclass(frozen=True)
class Choice:
    """What the student picked: a level to start on, or a design file to continue."""

    level: str | None = None
    design: Path | None = None
    room: str | None = None
    """The code of the team room to build in (on the workshop's level)."""


def own_designs(limit: int = 8) -> list[tuple[Path, DesignDocument, bool]]:
    """Saved designs and unsaved work (autosaves), newest first: (path, document, is_autosave)."""
    found = [(p, d, False) for p, d in designs_in(designs_dir())] + [
        (p, d, True) for p, d in designs_in(autosave_dir())
    ]
    found.sort(key=lambda item: item[1].modified, reverse=True)
    return found[:limit]


def level_picture(entry: LevelEntry) -> pyglet.image.ImageData:
    level = Level(entry.doc, default_catalogue(), what=entry.path.name)
    rgb = top_view(level.city, level.catalogue.colors)
    zoom = max(1, PICTURE // max(rgb.shape[:2]))  # whole pixels per voxel keep small levels crisp
    rgb = np.ascontiguousarray(rgb.repeat(zoom, axis=0).repeat(zoom, axis=1))
    height, width, _ = rgb.shape
    return pyglet.image.ImageData(width, height, "RGB", rgb[::-1].tobytes())


class StartScreen:
    def __init__(
        self,
        window: pyglet.window.Window,
        lang: Language,
        on_choice: Callable[[Choice], None],
        ui_factor: float = 1.0,
    ) -> None:
        self.window = window
        self.ui_factor = ui_factor  # `--ui-scale`
        self.lang = lang
        self.on_choice = on_choice
        self.levels, self.broken = available_levels()
        self.designs = own_designs()
        self.pictures = {e.doc.id: level_picture(e) for e in self.levels}
        self.dialog: Dialog | None = None
        self.pending: Asking[Participant | RoomInfo] | None = None
        self.canvas = Canvas()
        self.size: tuple[int, int, float] = (0, 0, 0.0)

    def t(self, key: str, **params) -> str:
        return text(self.lang, key, **params)

    @property
    def scale(self) -> float:
        return window_ui_scale(self.window, self.ui_factor)

    def layout(self) -> None:
        width, height, scale = self.window.width, self.window.height, self.scale
        if (width, height, scale) == self.size:
            return
        self.size = (width, height, scale)
        c = self.canvas = Canvas(scale=scale)
        width, height = width / scale, height / scale
        c.rect(0, 0, width, height, (236, 242, 247, 255))
        c.label("Quartier", 32, height - 58, size=30, bold=True)
        c.label(self.t("start.tagline"), 36, height - 88, size=13, color=MUTED)
        other: Language = "en" if self.lang == "de" else "de"
        c.button(
            width - 150,
            height - 64,
            118,
            36,
            self.t("start.language"),
            lambda: self.switch(other),
            size=11,
        )
        c.label(self.t("start.levels"), 32, height - 130, size=15, bold=True)
        x, top = 32, height - 148
        for entry in self.levels:
            if x + CARD_W > width - 300:
                break
            self._card(entry, x, top - CARD_H)
            x += CARD_W + 20
        below = self._workshop(width - COLUMN - 30, height - 130)
        self._own_designs(width - COLUMN - 30, below - 40)

    def _workshop(self, x: float, top: float) -> float:
        """Joining a workshop, and which one this computer is in: building for it is then
        the first button, so a pupil back the next day needs no code. Returns the lowest y used."""
        c = self.canvas
        c.label(self.t("start.workshop_heading"), x, top, size=15, bold=True)
        person = load_participant(participant_file())
        if person is not None and person.workshop_title and person.level_id:
            note = self.t(
                "start.workshop", workshop=person.workshop_title, pseudonym=person.pseudonym
            )
            self._note(note, x, top - 14, 9, room=43)
            c.button(
                x,
                top - 98,
                COLUMN,
                40,
                self.t("start.build_workshop"),
                lambda: self.joined(person),
                active=True,
                size=11,
            )
            # A team builds one design together: one pupil makes the room, the others join it.
            c.button(
                x,
                top - 136,
                COLUMN,
                34,
                self.t("start.make_room"),
                lambda: self.open_make_room(person),
                size=10,
            )
            c.button(
                x,
                top - 174,
                COLUMN,
                34,
                self.t("start.join_room"),
                lambda: self.open_join_room(person),
                size=10,
            )
            # Four buttons under it, yet "Open a file…" stays on a 960×540 screen.
            c.button(x, top - 212, COLUMN, 34, self.t("start.join"), self.open_join, size=10)
            c.button(x, top - 250, COLUMN, 34, self.t("start.sign_in"), self.open_sign_in, size=10)
            return top - 250
        self._note(self.t("start.join_hint"), x, top - 14, 9, room=47)
        c.button(
            x, top - 106, COLUMN, 44, self.t("start.join"), self.open_join, active=True, size=12
        )
        c.button(x, top - 160, COLUMN, 40, self.t("start.sign_in"), self.open_sign_in, size=10)
        return top - 160

    def _note(self, text: str, x: float, top: float, size: float, room: float) -> None:
        """A grey sentence in the right column, wrapped, `room` high down from `top`."""
        box = (x - 2, top - room, COLUMN + 4, room + 2)
        self.canvas.label(
            text, x, top, size=size, color=MUTED, width=COLUMN, anchor_y="top", box=box
        )

    def _card(self, entry: LevelEntry, x: float, y: float) -> None:
        c, doc = self.canvas, entry.doc
        c.rect(x, y, CARD_W, CARD_H, PAPER, border=INK[:3])
        c.sprite(
            self.pictures[doc.id], x + (CARD_W - PICTURE) / 2, y + CARD_H - PICTURE - 14, PICTURE
        )
        c.label(
            doc.title.in_(self.lang),
            x + 16,
            y + CARD_H - PICTURE - 26,
            size=12,
            bold=True,
            width=CARD_W - 32,
            anchor_y="top",
            box=(x + 12, y + CARD_H - PICTURE - 70, CARD_W - 24, 46),
        )
        c.label(
            doc.description.in_(self.lang),
            x + 16,
            y + CARD_H - PICTURE - 70,
            size=9,
            width=CARD_W - 32,
            anchor_y="top",
            box=(x + 12, y + 78, CARD_W - 24, CARD_H - PICTURE - 146),
        )
        c.label(
            f"{doc.licence} · {doc.source}"[:120],
            x + 16,
            y + 76,
            size=7,
            color=MUTED,
            width=CARD_W - 32,
            anchor_y="top",
            box=(x + 12, y + 47, CARD_W - 24, 31),
        )
        c.button(
            x + 16,
            y + 12,
            CARD_W - 32,
            34,
            self.t("start.play"),
            lambda: self.on_choice(Choice(level=doc.id)),
        )

    def _own_designs(self, x: float, top: float) -> None:
        c = self.canvas
        c.label(self.t("start.continue"), x, top, size=15, bold=True)
        y = top - 20
        room = max(0, int((y - 110) // 52))  # the open-file button stays on screen
        if not self.designs:
            self._note(self.t("start.no_designs"), x, y - 10, 10, room=34)
            y -= 40
        for path, doc, unsaved in self.designs[:room]:
            y -= 52
            label = doc.title or doc.level.id
            if unsaved:
                label = self.t("start.unsaved", title=label)
            c.button(
                x,
                y,
                COLUMN,
                44,
                c.shorten(label, COLUMN - 20, 10),
                lambda p=path: self.on_choice(Choice(design=p)),
                size=10,
            )
        c.button(x, y - 60, COLUMN, 40, self.t("start.open_file"), self.open_file, size=11)

    def open_file(self) -> None:
        def ok(values):
            path = Path(values["path"].strip()).expanduser()
            self.dialog = None
            try:
                read_design(path)
            except QuartierError as exc:
                self.show_error(exc.message(self.lang))
                return
            self.on_choice(Choice(design=path))

        def cancel():
            self.dialog = None

        self.dialog = Dialog(
            self.t("start.open_file"),
            self.t("start.open_intro"),
            [Field("path", self.t("start.path"), str(designs_dir()) + "/", limit=500)],
            self.t("start.open"),
            self.t("dialog.cancel"),
            ok,
            cancel,
        )

    def open_join(self, code: str = "", server: str = "", pseudonym: str = "") -> None:
        """The join form; `code` and `server` come filled in from `quartier play --join`."""

        def ok(values):
            self._in_background(
                dialog,
                lambda: join_workshop(
                    values["code"], values["server"], values["pseudonym"], self.lang
                ),
            )

        dialog = Dialog(
            self.t("start.join"),
            self.t("start.join_intro"),
            [
                Field("code", self.t("start.join_code"), code, limit=300),
                Field("server", self.t("start.join_server"), server or last_server(), limit=300),
                Field("pseudonym", self.t("start.pseudonym"), pseudonym, limit=24),
            ],
            self.t("start.join_ok"),
            self.t("dialog.cancel"),
            ok,
            self._close_dialog,
        )
        dialog.focus = 2 if code else 0
        self.dialog = dialog

    def open_sign_in(self) -> None:
        """A pupil who joined on another computer signs in here with their personal code."""

        def ok(values):
            self._in_background(
                dialog, lambda: sign_in_again(values["code"], values["server"], self.lang)
            )

        dialog = Dialog(
            self.t("start.sign_in"),
            self.t("start.sign_in_intro"),
            [
                Field("code", self.t("start.personal_code"), limit=300),
                Field("server", self.t("start.join_server"), last_server(), limit=300),
            ],
            self.t("start.sign_in_ok"),
            self.t("dialog.cancel"),
            ok,
            self._close_dialog,
        )
        self.dialog = dialog

    def open_make_room(self, person: Participant) -> None:
        """A team room for the pupil's team: a name, then the code big on screen to tell them."""
        name = Field("title", self.t("start.room_title"), self.t("room.default_title"), limit=60)
        self._room_form(
            "make_room", name, lambda values: make_room(person, values["title"], self.lang)
        )

    def open_join_room(self, person: Participant) -> None:
        """Join the team room whose code a teammate read out."""
        code = Field("code", self.t("start.room_code"), limit=20)
        self._room_form(
            "join_room", code, lambda values: find_room(person, values["code"], self.lang)
        )

    def _room_form(
        self, form: str, field: Field, work: Callable[[dict[str, str]], RoomInfo]
    ) -> None:
        """The form `start.FORM` with one field; its answer (the room) is asked for on a thread
        and shown by `room_ready`, a refusal in the form."""
        dialog = Dialog(
            self.t(f"start.{form}"),
            self.t(f"start.{form}_intro"),
            [field],
            self.t(f"start.{form}_ok"),
            self.t("dialog.cancel"),
            lambda values: self._in_background(dialog, lambda: work(values)),
            self._close_dialog,
        )
        self.dialog = dialog

    def room_ready(self, room: RoomInfo) -> None:
        """The room is there: its code big, to tell the team, then build in it."""
        if room.level_id not in {e.doc.id for e in self.levels}:
            self.show_error(self.t("join.level_missing", level=room.level_id))
            return
        self.dialog = Dialog(
            self.t("start.room_title_ready", title=room.title),
            self.t("start.room_ready"),
            [],
            self.t("start.joined_ok"),
            self.t("dialog.cancel"),
            lambda _v: self.on_choice(Choice(level=room.level_id, room=room.code)),
            self._close_dialog,
            big=room.code,
        )

    def _in_background(self, dialog: Dialog, work: Callable[[], Participant | RoomInfo]) -> None:
        """Joining waits for the network (up to `JOIN_DEADLINE`): it runs on a thread, so the
        window keeps drawing and says it is joining; `poll` takes the answer."""
        if self.pending is not None:
            return  # Enter pressed again while the first try is under way
        self.pending = Asking(
            dialog, work, self.t("start.joining"), self.lang, self.t("start.error")
        )

    def poll(self) -> None:
        """Show the answer of a join that has finished: the workshop, or why not in the form."""
        if self.pending is None or not self.pending.done:
            return
        answer, self.pending = self.pending.answer(), None
        if isinstance(answer, Participant):
            self.joined(answer)
        elif isinstance(answer, RoomInfo):
            self.room_ready(answer)

    def joined(self, person: Participant) -> None:
        """Say which workshop and level the pupil is in, then start building there."""
        self.size = (0, 0, 0.0)  # the screen now names the workshop
        try:
            level = workshop_level(person)
        except QuartierError as exc:
            self.show_error(exc.message(self.lang))
            return
        title = next((e.doc.title.in_(self.lang) for e in self.levels if e.doc.id == level), level)
        self.dialog = Dialog(
            self.t("start.joined_title"),
            self.t(
                "start.joined",
                workshop=person.workshop_title or person.workshop_id,
                pseudonym=person.pseudonym,
                level=title,
            ),
            [],
            self.t("start.joined_ok"),
            self.t("dialog.cancel"),
            lambda _v: self.on_choice(Choice(level=level)),
            self._close_dialog,
        )

    def show_error(self, message: str) -> None:
        self.dialog = Dialog(
            self.t("start.error"),
            message,
            [],
            "OK",
            self.t("dialog.cancel"),
            lambda _v: self._close_dialog(),
            self._close_dialog,
        )

    def _close_dialog(self) -> None:
        self.dialog = None

    def switch(self, lang: Language) -> None:
        self.lang = lang
        self.size = (0, 0, 0.0)

    def draw(self) -> None:
        self.poll()
        self.layout()
        self.canvas.draw()
        if self.dialog:
            self.dialog.layout(self.window.width, self.window.height, self.scale)
            self.dialog.draw()

    def click(self, x: float, y: float) -> None:
        if self.dialog:
            self.dialog.click(x, y)
        else:
            self.canvas.click(x, y)

    def buttons(self) -> list[Button]:
        return self.canvas.buttons


class StartWindow(pyglet.window.Window):
    """Hosts the start screen until the student picks something (then `choice` is set)."""

    def __init__(
        self,
        lang: Language,
        width: int,
        height: int,
        visible: bool = True,
        ui_factor: float = 1.0,
    ) -> None:
        from game.app.window import window_config

        super().__init__(
            width,
            height,
            caption="Quartier",
            resizable=True,
            visible=visible,
            config=window_config(),
        )
        self.choice: Choice | None = None
        self.start = StartScreen(self, lang, self._choose, ui_factor)

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        self.close()

    def on_draw(self) -> None:
        self.clear()
        self.start.draw()

    def on_mouse_press(self, x, y, button, modifiers) -> None:
        self.start.click(x, y)

    def on_text(self, text) -> None:
        if self.start.dialog:
            self.start.dialog.on_text(text)

    def on_text_motion(self, motion) -> None:
        if self.start.dialog:
            self.start.dialog.on_text_motion(motion)

    def on_key_press(self, symbol, modifiers):
        if self.start.dialog:
            self.start.dialog.key(pyglet.window.key.symbol_string(symbol))
            return pyglet.event.EVENT_HANDLED
        return super().on_key_press(symbol, modifiers)
