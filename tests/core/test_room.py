"""A shared room: ordered edits checked like the editor's, undo by author, rollback, and the mirror."""

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from op_strategies import operations as operations_on

from game.core.errors import QuartierError
from game.core.level import Level
from game.core.ops import Box, Place, Remove
from game.core.room import Mirror, Room

SHAPE = (12, 12, 8)
BLOCKS = ["housing", "tree", "road", "grass", "playground", "air"]
operations = operations_on(SHAPE, BLOCKS, buildings=["housing", "tree", "road", "grass"])
AUTHORS = ["ada", "bo", "cem"]


@pytest.fixture
def small(level_factory):
    return level_factory(shape=SHAPE, zone=(slice(2, 10), slice(1, 11)), zone_top=6)


def test_an_edit_is_numbered_and_its_diff_holds_only_the_voxels_it_set(small):
    room = Room(small)
    applied = room.edit("ada", Box(block="housing", **{"from": (3, 3, 1), "to": (4, 3, 2)}))
    index, values = applied.edit.diff()
    assert applied.edit.seq == room.seq == 1
    assert sorted(np.unravel_index(index, SHAPE)[0].tolist()) == [3, 3, 4, 4]
    assert set(values.tolist()) == {small.catalogue.id("housing")}


@pytest.mark.parametrize(
    ("op", "key"),
    [
        (Place(block="housing", at=(0, 0, 1)), "error.room_outside_zone"),
        (Place(block="housing", at=(3, 3, 7)), "error.room_too_high"),
        (Place(block="grass", at=(3, 3, 0)), "error.room_no_change"),
    ],
)
def test_an_edit_that_changes_nothing_is_refused_with_the_real_reason(small, op, key):
    room = Room(small)
    with pytest.raises(QuartierError) as refused:
        room.edit("ada", op)
    assert refused.value.key == key
    assert room.seq == 0
    assert np.array_equal(room.session.grid, small.city)


def with_budget(level: Level, budget: float) -> Level:
    return Level(level.doc.model_copy(update={"budget": budget}), level.catalogue)


def test_an_edit_over_budget_is_refused_and_numbers_nothing(small):
    room = Room(with_budget(small, 0.0))
    with pytest.raises(QuartierError) as refused:
        room.edit("ada", Place(block="housing", at=(3, 3, 1)))
    assert refused.value.key == "error.over_budget"
    assert room.seq == 0


def test_undo_takes_back_only_your_own_edit_and_keeps_what_others_built_over_it(small):
    room = Room(small)
    housing, road = small.catalogue.id("housing"), small.catalogue.id("road")
    room.edit("ada", Box(block="housing", **{"from": (3, 3, 1), "to": (5, 3, 1)}))
    room.edit("bo", Place(block="road", at=(4, 3, 1)))
    room.edit("bo", Place(block="housing", at=(8, 8, 1)))
    step = room.undo("ada")
    grid = room.session.grid
    assert step.kind == "undo" and step.author == "ada" and step.undoes == 1
    assert grid[3, 3, 1] == grid[5, 3, 1] == small.city[3, 3, 1]
    assert grid[4, 3, 1] == road, "bo's road on ada's box stays"
    assert grid[8, 8, 1] == housing, "bo's other edit is not touched"
    with pytest.raises(QuartierError) as nothing:
        room.undo("ada")
    assert nothing.value.key == "error.room_nothing_to_undo"


def test_undo_skips_your_edits_that_others_built_over_entirely(small):
    room = Room(small)
    room.edit("ada", Place(block="tree", at=(3, 3, 1)))
    room.edit("ada", Place(block="housing", at=(6, 6, 1)))
    room.edit("bo", Place(block="road", at=(6, 6, 1)))
    step = room.undo("ada")
    assert step.undoes == 1
    assert room.session.grid[3, 3, 1] == small.city[3, 3, 1]
    assert room.session.grid[6, 6, 1] == small.catalogue.id("road")


def test_rollback_gives_the_grid_as_it_was_and_later_edits_cannot_be_undone(small):
    room = Room(small)
    room.edit("ada", Place(block="tree", at=(3, 3, 1)))
    after_one = room.session.grid.copy()
    room.edit("bo", Place(block="housing", at=(6, 6, 1)))
    room.edit("ada", Remove(at=(3, 3, 1)))
    step = room.rollback("teacher", 1)
    assert step.kind == "rollback" and step.seq == 4
    assert np.array_equal(room.session.grid, after_one)
    with pytest.raises(QuartierError):
        room.undo("bo")
    assert room.undo("ada").undoes == 1
    with pytest.raises(QuartierError) as outside:
        room.rollback("teacher", 9)
    assert outside.value.key == "error.room_rollback_range"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(AUTHORS), st.one_of(operations, st.just("undo"))),
        min_size=1,
        max_size=20,
    ),
    back=st.integers(0, 20),
)
def test_any_steps_replayed_from_the_log_give_the_same_room_and_rollback_is_exact(
    small, steps, back
):
    room = Room(small)
    grids = [room.session.grid.copy()]
    for author, op in steps:
        with contextlib.suppress(QuartierError):
            if op == "undo":
                room.undo(author)
            else:
                room.edit(author, op)
        if room.seq == len(grids):
            grids.append(room.session.grid.copy())
        assert np.array_equal(room.session.grid[~small.editable], small.city[~small.editable])
    again = Room(small)
    for step in room.log:
        again.replay(step)
    assert np.array_equal(again.session.grid, room.session.grid)
    assert again.session.cost == pytest.approx(room.session.cost)
    for author in AUTHORS:
        mine = [s.seq for s in room._mine.get(author, [])]
        assert [s.seq for s in again._mine.get(author, [])] == mine
    to = min(back, room.seq - 1)
    if to >= 0 and room.seq:
        room.rollback("teacher", to)
        assert np.array_equal(room.session.grid, grids[to])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    proposals=st.lists(st.tuples(st.sampled_from(AUTHORS), operations), min_size=1, max_size=15),
    order=st.randoms(use_true_random=False),
)
def test_members_who_edit_at_once_all_end_with_the_servers_grid(small, proposals, order):
    room = Room(small)
    mirrors = {a: Mirror(small, room.session.grid, room.seq) for a in AUTHORS}
    inbox = []
    for author, op in proposals:
        inbox.append((author, mirrors[author].propose(op), op))
    order.shuffle(inbox)
    for author, ticket, op in inbox:
        try:
            step = room.edit(author, op).edit
        except QuartierError:
            mirrors[author].refused(ticket)
            continue
        index, values = step.diff()
        for name, mirror in mirrors.items():
            mirror.receive(step.seq, index, values, ticket if name == author else None)
    for mirror in mirrors.values():
        assert not mirror.pending
        assert np.array_equal(mirror.shown.grid, room.session.grid)
        assert np.array_equal(mirror.confirmed, room.session.grid)


def test_a_refused_edit_is_rolled_back_on_the_sender_only(small):
    one_house = float(small.catalogue.costs[small.catalogue.id("housing")])
    level = with_budget(small, 1.5 * one_house)
    room = Room(level)
    ada = Mirror(level, room.session.grid, 0)
    bo = Mirror(level, room.session.grid, 0)
    mine = ada.propose(Place(block="housing", at=(3, 3, 1)))
    theirs = bo.propose(Place(block="housing", at=(8, 8, 1)))
    assert ada.shown.grid[3, 3, 1] == level.catalogue.id("housing"), "shown at once"
    step = room.edit("bo", bo.pending[theirs]).edit
    for name, mirror in (("ada", ada), ("bo", bo)):
        mirror.receive(step.seq, *step.diff(), theirs if name == "bo" else None)
    assert ada.shown.grid[3, 3, 1] == level.catalogue.id("housing"), "still waiting for its answer"
    with pytest.raises(QuartierError) as refused:
        room.edit("ada", ada.pending[mine])
    assert refused.value.key == "error.over_budget"
    ada.refused(mine)
    assert np.array_equal(ada.shown.grid, room.session.grid)
    assert ada.shown.grid[3, 3, 1] == level.city[3, 3, 1]
    assert np.array_equal(bo.shown.grid, room.session.grid), "bo never saw ada's house"
