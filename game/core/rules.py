"""The level's rules for a finished design: one check for `design validate`, the server and the editor.

The editor keeps a design inside the rules while it is built: `Session.preview` clips an edit
to the editable zone and refuses blocks the level does not allow, and `refuse_over_budget`
refuses an edit the budget cannot pay for. A design file, though, can be written by anything,
so whoever receives one checks the whole design here, against the same rule objects (the
level's `in_zone`, `editable` and `allowed_ids` masks, `Session.cost` and the budget threshold),
and refuses instead of clipping: the server must not quietly store something else than was sent.
Metadata (title, description, pseudonyms, achievements, metrics) is bounded and typed by
`DesignDocument` itself, so it is checked when the file is parsed.
"""

import numpy as np

from game.core.errors import QuartierError
from game.core.i18n import Language, text
from game.core.indicators.budget import Cost, beyond_budget
from game.core.session import Session


class RulesBroken(QuartierError):
    """A design that breaks one or more of its level's rules; the message names every one."""

    def __init__(self, broken: list[QuartierError]) -> None:
        super().__init__("error.design_rules", count=len(broken))
        self.broken = broken

    def message(self, lang: Language = "en") -> str:
        reasons = "; ".join(rule.message(lang) for rule in self.broken)
        return text(lang, self.key, reasons=reasons)


def broken_rules(session: Session) -> list[QuartierError]:
    """Every rule of its level that the design opened in `session` breaks (empty if none).

    Only voxels that really differ from the level count: a file listing a locked voxel with the
    value it already has changes nothing.
    """
    level = session.level
    index, values = session.differences()
    broken: list[QuartierError] = []
    in_zone = level.in_zone.reshape(-1)[index]
    x, y, _ = np.unravel_index(index[~in_zone], level.shape)
    outside = int((~level.zone_columns[x, y]).sum())
    above = int(in_zone.size - in_zone.sum()) - outside
    locked = int((in_zone & ~level.editable.reshape(-1)[index]).sum())
    if outside:
        broken.append(QuartierError("error.rule_outside_zone", count=outside))
    if above:
        broken.append(QuartierError("error.rule_too_high", count=above, top=level.doc.zone.top))
    if locked:
        broken.append(QuartierError("error.rule_locked", count=locked))
    refused = ~level.allowed_ids[values]
    if refused.any():
        keys = ", ".join(level.catalogue.key(int(i)) for i in np.unique(values[refused]))
        broken.append(QuartierError("error.rule_blocks", count=int(refused.sum()), blocks=keys))
    if beyond_budget(session.cost, session):
        broken.append(_OverBudget(session.cost, float(level.doc.budget)))
    return broken


class _OverBudget(QuartierError):
    """The budget rule, its sums shown in the reader's language and number format."""

    def __init__(self, cost: float, budget: float) -> None:
        super().__init__("error.rule_budget", cost=cost, budget=budget)
        self.cost, self.budget = cost, budget

    def message(self, lang: Language = "en") -> str:
        return text(
            lang,
            self.key,
            cost=Cost.display(self.cost, lang),
            budget=Cost.display(self.budget, lang),
        )


def check_design(session: Session) -> None:
    """Raise `RulesBroken` naming every rule the design breaks; return quietly if it keeps them all."""
    broken = broken_rules(session)
    if broken:
        raise RulesBroken(broken)
