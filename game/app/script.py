"""Scripted editor sessions: replay UI steps in the real window, headless, for tests and screenshots.

Clicks and drags name voxel faces; the runner projects the face centre to the screen with
the current camera and sends real mouse events there, so picking is exercised as a student
would exercise it. A face hidden behind something is an error, not a silent miss. Buttons are
pressed by their label as shown, with a real click at their centre.

A script started without a level begins on the start screen (`run_start_screen`): its first
steps type, press keys and buttons there (joining a workshop, say) until a level is chosen; the
rest runs in the editor.
"""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pyglet.window import key, mouse

from game.app.actions import BY_ID
from game.app.start import StartWindow
from game.app.window import EditorWindow, capture
from game.core.document import parse_json, validation_error
from game.core.errors import QuartierError
from game.io.images import write_png

FACES = {
    "top": (0, 0, 1),
    "bottom": (0, 0, -1),
    "east": (1, 0, 0),
    "west": (-1, 0, 0),
    "north": (0, 1, 0),
    "south": (0, -1, 0),
}
BUTTONS = {"left": mouse.LEFT, "right": mouse.RIGHT, "middle": mouse.MIDDLE}
MODIFIERS = {"ctrl": key.MOD_CTRL, "shift": key.MOD_SHIFT, "alt": key.MOD_ALT}


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FaceRef(_Step):
    voxel: tuple[int, int, int]
    face: Literal["top", "bottom", "east", "west", "north", "south"] = "top"


class SelectTool(_Step):
    do: Literal["tool"]
    tool: str


class SelectBlock(_Step):
    do: Literal["block"]
    block: str


class Click(FaceRef):
    do: Literal["click"]
    button: Literal["left", "right"] = "left"


class Hover(FaceRef):
    """Move the mouse over a face without pressing (the tool's preview; in a team room the
    teammates see the pointer there)."""

    do: Literal["hover"]


class Drag(_Step):
    do: Literal["drag"]
    from_: FaceRef = Field(alias="from")
    to: FaceRef
    button: Literal["left", "right"] = "left"


class Key(_Step):
    do: Literal["key"]
    key: str
    mods: list[Literal["ctrl", "shift", "alt"]] = []


class Text(_Step):
    do: Literal["text"]
    text: str = Field(max_length=2000)


class PressButton(_Step):
    """Click the button with this label (in the session's language) where it is drawn."""

    do: Literal["button"]
    label: str


class WaitForSync(_Step):
    """Keep drawing until the outbox is empty (every design sent or refused) or `seconds` pass:
    a scripted session ends as soon as its steps are done, sending or not."""

    do: Literal["wait_for_sync"]
    seconds: float = Field(default=20.0, gt=0, le=120)


class Camera(_Step):
    do: Literal["camera"]
    preset: Literal["bird", "top", "street"] | None = None
    yaw: float | None = None
    pitch: float | None = None
    distance: float | None = None
    target: tuple[float, float, float] | None = None


class Walk(_Step):
    do: Literal["walk"]
    forward: float = 0.0
    right: float = 0.0
    seconds: float = Field(default=1.0, ge=0, le=60)


class Action(_Step):
    do: Literal["action"]
    action: str


class TimeOfDay(_Step):
    """Set the time of day (what T cycles through): the sun, its light, the sky, the shadows."""

    do: Literal["time"]
    time: Literal["morning", "noon", "evening"]


class Screenshot(_Step):
    do: Literal["screenshot"]
    path: str


class Wait(_Step):
    """Keep drawing for `frames` frames and at least `seconds` (a star's celebration and a
    message fade by the clock: a screenshot after them shows the city, not the banner)."""

    do: Literal["wait"]
    frames: int = Field(default=1, ge=1, le=600)
    seconds: float = Field(default=0.0, ge=0, le=60)


class Room(_Step):
    """Build in a team room of the joined workshop: make one (`create`, named `title`) or
    join one by its code (`join`)."""

    do: Literal["room"]
    create: bool = False
    title: str = Field(default="", max_length=60)
    join: str | None = Field(default=None, max_length=20)


class WaitForRoom(_Step):
    """Keep drawing until the room is as asked, or fail after `seconds`: at least `members`
    online, at least `pointers` teammates pointing somewhere, `block` at `voxel` (a teammate's
    step arrived), and always every own edit answered."""

    do: Literal["wait_for_room"]
    members: int = Field(default=0, ge=0, le=30)
    pointers: int = Field(default=0, ge=0, le=30)
    voxel: tuple[int, int, int] | None = None
    block: str = "air"
    seconds: float = Field(default=30.0, gt=0, le=120)


Step = Annotated[
    SelectTool
    | SelectBlock
    | Click
    | Hover
    | Drag
    | Key
    | Text
    | PressButton
    | WaitForSync
    | Camera
    | Walk
    | Action
    | TimeOfDay
    | Screenshot
    | Wait
    | Room
    | WaitForRoom,
    Field(discriminator="do"),
]
_SCRIPT = TypeAdapter(list[Step])


def parse_ui_script(text: str | bytes, what: str = "script") -> list:
    try:
        return _SCRIPT.validate_python(parse_json(text, what=what))
    except ValidationError as exc:
        raise validation_error(what, exc) from None


class ScriptRunner:
    def __init__(self, window: EditorWindow) -> None:
        self.window = window

    def frame(self) -> np.ndarray:
        """Draw one frame and return it (read from the back buffer before the flip)."""
        w = self.window
        w.switch_to()
        w.dispatch_events()
        w.on_draw()
        image = w.capture()
        w.flip()
        return image

    def settle(self) -> None:
        """Let the background indicators finish, as a student would by looking for a moment."""
        self.window.editor.background.wait()
        self.window.editor.check_goals()

    def run(self, steps: list) -> None:
        self.frame()
        for number, step in enumerate(steps, start=1):
            try:
                self.step(step)
            except QuartierError as exc:
                raise QuartierError(
                    "error.in_step", step=number, reason=exc.message(self.window.editor.lang)
                ) from None
            self.frame()

    def _screen(self, ref: FaceRef) -> tuple[float, float]:
        """Window coordinates of a face centre, checked to really pick that voxel and face."""
        normal = FACES[ref.face]
        centre = np.asarray(ref.voxel, float) + 0.5 + 0.5 * np.asarray(normal)
        pos = self.window.screen_position(centre)
        if pos is None or not (
            0 <= pos[0] < self.window.width and 0 <= pos[1] < self.window.height
        ):
            raise QuartierError(
                "error.face_off_screen", voxel=", ".join(map(str, ref.voxel)), face=ref.face
            )
        hit = self.window.pointer_at(*pos).hit
        if hit is None or hit.voxel != ref.voxel or hit.normal != normal:
            raise QuartierError(
                "error.face_hidden", voxel=", ".join(map(str, ref.voxel)), face=ref.face
            )
        return pos

    def step(self, step) -> None:
        w = self.window
        if isinstance(step, SelectTool):
            if step.tool not in w.editor.tools:
                raise QuartierError("error.unknown_tool", tool=step.tool)
            w.editor.select_tool(step.tool)
        elif isinstance(step, SelectBlock):
            w.level.catalogue.id(step.block)
            w.editor.select_block(step.block)
        elif isinstance(step, Click):
            x, y = self._screen(step)
            button = BUTTONS[step.button]
            w.on_mouse_motion(x, y, 0, 0)
            w.on_mouse_press(x, y, button, 0)
            w.on_mouse_release(x, y, button, 0)
        elif isinstance(step, Hover):
            w.on_mouse_motion(*self._screen(step), 0, 0)
        elif isinstance(step, Drag):
            (x0, y0), (x1, y1) = self._screen(step.from_), self._screen(step.to)
            button = BUTTONS[step.button]
            w.on_mouse_motion(x0, y0, 0, 0)
            w.on_mouse_press(x0, y0, button, 0)
            px, py = x0, y0
            for t in np.linspace(0, 1, 9)[1:]:
                x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                w.on_mouse_drag(x, y, x - px, y - py, button, 0)
                px, py = x, y
            self.frame()  # the ghost preview is drawn mid-drag, as a student sees it
            w.on_mouse_release(x1, y1, button, 0)
        elif isinstance(step, Key):
            w.on_key_press(*key_press(step))
        elif isinstance(step, Text):
            w.on_text(step.text)
        elif isinstance(step, PressButton):
            canvases = [w.dialog.canvas] if w.dialog else [w.hud.canvas]
            x, y = button_centre(canvases, step.label)
            w.on_mouse_press(x, y, mouse.LEFT, 0)
            w.on_mouse_release(x, y, mouse.LEFT, 0)
        elif isinstance(step, WaitForSync):
            until = time.monotonic() + step.seconds
            while w.editor.outbox.files() and time.monotonic() < until:
                w.update(1 / 30)
                self.frame()
                time.sleep(1 / 30)
            w.update(1 / 30)  # the news of the sending, as a toast
        elif isinstance(step, Camera):
            self._camera(step)
        elif isinstance(step, Walk):
            if w.walker is None:
                w.toggle_walk()
            walker = w.walker
            assert walker is not None
            for _ in range(max(1, int(step.seconds * 30))):
                w.update(1 / 30)  # no keys held: the editor's per-frame work, people walk on
                walker.walk(step.forward, step.right, 1 / 30)
                w.editor.walked_on(*w.feet())
        elif isinstance(step, Action):
            if step.action not in BY_ID:
                raise QuartierError("error.unknown_action", action=step.action)
            w.run_action(step.action)
        elif isinstance(step, TimeOfDay):
            w.time_of_day = step.time
        elif isinstance(step, Screenshot):
            self.settle()
            write_png(Path(step.path), self.frame())
        elif isinstance(step, Room):
            self._room(step)
        elif isinstance(step, WaitForRoom):
            self._wait_for_room(step)
        elif isinstance(step, Wait):
            _wait(step, self.frame, w.update)

    def _room(self, step: Room) -> None:
        editor = self.window.editor
        if step.create == (step.join is not None):
            raise QuartierError("error.room_step")
        entered = editor.make_room(step.title) if step.create else editor.join_room(step.join or "")
        if not entered:  # the reason is the toast the pupil would read
            raise QuartierError("error.room_not_entered", reason=editor.current_toast() or "?")

    def _wait_for_room(self, step: WaitForRoom) -> None:
        w = self.window
        room = w.editor.room
        if room is None:
            raise QuartierError("error.room_not_entered", reason="-")
        block = w.level.catalogue.id(step.block)

        def ready() -> bool:
            online = sum(1 for m in room.members if m.get("online"))
            at = step.voxel is None or w.editor.session.grid[step.voxel] == block
            mirror = room.client.mirror
            pointing = len(room.pointers) >= step.pointers
            return online >= step.members and pointing and at and not (mirror and mirror.pending)

        until = time.monotonic() + step.seconds
        while not ready():
            if time.monotonic() > until:
                raise QuartierError("error.room_wait", seconds=step.seconds)
            w.update(1 / 30)
            self.frame()
            time.sleep(1 / 30)
        w.update(1 / 30)

    def _camera(self, step: Camera) -> None:
        w = self.window
        if step.preset:
            w.view_preset(step.preset)
        orbit = w.orbit
        if step.target is not None:
            orbit.target = step.target
        if step.yaw is not None:
            orbit.yaw_deg = step.yaw % 360
        if step.pitch is not None:
            orbit.pitch_deg = step.pitch
        if step.distance is not None:
            orbit.distance = step.distance
        w.walker = None
        # The pointer of the last click now points somewhere else in the new view: a student
        # would move it first, so no tool preview appears where nobody points.
        w.mouse_xy = None


def key_press(step: Key) -> tuple[int, int]:
    """pyglet's symbol and modifiers for a key step ("4" is pyglet's `_4`)."""
    name = step.key.upper()
    symbol = getattr(key, f"_{name}" if name.isdigit() else name, None)
    if not isinstance(symbol, int):
        raise QuartierError("error.unknown_key", key=step.key)
    mods = 0
    for m in step.mods:
        mods |= MODIFIERS[m]
    return symbol, mods


def button_centre(canvases: list, label: str) -> tuple[float, float]:
    """Where to click the button labelled `label` (the topmost canvas first)."""
    for canvas in canvases:
        for button in reversed(canvas.buttons):
            if button.label == label:
                return button.x + button.w / 2, button.y + button.h / 2
    raise QuartierError("error.no_button", label=label)


def run_start_screen(window: StartWindow, steps: list) -> list:
    """Replay the script's first steps on the start screen until a level is chosen; the steps
    left over are for the editor. A step that needs the editor before that is an error."""

    def frame() -> np.ndarray:
        window.switch_to()
        window.dispatch_events()
        window.on_draw()
        image = capture()
        window.flip()
        return image

    frame()
    for number, step in enumerate(steps, start=1):
        if window.choice is not None:
            return steps[number - 1 :]
        try:
            _start_step(window, step, frame)
        except QuartierError as exc:
            if exc.key == "error.start_step":
                raise QuartierError("error.start_step", step=number) from None
            reason = exc.message(window.start.lang)
            raise QuartierError("error.in_step", step=number, reason=reason) from None
        while window.start.pending is not None:  # a join under way: wait for its answer
            frame()
            time.sleep(1 / 30)
        if window.choice is None:
            frame()
    return []


def _start_step(window: StartWindow, step: object, frame: Callable[[], np.ndarray]) -> None:
    start = window.start
    if isinstance(step, Key):
        window.on_key_press(*key_press(step))
    elif isinstance(step, Text):
        window.on_text(step.text)
    elif isinstance(step, PressButton):
        canvases = [start.dialog.canvas] if start.dialog else [start.canvas]
        window.on_mouse_press(*button_centre(canvases, step.label), mouse.LEFT, 0)
    elif isinstance(step, Screenshot):
        write_png(Path(step.path), frame())
    elif isinstance(step, Wait):
        _wait(step, frame)
    else:
        raise QuartierError("error.start_step")


def _wait(
    step: Wait, frame: Callable[[], object], tick: Callable[[float], None] | None = None
) -> None:
    """`step.frames` frames, then frames until `step.seconds` have passed: messages and banners
    fade by the clock. With `tick` (the editor's people and cars), first that many seconds in
    ticks of 1/30 s, each drawn, so a picture does not depend on how fast this machine draws."""
    until = time.monotonic() + step.seconds
    for _ in range(step.frames - 1):
        frame()
    if tick is not None:
        for _ in range(round(step.seconds * 30)):
            tick(1 / 30)
            frame()
    while time.monotonic() < until:
        frame()
        time.sleep(1 / 30)
