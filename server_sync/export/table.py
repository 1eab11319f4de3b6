"""The designs as a table for the minutes: `submissions.csv` for a spreadsheet, `submissions.json` for programs.

The CSV is UTF-8 with a byte-order mark and `;` between cells, what Excel in a German locale
opens without an import dialog. A cell a spreadsheet would take for a formula (starting with
`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, as OWASP advises
against CSV injection: titles are typed by students and must stay text. The JSON keeps the
raw values, with field names that do not change with the language, plus every indicator.
"""

import csv
import io
import json
from collections.abc import Iterator

from game.core.i18n import Language, text
from game.core.indicators import INDICATORS
from server_sync.export.contents import Bundle, Entry, Skipped
from server_sync.export.display import date_time, decimal
from server_sync.models import utc

FIELDS = (
    "rank",
    "title",
    "pseudonym",
    "status",
    "votes",
    "jury_stars",
    "jury_ratings",
    "goals_met",
    "goals",
    "description",
    "feedback",
    "submitted",
    "updated",
    "revision",
    "uuid",
    "design_file",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    shown = str(value)
    return "'" + shown if shown.startswith(FORMULA_START) else shown


def design_file(entry: Entry) -> str:
    return f"designs/{entry.stem}.design.json"


def record(entry: Entry) -> dict:
    """One design's fields as data (the JSON row; the CSV shows the same fields for people)."""
    return {
        "rank": entry.rank,
        "title": entry.title,
        "pseudonym": entry.pseudonym,
        "status": entry.status,
        "votes": entry.votes,
        "jury_stars": entry.jury_stars,
        "jury_ratings": entry.jury_ratings,
        "goals_met": sum(goal.met for goal in entry.goals),
        "goals": len(entry.goals),
        "description": entry.description,
        "feedback": entry.feedback,
        "submitted": utc(entry.created).isoformat(),
        "updated": utc(entry.updated).isoformat(),
        "revision": entry.revision,
        "uuid": entry.uuid,
        "design_file": design_file(entry),
    }


def _shown(entry: Entry, lang: Language) -> dict:
    row = record(entry)
    row.update(
        status=text(lang, f"web.status.{entry.status}"),
        submitted=date_time(entry.created, lang),
        updated=date_time(entry.updated, lang),
        jury_stars="" if entry.jury_stars is None else decimal(entry.jury_stars, lang, 2),
    )
    return row


def skipped_record(skipped: Skipped, lang: Language) -> dict:
    """A design the export could not read: who and which, and why it has no files."""
    return {
        "rank": skipped.rank,
        "title": skipped.title,
        "pseudonym": skipped.pseudonym,
        "uuid": skipped.uuid,
        "skipped": skipped.problem.message(lang),
    }


def csv_bytes(bundle: Bundle, lang: Language) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_cell(text(lang, f"export.field.{field}")) for field in FIELDS)
    for entry in bundle.entries:
        row = _shown(entry, lang)
        writer.writerow(safe_cell(row[field]) for field in FIELDS)
    for skipped in bundle.skipped:
        row = skipped_record(skipped, lang)
        row["status"] = text(lang, "export.skipped", reason=row.pop("skipped"))
        writer.writerow(safe_cell(row.get(field, "")) for field in FIELDS)
    return out.getvalue().encode("utf-8-sig")


def json_bytes(bundle: Bundle, lang: Language) -> bytes:
    doc = {
        "workshop": bundle.workshop.title,
        "level": bundle.level.id,
        "indicators": [
            {"key": cls.key, "name": cls.name(lang), "unit": cls.unit} for cls in INDICATORS
        ],
        "start": bundle.start,
        "designs": [{**record(entry), "indicators": entry.values} for entry in bundle.entries],
        "skipped": [skipped_record(skipped, lang) for skipped in bundle.skipped],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def table_files(bundle: Bundle, lang: Language) -> Iterator[tuple[str, bytes]]:
    yield "submissions.csv", csv_bytes(bundle, lang)
    yield "submissions.json", json_bytes(bundle, lang)
