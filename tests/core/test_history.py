"""Undo and redo are exact for any sequence of operations, and history stays small."""

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from op_strategies import operations as operations_on

from game.core.change import History
from game.core.errors import QuartierError
from game.core.ops import Box, Place
from game.core.session import Session

SHAPE = (12, 12, 8)
BLOCKS = ["housing", "tree", "road", "grass", "playground", "air"]

operations = operations_on(SHAPE, BLOCKS, buildings=["housing", "tree", "road", "grass"])


# The factory fixture builds a fresh level per example, so sharing it across examples is safe.
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operations, min_size=1, max_size=25))
def test_any_edits_then_undo_all_restores_the_level_and_redo_all_restores_the_design(
    ops, level_factory
):
    locked = np.zeros(SHAPE, bool)
    locked[5, 5, :3] = True
    level = level_factory(shape=SHAPE, zone=(slice(2, 10), slice(1, 11)), zone_top=6, locked=locked)
    session = Session(level)
    applied = 0
    for op in ops:
        # a refused edit (out of bounds, too tall) must change nothing, checked below
        with contextlib.suppress(QuartierError):
            applied += session.apply(op).change is not None
        assert np.array_equal(session.grid[~level.editable], level.city[~level.editable])
    final = session.grid.copy()
    undone = 0
    while session.undo():
        undone += 1
    assert undone == applied
    assert np.array_equal(session.grid, level.city)
    while session.redo():
        pass
    assert np.array_equal(session.grid, final)


def test_a_new_edit_after_undo_discards_the_redo_steps(level):
    s = Session(level)
    s.apply(Place(at=(5, 5, 1), block="tree"))
    s.undo()
    s.apply(Place(at=(6, 6, 1), block="tree"))
    assert s.redo() is None
    assert s.grid[5, 5, 1] == 0 and s.grid[6, 6, 1] != 0


def test_thousand_box_edits_on_a_256_level_keep_history_under_64_mb(level_factory):
    level = level_factory(shape=(256, 256, 64), zone=(slice(0, 256), slice(0, 256)), zone_top=64)
    s = Session(level)
    rng = np.random.default_rng(7)
    for i in range(1000):
        lo = rng.integers(0, [200, 200, 40])
        hi = lo + rng.integers(1, [56, 56, 24])
        s.apply(Box(from_=tuple(map(int, lo)), to=tuple(map(int, hi)), block=BLOCKS[i % 4]))
    assert len(s.history._undo) >= 990  # a box identical to what is there changes nothing
    assert s.history.nbytes < 64 * 2**20


def test_history_drops_the_oldest_steps_beyond_its_memory_budget(level):
    s = Session(level)
    s.history = History(max_bytes=600)
    for x in range(4, 12):
        s.apply(Box(from_=(x, 4, 1), to=(x, 11, 5), block="housing"))
    assert 0 < len(s.history._undo) < 8
    assert s.history.nbytes <= 600 or len(s.history._undo) == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operations, min_size=1, max_size=12), undos=st.integers(0, 12))
def test_the_running_cost_always_equals_a_full_recount(ops, undos, level_factory):
    from game.core.design import summary

    session = Session(level_factory(shape=SHAPE, zone=(slice(0, 12), slice(0, 12)), zone_top=8))
    for op in ops:
        with contextlib.suppress(QuartierError):
            session.apply(op)
    for _ in range(undos):
        session.undo()
    assert session.cost == pytest.approx(summary(session)["cost"])
