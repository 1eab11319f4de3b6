"""The engine updates cheap indicators from the edited columns only, and always agrees with a full recomputation."""

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from op_strategies import operations

from game.core.errors import QuartierError
from game.core.indicators import INDICATORS, Metrics, compute_all
from game.core.indicators.columns import ColumnStats
from game.core.ops import Box, Building, Place, Redo, Undo
from game.core.session import Session

SHAPE = (14, 14, 10)
BLOCKS = [
    "housing",
    "office",
    "shop",
    "school",
    "tree",
    "road",
    "grass",
    "plaza",
    "green_roof",
    "bench",
    "air",
]
CHEAP = [cls.key for cls in INDICATORS if not cls.expensive]

steps = st.one_of(
    operations(
        SHAPE,
        BLOCKS,
        buildings=["housing", "office", "shop", "school"],
        roofs=("roof", "green_roof", "solar_roof"),
    ),
    st.just(Undo()),
    st.just(Redo()),
)


def _city(catalogue):
    city = np.zeros(SHAPE, np.uint8)
    city[:, :, 0] = catalogue.id("grass")
    city[:, 0:2, 0] = catalogue.id("road")
    city[3:6, 3:5, 1:5] = catalogue.id("housing")
    city[3:6, 3:5, 5] = catalogue.id("roof")
    city[9, 9, 1:3] = catalogue.id("tree")
    return city


def _level(level_factory, catalogue):
    locked = np.zeros(SHAPE, bool)
    locked[9, 9, :3] = True
    return level_factory(
        shape=SHAPE,
        zone=(slice(2, 12), slice(1, 13)),
        zone_top=9,
        locked=locked,
        city=_city(catalogue),
        voxel_size_m=2.0,
    )


def _full(session):
    return {k: r.value for k, r in compute_all(session.grid, session.level).items() if k in CHEAP}


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=st.lists(steps, min_size=1, max_size=20))
def test_after_any_edits_undos_and_redos_the_incremental_values_equal_a_full_recomputation(
    script, level_factory, catalogue
):
    session = Session(_level(level_factory, catalogue))
    metrics = Metrics(session)
    for step in script:
        try:
            values = metrics.update(session.apply(step).change)
        except QuartierError:
            continue  # a refused edit changes nothing
        assert values == pytest.approx(_full(session), rel=1e-9, abs=1e-9)
    fresh = ColumnStats(session.grid, session.level)
    for name in (
        "footprint",
        "floors",
        "use_area",
        "sealed",
        "green",
        "cost",
        "height",
        "amenities",
    ):
        assert np.array_equal(getattr(metrics.stats, name), getattr(fresh, name)), name
    assert metrics.values["cost"] == pytest.approx(session.cost)


def test_an_edit_updates_only_the_columns_it_touched(level_factory, catalogue):
    session = Session(_level(level_factory, catalogue))
    metrics = Metrics(session)
    before = metrics.stats.green.copy()
    change = session.apply(Building(from_=(6, 6), to=(7, 8), floors=2, block="housing")).change
    metrics.update(change)
    differs = np.argwhere(metrics.stats.green != before)
    assert differs.min(axis=0).tolist() == [6, 6] and differs.max(axis=0).tolist() == [7, 8]
    assert metrics.values["grz"] == pytest.approx((6 + 6) / 120)


def test_expensive_indicators_wait_for_an_explicit_call_and_go_stale_after_an_edit(
    level_factory, catalogue
):
    session = Session(_level(level_factory, catalogue))
    metrics = Metrics(session)
    expensive = {cls.key for cls in INDICATORS if cls.expensive}
    assert metrics.stale == expensive and not expensive & metrics.values.keys()
    metrics.compute_expensive()
    assert not metrics.stale and metrics.values.keys() == {cls.key for cls in INDICATORS}
    full = compute_all(session.grid, session.level)
    assert {k: metrics.values[k] for k in expensive} == {k: full[k].value for k in expensive}
    metrics.update(session.apply(Place(at=(8, 8, 1), block="housing")).change)
    assert metrics.stale == expensive
    metrics.update(session.apply(Place(at=(8, 8, 1), block="housing")).change)  # changes nothing
    assert metrics.stale == expensive


def test_a_worker_computes_on_its_snapshot_while_the_student_keeps_building(
    level_factory, catalogue
):
    session = Session(_level(level_factory, catalogue))
    metrics = Metrics(session)
    snapshot = metrics.snapshot()
    expected = {k: r.value for k, r in compute_all(snapshot.grid.copy(), session.level).items()}
    worker = threading.Thread(target=metrics.compute_expensive, args=(snapshot,))
    worker.start()
    for x in range(2, 12):
        metrics.update(session.apply(Box(from_=(x, 2, 1), to=(x, 12, 8), block="office")).change)
    worker.join()
    for key in metrics.stale:
        assert metrics.values[key] == pytest.approx(expected[key])
    assert metrics.stale  # computed for a design that has moved on


def test_results_of_an_older_snapshot_never_replace_newer_ones(level_factory, catalogue):
    session = Session(_level(level_factory, catalogue))
    metrics = Metrics(session)
    old = metrics.snapshot()
    metrics.update(session.apply(Box(from_=(2, 1, 1), to=(11, 12, 8), block="office")).change)
    metrics.compute_expensive()
    new_values = metrics.values
    metrics.compute_expensive(old)
    assert metrics.values == new_values and not metrics.stale
