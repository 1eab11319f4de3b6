"""Keeps a session's indicators current: cheap ones per edit, expensive ones on request.

The cheap indicators are sums over columns (`columns.py`), so after an edit only the columns
in the edit's bounding box are recomputed (a 1-voxel edit on a 512² level touches 1 column,
not 262,144). The expensive ones (walking, sunlight) look at the whole level; the editor runs
`compute_expensive` on a `Snapshot` in a worker thread and shows them as stale until then.

Threading: `update`, `refresh` and `snapshot` run on the thread that edits the session;
`compute_expensive(snapshot)` may run on any thread, it reads only the snapshot's own copy
of the grid and stores its results under a lock.
"""

import threading
from dataclasses import dataclass

import numpy as np

from game.core.change import Change
from game.core.indicators.base import Cache, Indicator, Reading
from game.core.indicators.columns import ColumnIndicator, ColumnStats
from game.core.indicators.goals import GoalResult, evaluate_goals, stars
from game.core.indicators.registry import INDICATORS
from game.core.level import Level
from game.core.session import Session


@dataclass(frozen=True)
class Snapshot:
    """A private copy of the grid at edit number `version`, safe to read from another thread."""

    version: int
    grid: np.ndarray


def compute_all(
    grid: np.ndarray, level: Level, indicators: tuple[type[Indicator], ...] = INDICATORS
) -> dict[str, Reading]:
    """Every indicator of `grid` from scratch (what `quartier design info --json` prints)."""
    cache: Cache = {}
    return {cls.key: cls.evaluate(grid, level, level.catalogue, cache) for cls in indicators}


class Metrics:
    """The indicator values of a `Session`'s design, kept in step with its edits."""

    def __init__(
        self, session: Session, indicators: tuple[type[Indicator], ...] = INDICATORS
    ) -> None:
        self.session = session
        self.level = session.level
        self.indicators = indicators
        self.cheap = tuple(i for i in indicators if not i.expensive)
        self.expensive = tuple(i for i in indicators if i.expensive)
        self.version = 0
        self._lock = threading.Lock()
        self._readings: dict[str, Reading] = {}
        self._computed_at: dict[str, int] = {}
        self.stats: ColumnStats
        self.refresh()

    # -- cheap: on the editing thread ------------------------------------------------------

    def refresh(self) -> dict[str, float]:
        """Recompute the cheap indicators from scratch (after loading, or if in doubt)."""
        self.stats = ColumnStats(self.session.grid, self.level)
        return self._read_cheap(new_version=True)

    def update(self, change: Change | None) -> dict[str, float]:
        """Bring the cheap indicators up to date after `change` was applied, undone or redone."""
        if change is None or change.count == 0:
            return self._read_cheap(new_version=False)
        self.stats.update(self.session.grid, change.lo, change.hi)
        return self._read_cheap(new_version=True)

    def _read_cheap(self, new_version: bool) -> dict[str, float]:
        cache: Cache = {"columns": self.stats}
        with self._lock:
            self.version += new_version
            for cls in self.cheap:
                if issubclass(cls, ColumnIndicator):
                    reading = Reading(cls.from_stats(self.stats), cls.note_of(self.stats))
                else:  # an indicator that is not a column sum is recomputed in full
                    reading = cls.evaluate(
                        self.session.grid, self.level, self.level.catalogue, cache
                    )
                self._readings[cls.key] = reading
                self._computed_at[cls.key] = self.version
            return {cls.key: self._readings[cls.key].value for cls in self.cheap}

    # -- expensive: any thread, on a snapshot ------------------------------------------------

    def snapshot(self) -> Snapshot:
        """A copy of the current grid to hand to a worker thread."""
        with self._lock:
            return Snapshot(self.version, self.session.grid.copy())

    def compute_expensive(self, snapshot: Snapshot | None = None) -> dict[str, float]:
        """Compute the expensive indicators on `snapshot` (a fresh one if None) and keep the results."""
        snapshot = snapshot or self.snapshot()
        cache: Cache = {}
        readings = {
            cls.key: cls.evaluate(snapshot.grid, self.level, self.level.catalogue, cache)
            for cls in self.expensive
        }
        with self._lock:
            for key, reading in readings.items():
                if self._computed_at.get(key, -1) <= snapshot.version:
                    self._readings[key] = reading
                    self._computed_at[key] = snapshot.version
        return {key: r.value for key, r in readings.items()}

    # -- reading ---------------------------------------------------------------------------

    @property
    def values(self) -> dict[str, float]:
        """Every value known so far, in registry order; see `stale` for expensive ones that lag behind."""
        with self._lock:
            return {
                cls.key: self._readings[cls.key].value
                for cls in self.indicators
                if cls.key in self._readings
            }

    @property
    def notes(self) -> dict[str, str]:
        """String-table keys that qualify a value (e.g. `indicator.note.no_homes`), by indicator key."""
        with self._lock:
            return {k: r.note for k, r in self._readings.items() if r.note}

    @property
    def stale(self) -> set[str]:
        """Keys of expensive indicators not computed for the current design (never, or before the last edit)."""
        with self._lock:
            return {
                cls.key
                for cls in self.expensive
                if self._computed_at.get(cls.key, -1) != self.version
            }

    def goals(self) -> list[GoalResult]:
        """The level's goals with the values known now (an expensive one may be stale, see `stale`)."""
        return evaluate_goals(self.level, self.session.grid, self.values, self.stats)

    def stars(self) -> int:
        return stars(self.goals())


def measure(session: Session) -> Metrics:
    """Every indicator of `session`'s design, the expensive ones included, for reports that show all of them."""
    metrics = Metrics(session)
    metrics.compute_expensive()
    return metrics
