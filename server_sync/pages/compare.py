"""The projector's compare view for the teacher: 2–4 approved designs side by side, their key
indicators as bars against the level's starting state, their votes once the workshop is closed.

Moderator-only, like the projector page with the join code (`/moderate/w/{id}/projector`): the
teacher decides what the class sees on the wall and when. Stepping through the sets works with
plain links (the next and previous set, 2/3/4 side by side); `static/compare.js` only binds the
arrow keys and 2/3/4 to those links.
"""

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from game.core.i18n import Language
from game.core.indicators import by_key
from server_sync.deps import WorkshopId
from server_sync.errors import language
from server_sync.pages.gallery import KEY_INDICATORS
from server_sync.pages.moderate import at_desk
from server_sync.schemas import form_number
from server_sync.services import compare
from server_sync.services.workshops import workshop_or_404
from server_sync.web import page

router = APIRouter(prefix="/moderate", include_in_schema=False)


@dataclass(frozen=True)
class Bar:
    """One indicator of one design as the projector shows it: widths in % of the bar's scale;
    `change` is "better", "worse" or "" (unchanged, or neither is better: density)."""

    name: str
    value: str
    start: str
    width: float
    start_width: float
    change: str


def bars(values: dict[str, float], found: compare.CompareSet, lang: Language) -> list[Bar]:
    shown = []
    for key in KEY_INDICATORS:
        if key not in values or key not in found.starting:
            continue
        indicator = by_key(key)
        value, start = float(values[key]), float(found.starting[key])
        scale = found.scale.get(key) or 1.0
        difference = (value - start) * indicator.better
        shown.append(
            Bar(
                name=indicator.name(lang),
                value=indicator.display(value, lang),
                start=indicator.display(start, lang),
                width=round(100 * abs(value) / scale, 1),
                start_width=round(100 * abs(start) / scale, 1),
                change="better" if difference > 0 else "worse" if difference < 0 else "",
            )
        )
    return shown


@router.get("/w/{workshop_id}/compare")
def compare_page(
    request: Request,
    workshop_id: WorkshopId,
    start: str = "0",
    n: str = "3",
    session: Session = Depends(at_desk),
) -> HTMLResponse:
    """An address typed or kept by hand with a start or size that is no number shows the first
    set of 3, not an error page in front of the class."""
    workshop = workshop_or_404(session, workshop_id)
    found = compare.compare_set(
        session, workshop_id, form_number(start) or 0, form_number(n) or compare.SIZES[1]
    )
    lang = language(request)
    return page(
        request,
        "compare.html",
        workshop=workshop,
        found=found,
        designs=[(d, bars(d.values, found, lang)) for d in found.designs],
        sizes=compare.SIZES,
    )
