"""The editor window: turns mouse, keys and frames into calls on the editor, camera and scene.

Left button: the current tool (drag for box, line, building, stamp). Right click: remove
(as in Townscaper); right drag: orbit. Middle or shift+left drag: pan. Wheel: zoom towards
the cursor. TAB: walk mode (WASD, right-drag to look). F2/F3/F4: bird's-eye, plan, street.
T: morning, noon, evening. P: people and cars on or off.
"""

import math

import numpy as np
import pyglet
from pyglet import gl
from pyglet.window import key, mouse

from game.app.actions import BY_ID, BY_KEY, key_name, shortcut_name
from game.app.camera import OrbitCamera, Preset, WalkCamera, street_spot
from game.app.dialogs import Asking, Dialog, Field
from game.app.editor import Editor
from game.app.hud import BARS, Hud, marker_in_sight, marker_screen_positions
from game.app.scene import Highlight, Scene
from game.app.team_room import TeammateMarkers, TeamRoom
from game.app.tools import Pointer
from game.app.widgets import INK, PAPER, Button, Canvas, RoundButton, window_ui_scale
from game.core.ops import Remove
from game.core.raycast import cast_ray, screen_ray
from game.render.sun import TIMES, TimeOfDay

ORBIT_DEG_PER_PIXEL = 0.35
CLICK_SLOP = 4  # pixels a right click may move and still count as a click
MARKER = 13  # an info marker's radius in layout units (`widgets.Canvas`)


def window_config() -> gl.Config:
    """8 bits per channel (EGL would otherwise pick RGB565) and a depth buffer."""
    # For type checkers gl.Config is the abstract base; at run time it is the platform's class.
    return gl.Config(  # type: ignore[abstract]
        red_size=8, green_size=8, blue_size=8, alpha_size=8, depth_size=24, double_buffer=True
    )


class EditorWindow(pyglet.window.Window):
    def __init__(
        self,
        editor: Editor,
        width: int = 1280,
        height: int = 720,
        visible: bool = True,
        detail: bool = True,
        people: bool = True,
        ui_factor: float = 1.0,
    ) -> None:
        super().__init__(
            width,
            height,
            caption=f"Quartier – {editor.level.doc.title.in_(editor.lang)}",
            resizable=True,
            visible=visible,
            config=window_config(),
        )
        self.editor: Editor = editor
        self.level = editor.level
        self.ui_factor = ui_factor  # `--ui-scale`: bigger or smaller than automatic
        self.scene = Scene(self.level, editor.session.grid, detail=detail, people=people)
        editor.on_change = self._on_change
        editor.on_celebrate = self._chime
        self.orbit = OrbitCamera()
        self.walker: WalkCamera | None = None
        self.view_preset("bird")
        self.hud = Hud(editor, self._action_callback, (self.width, self.height))
        self.dialog: Dialog | None = None
        self.help_canvas: Canvas | None = None
        self.keys = key.KeyStateHandler()
        self.push_handlers(self.keys)
        self.mouse_xy: tuple[float, float] | None = None
        self.right_press: tuple[float, float] | None = None
        self.right_moved = False
        self.left_on_ui = (
            False  # the left press went to a button or marker: its release is not a tool action
        )
        self._ghost_key: tuple[object, ...] | None = None
        self._markers = Canvas()  # the info markers' circles, labels and buttons
        self._markers_key: tuple[float, ...] | None = None  # scale, which markers it shows
        self._marker_parts: list[tuple[pyglet.shapes.Circle, pyglet.text.Label, Button]] = []
        self._sight_key: tuple[object, ...] | None = None  # camera and design `_sight` is for
        self._sight: list[bool] = []
        # A team room asked for from the editor: the thread asking, its outcome, its form.
        self._room_pending: Asking[TeamRoom] | None = None
        self._teammates = TeammateMarkers()  # in a team room: where the others point

    def replace_editor(self, editor: Editor) -> None:
        """Continue with another design of the same level (a restored autosave)."""
        self.editor.close()
        self.editor = editor
        editor.on_change = self._on_change
        editor.on_celebrate = self._chime
        old = self.scene
        self.scene = Scene(self.level, editor.session.grid, detail=old.detail, people=old.people)
        self.scene.time_of_day = old.time_of_day
        self.hud = Hud(editor, self._action_callback, (self.width, self.height))
        self._ghost_key = None
        self._markers_key = None  # the markers' buttons belong to the old HUD
        self._sight_key = None

    @property
    def detail(self) -> bool:
        """Generated detail (windows, trees, ...) on or off (F7, `--detail`): off draws plain
        blocks, as the planning view, and costs less on a slow machine."""
        return self.scene.detail

    @detail.setter
    def detail(self, on: bool) -> None:
        self.scene.detail = on

    @property
    def people(self) -> bool:
        """People and cars moving on paths and streets (P, `--people`); they never take a click."""
        return self.scene.people

    @people.setter
    def people(self, on: bool) -> None:
        self.scene.people = on

    def toggle_people(self) -> None:
        self.people = not self.people
        self.editor.notify("editor.people_on" if self.people else "editor.people_off")

    @property
    def time_of_day(self) -> TimeOfDay:
        """Morning, noon (the start) or evening: the sun, its light, the sky and the shadows."""
        return self.scene.time_of_day

    @time_of_day.setter
    def time_of_day(self, time: TimeOfDay) -> None:
        self.scene.time_of_day = time

    def next_time_of_day(self) -> None:
        """T: morning → noon → evening → morning, said in a toast."""
        self.time_of_day = TIMES[(TIMES.index(self.time_of_day) + 1) % len(TIMES)]
        self.editor.notify(f"editor.time.{self.time_of_day}")

    @property
    def heights(self) -> np.ndarray:
        """Per column, one above its top block (where feet stand): the scene's shade keeps this
        map up to date with every edit (`Shadow.edited`), so the cameras read the same one."""
        return self.scene.shadow.heights

    @property
    def ui_scale(self) -> float:
        """How much bigger than at 1280×720 the HUD and dialogs are drawn (`widgets.ui_scale`)."""
        return window_ui_scale(self, self.ui_factor)

    # -- camera -------------------------------------------------------------------------
    @property
    def camera(self):
        return self.walker or self.orbit

    @property
    def aspect(self) -> float:
        return self.width / max(1, self.height)

    def view_proj(self, dtype=np.float32) -> np.ndarray:
        cam = self.camera
        return cam.projection(self.aspect, dtype) @ cam.view(dtype)

    def view_preset(self, name: Preset) -> None:
        self.walker = None
        lo = (0.0, 0.0, 0.0)
        hi = tuple(float(s) for s in self.level.shape[:2]) + (float(self.heights.max()),)
        size_m = self.level.doc.voxel_size_m
        spot = None
        if name == "street":
            back = OrbitCamera.STREET_DISTANCE_M / size_m
            spot = street_spot(self.heights, self.level.zone_columns, size_m, back)
        cx, cy = (
            (s // 2 for s in self.level.shape[:2]) if spot is None else (int(c) for c in spot[:2])
        )
        self.orbit.preset(
            name,
            lo,
            hi,
            aspect=self.aspect,
            ground_z=float(self.heights[cx, cy]),
            voxel_size_m=size_m,
            spot=spot,
        )

    def toggle_walk(self) -> None:
        if self.walker is None:
            self.walker = WalkCamera.from_orbit(
                self.orbit, self.heights, self.level.doc.voxel_size_m
            )
        else:
            self.orbit = OrbitCamera.from_walk(self.walker)
            self.walker = None

    def feet(self) -> tuple[int, int, int]:
        """The voxel the walker stands in; only asked in walk mode."""
        assert self.walker is not None
        x, y, z = self.walker.position
        return (
            int(np.clip(x, 0, self.level.shape[0] - 1)),
            int(np.clip(y, 0, self.level.shape[1] - 1)),
            int(round(z)),
        )

    def _on_change(self, change) -> None:
        self.scene.mark_dirty(change.lo, change.hi)  # the column tops too (`heights`)
        if self.walker:
            self.walker.settle(self.heights)
        self._ghost_key = None

    # -- picking ------------------------------------------------------------------------
    def pointer_at(self, x: float, y: float) -> Pointer:
        inverse = np.linalg.inv(self.view_proj(np.float64))
        origin, direction = screen_ray(inverse, x, y, self.width, self.height)
        return Pointer(origin, direction, cast_ray(self.editor.session.grid, origin, direction))

    def screen_position(self, world) -> tuple[float, float] | None:
        clip = self.view_proj(np.float64) @ np.append(np.asarray(world, float), 1.0)
        if clip[3] <= 0:
            return None
        ndc = clip[:3] / clip[3]
        return (ndc[0] + 1) / 2 * self.width, (ndc[1] + 1) / 2 * self.height

    # -- drawing ------------------------------------------------------------------------
    def _update_ghost(self) -> None:
        pointer = (
            self.pointer_at(*self.mouse_xy)
            if self.mouse_xy and not self.hud.covers(*self.mouse_xy)
            else None
        )
        tool = self.editor.tool
        if self.editor.room is not None:  # the teammates see where the pupil points
            self.editor.room.point(pointer.hit.voxel if pointer and pointer.hit else None)
        key_ = (
            tool.id,
            self.editor.block,
            getattr(tool, "start", None),
            getattr(tool, "end", None),
            pointer.hit if pointer else None,
            tuple(sorted(tool.status().items())),
            id(getattr(tool, "clipboard", None)),
        )
        if key_ == self._ghost_key:
            return
        self._ghost_key = key_
        preview = self.editor.preview(pointer) if not self.walker else None
        if preview is None:
            self.scene.set_ghost(None, None)
            self.hud.preview_cost = 0.0
            frame = tool.frame()
            if frame is not None:
                self.scene.set_frame(*frame)
        else:
            index, values, cost = preview
            self.scene.set_ghost(index, values, removing=tool.removes)
            self.hud.preview_cost = cost
        hit = pointer.hit if pointer and not self.walker else None
        self.scene.set_hover(Highlight(hit.voxel, hit.normal, tool.removes) if hit else None)

    def on_draw(self) -> None:
        fb_width, fb_height = self.get_framebuffer_size()
        gl.glViewport(0, 0, fb_width, fb_height)
        gl.glClearColor(*(c / 255 for c in BARS))  # the HUD's bars (see hud.BARS)
        self.clear()
        self.scene.sync()
        self._update_ghost()
        # Laid out before the scene: its rows and the markers it hides follow this frame's scale.
        self.hud.refresh(self.width, self.height, self.walker is not None, self.ui_scale)
        eye = self.camera.eye()
        size = float(max(self.level.shape))
        near = float(np.linalg.norm(eye - np.array(self.level.shape) / 2)) + size * 0.7
        # Only the rows between the HUD's opaque bars: a quarter of the window fewer to shade.
        bottom, top = self.hud.view_rows(self.height)
        scale = fb_height / max(1, self.height)
        rows = int(bottom * scale), int(bottom * scale) + math.ceil((top - bottom) * scale)
        gl.glEnable(gl.GL_SCISSOR_TEST)
        gl.glScissor(0, rows[0], fb_width, rows[1] - rows[0])
        view = (fb_width, fb_height, *rows)
        # Once a frame, for the scene and the markers (0.13 ms each time on the demo).
        view_proj = self.view_proj(np.float64)
        self.scene.draw(view_proj, eye, fog=(near, near + 2.5 * size), view=view)
        gl.glDisable(gl.GL_SCISSOR_TEST)
        self._draw_markers(view_proj)
        if self.editor.room is not None:
            self._teammates.draw(self.editor.room, self.screen_position, self.ui_scale)
        self.hud.draw()
        if self.help_canvas:
            self.help_canvas.draw()
        if self.dialog:
            self.dialog.layout(self.width, self.height, self.ui_scale)
            self.dialog.draw()

    def _draw_markers(self, view_proj: np.ndarray) -> None:
        """The info markers where they appear on screen, over the 3D view (`view_proj` in
        float64, as `view_proj(np.float64)` gives it).

        Their circles and labels are made again only when a marker comes into or goes out of
        view; while the camera moves they only move (making a label costs milliseconds a frame).
        """
        markers = self.level.doc.markers if self.editor.markers_shown else []
        positions = marker_screen_positions(markers, view_proj, self.width, self.height)
        sight = self._markers_in_sight()
        shown = [
            (i, pos)
            for i, pos in enumerate(positions)
            if pos is not None and not self.hud.covers(*pos) and sight[i]
        ]
        scale = self.ui_scale
        key = (scale, *(i for i, _ in shown))
        if key != self._markers_key:
            self._markers_key = key
            self._markers = canvas = Canvas(scale=scale)
            self._marker_parts = []
            for i, (x, y) in shown:
                circle = pyglet.shapes.Circle(
                    x,
                    y,
                    MARKER * scale,
                    color=(30, 110, 200, 240),
                    batch=canvas.batch,
                    group=canvas.back,
                )
                canvas.items.append(circle)
                label = canvas.label(
                    "i",
                    x / scale,
                    y / scale,
                    size=13,
                    bold=True,
                    color=(255, 255, 255, 255),
                    anchor_x="center",
                    anchor_y="center",
                )
                button = _marker_button(x, y, MARKER * scale, self.level.doc.markers[i], self.hud)
                canvas.buttons.append(button)
                self._marker_parts.append((circle, label, button))
        else:
            r = MARKER * scale
            for (circle, label, button), (_, (x, y)) in zip(self._marker_parts, shown):
                circle.position = (x, y)
                label.position = (x, y, 0)
                button.x, button.y = x - r, y - r
        self._markers.draw()

    def _chime(self) -> None:
        """Two rising notes for a goal or a star (F6 mutes them). pyglet falls back to a silent
        driver on a computer without sound; a headless session (scripts, tests) plays none."""
        if pyglet.options["headless"]:
            return
        from pyglet.media.synthesis import Sine

        self._player = player = pyglet.media.Player()
        player.queue([Sine(0.12, frequency=660), Sine(0.2, frequency=880)])
        player.play()

    def _markers_in_sight(self) -> list[bool]:
        """Which markers no block hides from the camera; cast again only when the camera or
        the city changed, not on every frame of a still view."""
        eye = self.camera.eye()
        key = (tuple(np.round(eye, 3)), self.editor.metrics.version)
        if key != self._sight_key:
            self._sight_key = key
            grid = self.editor.session.grid
            self._sight = [marker_in_sight(grid, eye, m.position) for m in self.level.doc.markers]
        return self._sight

    # -- input --------------------------------------------------------------------------
    def _action_callback(self, action_id: str):
        return lambda: self.run_action(action_id)

    def run_action(self, action_id: str) -> None:
        BY_ID[action_id].run(self)

    def on_mouse_motion(self, x, y, dx, dy) -> None:
        self.mouse_xy = (x, y)

    def on_mouse_press(self, x, y, button, modifiers) -> None:
        self.mouse_xy = (x, y)
        if self.dialog:
            self.dialog.click(x, y)
            return
        if self.help_canvas:
            self.help_canvas = None
            self.left_on_ui = True
            return
        self.left_on_ui = button == mouse.LEFT and (
            self._markers.click(x, y) or self.hud.click(x, y)
        )
        if self.left_on_ui:
            self._ghost_key = None
            return
        if button == mouse.RIGHT:
            self.right_press, self.right_moved = (x, y), False
        elif (
            button == mouse.LEFT
            and not modifiers & key.MOD_SHIFT
            and not self.hud.covers(x, y)
            and not self.walker
        ):
            self.editor.tool.press(self.pointer_at(x, y))

    def on_mouse_drag(self, x, y, dx, dy, buttons, modifiers) -> None:
        self.mouse_xy = (x, y)
        if self.dialog:
            return
        if buttons & mouse.RIGHT:
            if (
                self.right_press
                and abs(x - self.right_press[0]) + abs(y - self.right_press[1]) > CLICK_SLOP
            ):
                self.right_moved = True
            if self.right_moved:
                if self.walker:
                    self.walker.look(dx * ORBIT_DEG_PER_PIXEL, dy * ORBIT_DEG_PER_PIXEL)
                else:
                    self.orbit.orbit(dx * ORBIT_DEG_PER_PIXEL, -dy * ORBIT_DEG_PER_PIXEL)
        elif buttons & mouse.MIDDLE or (buttons & mouse.LEFT and modifiers & key.MOD_SHIFT):
            if not self.walker:
                self.orbit.pan(dx, dy, self.height)
        elif buttons & mouse.LEFT and not self.walker:
            self.editor.tool.drag(self.pointer_at(x, y))

    def on_mouse_release(self, x, y, button, modifiers) -> None:
        self.mouse_xy = (x, y)
        if self.dialog:
            return
        if button == mouse.RIGHT and self.right_press and not self.right_moved and not self.walker:
            pointer = self.pointer_at(x, y)
            if pointer.hit and not self.hud.covers(x, y):
                self.editor.apply(Remove(at=pointer.hit.voxel))
            self.right_press = None
        elif (
            button == mouse.LEFT
            and not self.left_on_ui
            and not (modifiers & key.MOD_SHIFT)
            and not self.walker
            and not self.hud.covers(x, y)
        ):
            self.editor.tool.release(self.pointer_at(x, y))
        self._ghost_key = None

    def on_mouse_scroll(self, x, y, scroll_x, scroll_y) -> None:
        if self.dialog or self.walker:
            return
        pointer = self.pointer_at(x, y)
        towards = None
        if pointer.hit:
            towards = (
                np.asarray(pointer.hit.voxel, float) + 0.5 + 0.5 * np.asarray(pointer.hit.normal)
            )
        self.orbit.zoom(scroll_y, towards=towards)

    def on_text(self, text) -> None:
        if self.dialog:
            self.dialog.on_text(text)

    def on_text_motion(self, motion) -> None:
        if self.dialog:
            self.dialog.on_text_motion(motion)

    def on_key_press(self, symbol, modifiers) -> bool:
        name = key_name(key.symbol_string(symbol))
        if self.dialog:
            self.dialog.key(name)
            return pyglet.event.EVENT_HANDLED
        if self.help_canvas and name in ("ESCAPE", "F1"):
            self.help_canvas = None
            return pyglet.event.EVENT_HANDLED
        ctrl, shift = (
            bool(modifiers & (key.MOD_CTRL | key.MOD_COMMAND)),
            bool(modifiers & key.MOD_SHIFT),
        )
        if not ctrl and self.editor.tool.key(name):
            self._ghost_key = None
            return pyglet.event.EVENT_HANDLED
        action = BY_KEY.get(shortcut_name(name, ctrl, shift))
        if action:
            action.run(self)
            self._ghost_key = None
        return pyglet.event.EVENT_HANDLED  # ESC must not close the window

    def update(self, dt: float) -> None:
        """Held keys move the camera; the editor autosaves when due."""
        k = self.keys
        forward = (k[key.W] or k[key.UP]) - (k[key.S] or k[key.DOWN])
        right = (k[key.D] or k[key.RIGHT]) - (k[key.A] or k[key.LEFT])
        if self.walker:
            if forward or right:
                self.walker.walk(forward, right, dt)
                self.editor.walked_on(*self.feet())
        elif not self.dialog:
            if forward or right:
                self.orbit.pan(-right * 600 * dt, -forward * 600 * dt, self.height)
            turn = k[key.E] - k[key.Q]
            if turn:
                self.orbit.orbit(turn * 90 * dt, 0)
            zoom = (k[key.PLUS] or k[key.EQUAL] or k[key.NUM_ADD]) - (
                k[key.MINUS] or k[key.NUM_SUBTRACT]
            )
            if zoom:
                self.orbit.zoom(zoom * 4 * dt)
        if self.people:
            self.scene.traffic.step(dt)
        if self._room_pending is not None:
            self._room_answer()
        self.editor.tick()
        self.editor.check_goals()

    def on_close(self) -> None:
        self.editor.close()
        super().on_close()

    # -- dialogs --------------------------------------------------------------------------
    def cancel(self) -> None:
        self.editor.tool.cancel()
        self.hud.marker_text = None

    def toggle_phone(self) -> None:
        self.hud.toggle_phone()

    def close_dialog(self) -> None:
        self.dialog = None

    def open_team_room(self, create: bool) -> None:
        """Make a team room (a name) or join one (its code) from the editor, not only from the
        start screen: a pupil who began alone joins their team without starting again. The
        server is asked on a thread (the window keeps drawing); a refusal stays in the form."""
        t, person = self.editor.t, self.editor.participant
        if person is None:
            self.editor.notify("room.not_joined")
            return
        form = "make_room" if create else "join_room"
        field = (
            Field("title", t("start.room_title"), t("room.default_title"), limit=60)
            if create
            else Field("code", t("start.room_code"), limit=20)
        )

        def ok(values: dict[str, str]) -> None:
            if self._room_pending is not None:
                return  # Enter pressed again while the first try is under way
            opener = self.editor.room_opener(create, *values.values())
            self._room_pending = Asking(
                dialog,
                lambda: opener(person),
                t("start.joining"),
                self.editor.lang,
                t("start.error"),
            )

        dialog = Dialog(
            t(f"start.{form}"),
            t(f"start.{form}_intro"),
            [field],
            t(f"start.{form}_ok"),
            t("dialog.cancel"),
            ok,
            self.close_dialog,
        )
        self.dialog = dialog

    def _room_answer(self) -> None:
        """The room asked for in `open_team_room`, once the server answered: build in it, or
        say why not in the form that asked."""
        assert self._room_pending is not None
        if not self._room_pending.done:
            return
        asked, self._room_pending = self._room_pending, None
        room = asked.answer()
        if room is None:
            return
        if self.dialog is asked.dialog:
            self.close_dialog()
        self.editor.enter_room(room)

    def open_save_as(self) -> None:
        t = self.editor.t

        def ok(values):
            self.close_dialog()
            self.editor.save(title=values["title"])

        self.dialog = Dialog(
            t("dialog.save_as.title"),
            t("dialog.save_as.intro"),
            [Field("title", t("dialog.field.title"), self.editor.doc.title)],
            t("dialog.save"),
            t("dialog.cancel"),
            ok,
            self.close_dialog,
        )

    def open_submit(self) -> None:
        """The submit form: to the joined workshop under the nickname joined with; without a
        workshop, the design waits in the outbox and the form asks for a nickname."""
        t, doc, person = self.editor.t, self.editor.doc, self.editor.participant

        def ok(values):
            self.close_dialog()
            self.editor.submit(values["title"], values["description"], values.get("pseudonym", ""))

        fields = [
            Field("title", t("dialog.field.title"), doc.title),
            Field("description", t("dialog.field.description"), doc.description, limit=2000),
        ]
        if self.editor.room is not None:  # the room's design, once for the whole team
            fields = fields[:1]
            intro = t("dialog.submit.intro_room", names=", ".join(self.editor.room.names()))
        elif person is None:
            nickname = doc.pseudonyms[0] if doc.pseudonyms else ""
            fields.append(Field("pseudonym", t("dialog.field.pseudonym"), nickname, limit=24))
            intro = t("dialog.submit.intro_not_joined")
        else:
            workshop = person.workshop_title or person.workshop_id
            intro = t("dialog.submit.intro_joined", workshop=workshop, pseudonym=person.pseudonym)
        self.dialog = Dialog(
            t("dialog.submit.title"),
            intro,
            fields,
            t("dialog.submit.ok"),
            t("dialog.cancel"),
            ok,
            self.close_dialog,
        )

    def open_import_stamp(self) -> None:
        t = self.editor.t

        def ok(values):
            self.close_dialog()
            self.editor.import_stamp(values["path"])

        self.dialog = Dialog(
            t("dialog.import_stamp.title"),
            t("dialog.import_stamp.intro"),
            [Field("path", t("dialog.field.path"), limit=400)],
            t("dialog.import"),
            t("dialog.cancel"),
            ok,
            self.close_dialog,
        )

    def toggle_help(self) -> None:
        if self.help_canvas:
            self.help_canvas = None
            return
        t = self.editor.t
        rows = [(" / ".join(a.keys), t(f"action.{a.id}")) for a in BY_ID.values()]
        rows += [(t("help.step_keys"), t("help.step")), (t("help.mouse_keys"), t("help.mouse"))]
        # As few columns as fit the window (two on a 1280×720 screen, three on a small one):
        # rows run down a column and on into the next, each as high as its longer text (a
        # German description may take two lines).
        for columns in (2, 3):
            canvas = self._help_page(rows, columns)
            if canvas is not None:
                break
        else:
            canvas = self._help_page(rows, 3, overflow=True)
        assert canvas is not None
        self.help_canvas = canvas

    def _help_page(
        self, rows: list[tuple[str, str]], columns: int, overflow: bool = False
    ) -> Canvas | None:
        """The help in `columns` columns, or None if its rows do not fit the panel that way."""
        scale = self.ui_scale
        canvas = Canvas(scale=scale)
        width, height = self.width / scale, self.height / scale
        w, h = min(860, width - 40), min(560, height - 40)
        x, y = (width - w) / 2, (height - h) / 2
        canvas.rect(x, y, w, h, PAPER, border=INK[:3])
        canvas.label(self.editor.t("help.title"), x + 20, y + h - 36, size=15, bold=True)
        column_w = (w - 20) / columns
        keys_w = min(160.0, column_w * 0.38)
        what_w = column_w - keys_w - 30
        top, bottom = y + h - 70, y + 12
        measured = []
        for keys_, what in rows:
            made = [
                canvas.label(keys_, 0, 0, size=9, bold=True, width=keys_w, anchor_y="top"),
                canvas.label(what, 0, 0, size=10, width=what_w, anchor_y="top"),
            ]
            measured.append((made, max(canvas.unit(label.content_height) for label in made)))
        # Columns about equally long, none longer than the panel.
        share = sum(round(tall + 8) for _, tall in measured) / columns
        column, cy = 0, top
        for made, tall in measured:
            if cy < top and (cy - tall < bottom or top - cy >= share):
                column, cy = column + 1, top
            if (column == columns or cy - tall < bottom) and not overflow:
                return None
            cx = x + 20 + column * column_w
            for label, (left, room) in zip(
                made, ((cx, keys_w + 4), (cx + keys_w + 10, what_w + 4))
            ):
                canvas.move(label, left, cy)
                canvas.fit(label, left - 2, cy - tall - 1, room, tall + 2)
            cy -= round(tall + 8)  # whole pixels at scale 1: sharp text
        return canvas

    # -- screenshots --------------------------------------------------------------------
    def capture(self) -> np.ndarray:
        return capture()


def capture() -> np.ndarray:
    """The current window's back buffer as an (H, W, 3) image, top row first (after drawing, before flip)."""
    viewport = (gl.GLint * 4)()
    gl.glGetIntegerv(gl.GL_VIEWPORT, viewport)
    width, height = viewport[2], viewport[3]
    buffer = (gl.GLubyte * (width * height * 4))()
    gl.glReadPixels(0, 0, width, height, gl.GL_RGBA, gl.GL_UNSIGNED_BYTE, buffer)
    image = np.ctypeslib.as_array(buffer).reshape(height, width, 4)
    return image[::-1, :, :3].copy()


def _marker_button(x, y, r, marker, hud) -> Button:
    def show():
        hud.marker_text = marker.text

    return RoundButton(x - r, y - r, 2 * r, 2 * r, show)
