"""Cost follows the session's bookkeeping; an edit the budget cannot pay for can be refused."""

import numpy as np
import pytest

from game.core.indicators import Budget, Cost, over_budget
from game.core.ops import Box, Remove
from game.core.session import Session


def test_cost_is_what_the_session_charges_and_removing_level_blocks_is_free(level, catalogue):
    s = Session(level)
    s.apply(Box(from_=(4, 4, 1), to=(5, 5, 2), block="housing"))  # 8 voxels
    s.apply(Remove(at=(6, 6, 0)))  # digging up grass costs nothing
    assert Cost.compute(s.grid, level, catalogue) == pytest.approx(
        8 * catalogue.block("housing").cost
    )
    assert Cost.compute(s.grid, level, catalogue) == pytest.approx(s.cost)
    assert Budget.compute(s.grid, level, catalogue) == level.doc.budget


def test_an_edit_that_would_go_over_budget_is_refused_but_one_that_saves_money_is_not(
    level_factory, catalogue
):
    level = level_factory(zone=(slice(0, 16), slice(0, 16)), zone_top=8)  # budget 1,000,000 €
    s = Session(level)
    office = catalogue.block("office")
    assert int(level.doc.budget // office.cost) == 384  # 16 × 12 × 2 offices, 998,400 €
    index, values, _ = s.preview(Box(from_=(0, 0, 1), to=(15, 11, 2), block="office"))
    assert not over_budget(s, index, values)
    one_more = np.ravel_multi_index((0, 12, 1), level.shape)
    assert over_budget(s, np.append(index, one_more), np.append(values, np.uint8(office.id)))
    s.apply(Box(from_=(0, 0, 1), to=(15, 15, 2), block="office"))  # built anyway, e.g. by a script
    assert s.cost > level.doc.budget
    index, values, _ = s.preview(
        Box(from_=(0, 0, 1), to=(3, 3, 1), block="tree")
    )  # trees instead of offices: cheaper
    assert not over_budget(s, index, values)
    index, values, _ = s.preview(Box(from_=(0, 0, 3), to=(0, 0, 3), block="bench"))
    assert over_budget(s, index, values)
