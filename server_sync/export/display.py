"""Dates and numbers as the report and the spreadsheet show them, in German or English."""

from datetime import datetime

from game.core.i18n import Language, text
from server_sync.models import utc


def date(moment: datetime, lang: Language) -> str:
    moment = utc(moment)
    return text(lang, "export.date", day=moment.day, month=moment.month, year=moment.year)


def date_time(moment: datetime, lang: Language) -> str:
    moment = utc(moment)
    return text(
        lang, "export.date_time", date=date(moment, lang), hour=moment.hour, minute=moment.minute
    )


def decimal(value: float, lang: Language, decimals: int = 1) -> str:
    """`value` with the language's decimal mark (3,5 in German), so German Excel reads a number."""
    shown = f"{value:.{decimals}f}"
    return shown.replace(".", ",") if lang == "de" else shown


def jury(stars: float | None, ratings: int, lang: Language) -> str:
    """The jury's mean stars and how many rated, or that nobody has yet."""
    if stars is None:
        return text(lang, "export.no_jury")
    return text(lang, "export.jury_stars", stars=decimal(stars, lang), n=ratings)
