"""The editor's state and logic without any window: the design, the tools, saving and submitting.

The window turns mouse and keys into calls on this object; scripted sessions and tests drive
the same calls, so what they check is what students use.
"""

import queue
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from game import __version__
from game.app.background import ExpensiveIndicators
from game.app.team_room import TeamRoom
from game.app.tools import TOOLS, Pointer, Tool
from game.app.tools.stamp import StampTool
from game.core.change import Change, History
from game.core.design import DesignDocument, new_design, save_changes, with_texts
from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.core.indicators import Metrics, refuse_over_budget
from game.core.indicators import stars as count_stars
from game.core.level import LimitGoal
from game.core.ops import Operation
from game.core.rules import check_design
from game.core.session import EditResult, Session
from game.io import storage
from game.io.designs import write_design
from game.io.paths import autosave_dir, designs_dir, outbox_dir, participant_file
from game.io.storage import Autosaver
from game.io.vox import read_stamp
from game.sync import (
    BackgroundSync,
    Outbox,
    Participant,
    SyncClient,
    SyncReport,
    load_participant,
    renew_personal_code,
    save_participant,
    status_for_student,
)

TOAST_SECONDS = 4.0
CELEBRATION_SECONDS = 2.0


def design_filename(title: str, doc: DesignDocument) -> str:
    """A file name students recognise: the title as a slug plus a short id against clashes."""
    slug = re.sub(r"[^a-z0-9äöüß]+", "-", title.lower()).strip("-")[:40] or doc.level.id
    return f"{slug}-{str(doc.id)[:8]}.design.json"


class Editor:
    def __init__(
        self,
        session: Session,
        doc: DesignDocument,
        path: Path | None,
        lang: Language,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.level = session.level
        self.doc = doc
        self.path = path or designs_dir() / design_filename(doc.title, doc)
        self.lang = lang
        self.clock = clock
        self.tools: dict[str, Tool] = {cls.id: cls(self) for cls in TOOLS}
        self.tool = self.tools["place"]
        self.previous_tool = "place"
        allowed = [b.key for b in self.level.catalogue.blocks if b.key in self.level.allowed]
        self.block = "housing" if "housing" in allowed else allowed[0]
        self.on_change: Callable[[Change], None] = lambda change: None
        self.toast: tuple[str, float] | None = None
        #: The level's info markers are drawn (and take clicks); key I hides them for building.
        self.markers_shown = True
        self.autosaver = Autosaver(
            autosave_dir() / f"{doc.id}.design.json", self._autosave_bytes, clock=clock
        )
        self.metrics = Metrics(session)
        start = Metrics(Session(self.level))
        start.compute_expensive()
        self.start_values = start.values
        self.background = ExpensiveIndicators(self.metrics)
        self.background.request()
        self._sync_news: SyncReport | None = None
        # The answer of asking the server for a personal code (a thread hands it to `tick`).
        self._phone_news: queue.SimpleQueue[Participant | QuartierError] = queue.SimpleQueue()
        self.asking_phone_code = False
        self._goals_checked: tuple | None = None
        # Goals met and stars earned so far, each celebrated once (not every time it flips
        # back); until the first edit, what the design starts with (and what the background
        # values add to it) is no news.
        self._start_version = self.metrics.version
        start_goals = self.metrics.goals()
        self._celebrated = ({g.id for g in start_goals if g.met}, count_stars(start_goals))
        self.celebration: tuple[str, float] | None = None  # what, since when (clock)
        self.on_celebrate: Callable[[], None] = lambda: None  # the window plays a sound
        self.sound_on = True
        self.outbox = Outbox(outbox_dir(), storage)
        # The workshop this computer joined (None: designs wait in the outbox until it joins one).
        self.participant = load_participant(participant_file())
        self.sync = self._start_sync()
        # The team room the pupil builds in (None: alone); its submission's answer, from a thread.
        self.room: TeamRoom | None = None
        self._room_news: queue.SimpleQueue[list[str] | QuartierError] = queue.SimpleQueue()

    # -- messages -----------------------------------------------------------------------
    # `key` is positional-only, so a message may have a parameter called `key` (a block's key).
    def t(self, key: str, /, **params: object) -> str:
        return text(self.lang, key, **params)

    def notify(self, key: str, /, **params: object) -> None:
        self.show(self.t(key, **params))

    def show(self, message: str) -> None:
        self.toast = (message, self.clock() + TOAST_SECONDS)

    def current_toast(self) -> str | None:
        if self.toast and self.clock() < self.toast[1]:
            return self.toast[0]
        return None

    # -- editing ------------------------------------------------------------------------
    def select_tool(self, tool_id: str) -> None:
        if tool_id != self.tool.id:
            self.tool.cancel()
            self.previous_tool = self.tool.id
            self.tool = self.tools[tool_id]

    def toggle_markers(self) -> None:
        self.markers_shown = not self.markers_shown
        self.notify("editor.markers_shown" if self.markers_shown else "editor.markers_hidden")

    def select_block(self, key: str) -> None:
        if key in self.level.allowed:
            self.block = key
        else:
            self.notify("error.block_not_allowed", key=key)

    def apply(self, op: Operation) -> EditResult | None:
        if self.room is not None and self.room.client.locked:
            # Refused here, in the server's words: shown and rolled back, the edit would flash.
            self.notify("server.room_locked")
            return None
        try:
            index, values, clipped = self.session.preview(op)
            refuse_over_budget(self.session, index, values, self.lang)
            result = self.session.commit(index, values, clipped, record=self.room is None)
        except QuartierError as exc:
            self.show(exc.message(self.lang))
            return None
        if self.room is not None and result.change is not None:
            self.room.client.propose(op)  # shown at once; the room's answer may roll it back
        self._changed(result.change)
        clipped_message = result.clipped_message(self.level, self.lang)
        messages = [clipped_message] if clipped_message else []
        messages += self._goal_warnings(result.change)
        if messages:
            self.show(" ".join(messages))
        return result

    def _goal_warnings(self, change: Change | None) -> list[str]:
        """A floor limit the edit just broke, said at once: built anyway, but the pupil knows why
        the goal is lost and what to do (the goals panel alone would only lose its tick)."""
        if change is None:
            return []
        stats = self.metrics.stats
        box = (slice(change.lo[0], change.hi[0] + 1), slice(change.lo[1], change.hi[1] + 1))
        floors = stats.floors[box][stats.zone[box]]
        highest = int(floors.max()) if floors.size else 0
        return [
            self.t("editor.goal_floors", floors=highest, max=goal.rule.max_floors)
            for goal in self.level.doc.goals
            if isinstance(goal.rule, LimitGoal) and highest > goal.rule.max_floors
        ]

    def import_stamp(self, path: str) -> None:
        """Load a .vox model into the stamp tool, its colours turned into the level's allowed blocks."""
        try:
            stamp, _ = read_stamp(
                Path(path.strip()).expanduser(), self.level.catalogue, self.level.allowed
            )
        except QuartierError as exc:
            self.show(exc.message(self.lang))
            return
        self.select_tool("stamp")
        assert isinstance(self.tool, StampTool)
        self.tool.load(stamp)
        self.notify("tool.stamp.imported", size="×".join(map(str, stamp.blocks.shape)))

    def undo(self) -> None:
        if self.room is not None:  # the room's rule: your own last edit, as the server sees it
            self.room.client.undo()
            return
        if not self._changed(self.session.undo()):
            self.notify("editor.nothing_to_undo")

    @property
    def can_undo(self) -> bool:
        """Whether ↶ does something: in a team room the server knows (your own last steps)."""
        return self.room is not None or self.session.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.room is None and self.session.history.can_redo

    def redo(self) -> None:
        if self.room is not None:
            self.notify("room.no_redo")
            return
        if not self._changed(self.session.redo()):
            self.notify("editor.nothing_to_redo")

    def _changed(self, change: Change | None, mine: bool = True) -> bool:
        if change is None:
            return False
        self.autosaver.mark_dirty()
        self.metrics.update(change)
        self.background.request()
        self.on_change(change)
        if mine:  # a teammate's house is not the pupil's first building
            self._check_achievements(change)
        return True

    # -- the team room ------------------------------------------------------------------
    def make_room(self, title: str) -> bool:
        """Make a team room in the joined workshop and build in it (the code is shown in the
        room's panel, to tell the team)."""
        return self._enter_room(self.room_opener(True, title))

    def join_room(self, code: str) -> bool:
        """Build in the team room with this code."""
        return self._enter_room(self.room_opener(False, code))

    def room_opener(self, create: bool, value: str) -> Callable[[Participant], TeamRoom]:
        """What opens the room: make one called `value`, or join the one with code `value`.
        It asks the server, so the window runs it on a thread and then `enter_room`s."""
        if create:
            return lambda person: TeamRoom.make(person, value, self.level, self.lang, self.clock)
        return lambda person: TeamRoom.join(person, value, self.level, self.lang, self.clock)

    def _enter_room(self, open_room: Callable[[Participant], TeamRoom]) -> bool:
        if self.participant is None:
            self.notify("room.not_joined")
            return False
        try:
            room = open_room(self.participant)
        except QuartierError as exc:
            self.show(exc.message(self.lang))
            return False
        self.enter_room(room)
        return True

    def enter_room(self, room: TeamRoom) -> None:
        """The design on screen becomes the room's: what the team built so far appears, and
        undo follows the room's rule from now on. The pupil's own design stays in its file (or
        its autosave); the room's is a new design of its own, autosaved apart from it."""
        if self.room is not None:
            self.room.close()
        if self.autosaver.dirty:
            self.autosaver.flush()  # the pupil's own design waits in the autosave
        self.room = room
        self.doc = new_design(self.level, __version__, title=room.title[:120])
        self.path = designs_dir() / design_filename(self.doc.title, self.doc)
        self.autosaver = Autosaver(
            autosave_dir() / f"{self.doc.id}.design.json", self._autosave_bytes, clock=self.clock
        )
        self.session.history = History()
        self._sync_room()
        self.notify("room.entered", code=room.code)

    def _sync_room(self) -> None:
        """Take the room's grid as shown (the pupil's unanswered edits on top): only the voxels
        that differ, so only their chunks are made again."""
        assert self.room is not None
        shown = self.room.client.grid().reshape(-1)
        flat = self.session.grid.reshape(-1)
        index = np.flatnonzero(shown != flat)
        if index.size:
            result = self.session.commit(index, shown[index], EditResult(None), record=False)
            self._changed(result.change, mine=False)

    def _room_tick(self) -> None:
        assert self.room is not None
        changed, messages = self.room.events()
        if changed:
            self._sync_room()
        for message in messages:
            self.show(message)
        if self.room.ended:  # taken out, or the login is gone: the design stays, built alone
            self.room.close()
            self.room = None
        news = None if self._room_news.empty() else self._room_news.get_nowait()
        if isinstance(news, QuartierError):
            self.show(news.message(self.lang))
        elif news is not None:
            self.notify("room.submitted", names=", ".join(news))

    def submit_for_team(self, title: str) -> bool:
        """Submit the room's design once, for the whole team: the server takes the design as
        the room holds it and names every member; the answer comes as a message."""
        assert self.room is not None and self.participant is not None
        person, code = self.participant, self.room.code
        title = title.strip()[:120] or self.room.title or self.doc.title

        def run() -> None:
            try:
                with SyncClient(person, self.outbox) as client:
                    self._room_news.put(list(client.submit_room(code, title, self.lang).authors))
            except QuartierError as exc:
                self._room_news.put(exc)

        threading.Thread(target=run, name="quartier-room-submit", daemon=True).start()
        self.notify("room.submitting")
        return True

    # -- the game -----------------------------------------------------------------------
    def _check_achievements(self, change: Change) -> None:
        _, _, after = change.voxels()
        tables = self.level.catalogue
        placed = {tables.key(int(i)) for i in set(after.tolist()) if i}
        if any(tables.block(k).use for k in placed):
            self.achieve("first_building")
        if any(tables.block(k).amenity in ("park", "garden") for k in placed):
            self.achieve("first_park")

    def check_goals(self) -> None:
        """After the background values arrived: all goals met is worth an achievement.

        Called every frame, so it only evaluates the goals when the values have changed.
        """
        state = (self.metrics.version, frozenset(self.metrics.stale))
        if state == self._goals_checked:
            return
        self._goals_checked = state
        goals = self.metrics.goals()
        if goals and all(g.met for g in goals) and not self.metrics.stale:
            self.achieve("all_goals")
        self._celebrate(goals)

    def _celebrate(self, goals: list) -> None:
        """A goal met or a star earned for the first time is shown big on screen for a moment."""
        met = {g.id for g in goals if g.met}
        earned = count_stars(goals)
        done, best = self._celebrated
        if self.metrics.version == self._start_version:
            self._celebrated = (done | met, max(best, earned))
            return
        new = [g for g in goals if g.met and g.id not in done]
        if earned > best:
            message = self.t("editor.celebrate_star", stars=earned)
        elif new:
            message = self.t("editor.celebrate_goal", goal=new[0].text.in_(self.lang))
        else:
            return
        self._celebrated = (done | met, max(best, earned))
        self.celebration = (message, self.clock())
        if self.sound_on:
            self.on_celebrate()

    def current_celebration(self) -> tuple[str, float] | None:
        """The celebration shown now and how far it has run (0..1), or None."""
        if self.celebration is None:
            return None
        message, since = self.celebration
        phase = (self.clock() - since) / CELEBRATION_SECONDS
        return (message, phase) if phase < 1 else None

    def toggle_sound(self) -> None:
        self.sound_on = not self.sound_on
        self.notify("editor.sound_on" if self.sound_on else "editor.sound_off")

    def walked_on(self, x: int, y: int, z: int) -> None:
        """The walker stands on column (x, y) with feet at z: on something the student built?"""
        below = max(0, min(z - 1, self.level.shape[2] - 1))
        if self.session.grid[x, y, below] != self.level.city[x, y, below]:
            self.achieve("walked_street")

    def achieve(self, achievement: str) -> None:
        if achievement in self.doc.achievements:
            return
        self.doc = self.doc.model_copy(
            update={"achievements": [*self.doc.achievements, achievement]}
        )
        self.autosaver.mark_dirty()
        self.notify("editor.achievement", name=self.t(f"achievement.{achievement}"))

    def preview(self, pointer: Pointer | None) -> tuple[np.ndarray, np.ndarray, float] | None:
        """The current tool's ghost: voxels it would change, their new values, and the cost."""
        op = self.tool.ghost(pointer)
        if op is None:
            return None
        try:
            index, values, _ = self.session.preview(op)
        except QuartierError:
            return None
        return index, values, self.session.preview_cost(index, values)

    # -- files --------------------------------------------------------------------------
    def _autosave_bytes(self) -> bytes:
        return save_changes(self.doc, self.session, __version__).to_json().encode("utf-8")

    def save(self, title: str | None = None) -> bool:
        """Save to the design's file ("save as" when a new title is given); the autosave is then obsolete."""
        try:
            if title is not None and title.strip():
                self.doc = with_texts(self.doc, title=title.strip()[:120])
                self.path = designs_dir() / design_filename(self.doc.title, self.doc)
            self.doc = write_design(self.path, self.doc, self.session)
        except QuartierError as exc:
            self.show(exc.message(self.lang))
            return False
        self.autosaver.dirty = False
        self.autosaver.path.unlink(missing_ok=True)
        self.notify("editor.saved", path=self.path.name)
        return True

    def submit(self, title: str, description: str, pseudonym: str = "") -> bool:
        """Save, then queue the design for the collection server (sent when a server is reachable).

        A pupil who joined a workshop submits under the nickname they joined with; in a team
        room, the room's design goes once for the whole team (`submit_for_team`)."""
        if self.room is not None:
            return self.submit_for_team(title)
        if self.participant is not None:
            pseudonym = self.participant.pseudonym
        title = title.strip()[:120] or self.doc.title
        update: dict[str, str | list[str]] = {
            "title": title,
            "description": description.strip()[:2000],
        }
        if pseudonym.strip():
            update["pseudonyms"] = [pseudonym.strip()[:24]]
        try:
            self.doc = with_texts(self.doc, **update)
        except QuartierError as exc:
            self.show(exc.message(self.lang))
            return False
        # A design never saved before gets its file name from the title it is submitted with.
        if not self.save(title=None if self.path.exists() else title):
            return False
        try:
            check_design(self.session)  # the server's check: refused here, not after the upload
            self.outbox.queue(self.doc)
        except QuartierError as exc:
            self.show(exc.message(self.lang))
            return False
        self.notify("editor.queued" if self.sync else "editor.queued_not_joined")
        return True

    def _start_sync(self) -> BackgroundSync | None:
        """Send submissions in the background once this student has joined a workshop."""
        if self.participant is None:
            return None
        sync = BackgroundSync(
            SyncClient(self.participant, self.outbox), on_report=self._on_sync_report
        )
        sync.start()
        return sync

    def ask_phone_code(self) -> None:
        """Ask the server for a personal code (a pupil who joined before there were any): on a
        thread, so the editor keeps drawing; `tick` stores and shows the answer."""
        person = self.participant
        if person is None or self.asking_phone_code:
            return
        self.asking_phone_code = True

        def run() -> None:
            try:
                self._phone_news.put(renew_personal_code(person, lang=self.lang))
            except QuartierError as exc:
                self._phone_news.put(exc)

        threading.Thread(target=run, name="quartier-phone-code", daemon=True).start()

    def _on_sync_report(self, report: SyncReport) -> None:
        """Runs on the sync thread: only hands the news over; `tick` shows it."""
        if report.outcome(str(self.doc.id)):
            self._sync_news = report

    def tick(self) -> None:
        """Called every frame: autosave when due, what became of a submission, the room's news."""
        if self.room is not None:
            self._room_tick()
        news, self._sync_news = self._sync_news, None
        if news is not None:
            self.show(status_for_student(str(self.doc.id), self.lang, self.outbox))
        phone = None if self._phone_news.empty() else self._phone_news.get_nowait()
        if isinstance(phone, Participant):
            self.asking_phone_code = False
            self.participant = phone
            try:
                save_participant(phone, participant_file(), storage)
            except QuartierError as exc:  # shown now; the code is there for this session
                self.show(exc.message(self.lang))
        elif isinstance(phone, QuartierError):
            self.asking_phone_code = False
            self.show(phone.message(self.lang))
        if self.autosaver.tick():
            self.notify("editor.autosaved")
        elif self.autosaver.last_error and self.autosaver.dirty:
            self.show(self.autosaver.last_error.message(self.lang))
            self.autosaver.last_error = None

    def close(self) -> None:
        """On exit: whatever was not saved goes to the autosave, to be offered back next time."""
        self.background.close()
        if self.room is not None:
            self.room.close()
        if self.sync:
            self.sync.stop()
        self.autosaver.flush()
