"""Money: what the design costs, what the level allows, and the check that refuses an edit over budget."""

import numpy as np

from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.indicators.columns import ColumnIndicator, ColumnStats
from game.core.session import Session

# Rounding slack in euros, so an edit that lands exactly on the budget is allowed.
_SLACK = 1e-6


class Cost(ColumnIndicator):
    """`Session.cost`: every voxel that holds a block the level did not have there is paid for (air is free)."""

    key = "cost"
    icon = "€"
    better = -1
    unit = "€"

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        return stats.cost_sum


class Budget(ColumnIndicator):
    """The money the city gives for this level (`level.doc.budget`)."""

    key = "budget"
    icon = "€"
    better = 0
    unit = "€"

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        return float(stats.level.doc.budget)


def over_budget(session: Session, index: np.ndarray, values: np.ndarray) -> bool:
    """Whether setting the voxels `index` (flat) to `values` would take the design over its budget.

    Only edits that cost more are refused: an edit that saves money is always allowed, so a
    design that is over budget (say, after the budget of a level was lowered) can get back under.
    Use it with `Session.preview`: `index, values, _ = session.preview(op)`.
    """
    delta = session.preview_cost(np.asarray(index), np.asarray(values, np.uint8))
    return bool(delta > 0 and beyond_budget(session.cost + delta, session))


def beyond_budget(cost: float, session: Session) -> bool:
    """Whether `cost` is more than the level's budget (the one threshold of editor and rules)."""
    return cost > session.level.doc.budget + _SLACK


def refuse_over_budget(
    session: Session, index: np.ndarray, values: np.ndarray, lang: Language
) -> None:
    """Raise a clear refusal (what it costs, what is left) if the edit would go over the budget."""
    if over_budget(session, index, values):
        left = max(0.0, session.level.doc.budget - session.cost)
        raise QuartierError(
            "error.over_budget",
            cost=Cost.display(session.preview_cost(index, values), lang),
            left=Cost.display(left, lang),
        )
