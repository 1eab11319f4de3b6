"""The projector's compare view: a workshop's approved designs a few at a time, each with its
key indicators beside the level's own (the untouched city: what the class started from).

A design's indicators are stored with its shown revision (`Submission.metrics`, computed by
the server on upload); the level's are computed here once per decoded level and kept, since
every design of a workshop is measured against the same starting state (0.4 s on Berlin).
Votes come from `ranking` and only once everyone may see them (`ranking.results_public`): the
class watches the projector, and seeing the count while voting would sway the votes.
"""

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import Session

from game.core.indicators import compute_all
from game.core.level import Level
from server_sync.models import Submission
from server_sync.schemas import ResultOut
from server_sync.services import ranking
from server_sync.services.submissions import submissions_of
from server_sync.services.workshops import known_level, workshop_or_404

SIZES = (2, 3, 4)
"""How many designs the projector shows side by side."""


@lru_cache(maxsize=16)
def _values_of(level: Level) -> dict[str, float]:
    """Keyed by the decoded level itself: `find_level` hands out the same object until its file
    changes, so a changed level is measured again."""
    return {key: reading.value for key, reading in compute_all(level.city, level).items()}


def starting_values(level_id: str) -> dict[str, float]:
    """Every indicator of the untouched level, computed once per level and process."""
    return _values_of(known_level(level_id))


@dataclass(frozen=True)
class Compared:
    """One design on the projector: its stored indicators, and its result once shown."""

    submission: Submission
    values: dict[str, float]
    result: ResultOut | None


@dataclass(frozen=True)
class CompareSet:
    """The designs from `start` (0-based), `size` of them, among `total` approved ones.

    `previous`/`next` are the starts of the neighbouring sets (None at either end); `scale`
    is, per indicator, the largest value among the level and all approved designs, so a bar
    keeps its length while the teacher steps through the sets.
    """

    designs: list[Compared]
    start: int
    size: int
    total: int
    previous: int | None
    next: int | None
    starting: dict[str, float]
    scale: dict[str, float]
    votes_shown: bool
    most_votes: int


def compare_set(session: Session, workshop_id: int, start: int, size: int) -> CompareSet:
    """The set of approved designs the projector shows; `start` and `size` are clamped to what
    exists (an old link after a design was taken down still shows something)."""
    workshop = workshop_or_404(session, workshop_id)
    size = size if size in SIZES else SIZES[1]
    shown = submissions_of(session, workshop_id, as_moderator=False)
    total = len(shown)
    start = min(max(start, 0), max(total - 1, 0))
    values = {s.uuid: json.loads(s.metrics or "{}") for s in shown}
    starting = starting_values(workshop.level_id)
    scale: dict[str, float] = {}
    for measured in (starting, *values.values()):
        for key, value in measured.items():
            scale[key] = max(scale.get(key, 0.0), abs(float(value)))
    votes_shown = ranking.results_public(workshop)
    results = {r.uuid: r for r in ranking.ranking(session, workshop_id)} if votes_shown else {}
    return CompareSet(
        designs=[
            Compared(s, values[s.uuid], results.get(s.uuid)) for s in shown[start : start + size]
        ],
        start=start,
        size=size,
        total=total,
        previous=max(start - size, 0) if start > 0 else None,
        next=start + size if start + size < total else None,
        starting=starting,
        scale=scale,
        votes_shown=votes_shown,
        most_votes=max([r.votes for r in results.values()] + [1]),
    )
