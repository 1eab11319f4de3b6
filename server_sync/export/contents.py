"""What the council export shows of one workshop, read and measured once: `collect` makes the
`Bundle` that the report, the tables and the files are written from.

Votes are only ever counted, never read row by row; no participant id or token is read,
authors appear by pseudonym, and hidden, rejected or pending designs are left out unless the
moderator asks for them.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from game.core.design import open_design, parse_design
from game.core.errors import QuartierError
from game.core.indicators import GoalResult, measure
from game.core.level import Level
from game.core.rules import check_design
from game.core.session import Session as DesignSession
from game.io.levels import find_level
from server_sync.models import JuryRating, Participant, Submission, Vote, Workshop
from server_sync.schemas import form_number
from server_sync.services.images import REPORT_VIEWS, View, image_paths, render_images
from server_sync.services.ranking import ranking
from server_sync.services.submissions import design_text
from server_sync.services.workshops import workshop_with_code

log = logging.getLogger("quartier.server")

PUBLIC = ("approved",)
EVERY_STATUS = ("approved", "pending", "hidden", "rejected", "late")
# Letters a file name keeps readable instead of dropping them with their accent.
TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
STEM_CHARS = 40


@dataclass(frozen=True)
class Entry:
    """One design as the council sees it: the stored revision, its counts and what it does."""

    rank: int
    uuid: str
    stem: str
    title: str
    pseudonym: str
    description: str
    status: str
    feedback: str
    revision: int
    created: datetime
    updated: datetime
    votes: int
    jury_stars: float | None
    jury_ratings: int
    design: str
    values: dict[str, float]
    goals: list[GoalResult]
    stars: int
    images: dict[View, Path]


@dataclass(frozen=True)
class Skipped:
    """A design the export could not read (e.g. stored by an older server with a byte-order
    mark) or that breaks its level's rules: left out of the files, but named in the report and
    the tables with the reason."""

    rank: int
    uuid: str
    title: str
    pseudonym: str
    problem: QuartierError


@dataclass(frozen=True)
class Bundle:
    """A workshop's export: its facts for the cover, the level's starting values and the designs."""

    workshop: Workshop
    level: Level
    participants: int
    submissions: int
    votes: int
    jury_ratings: int
    start: dict[str, float]
    entries: list[Entry]
    include_hidden: bool
    skipped: list[Skipped]


def file_stem(title: str, uuid: str, taken: set[str]) -> str:
    """A file name from the title that stays in its folder (`../../etc` becomes `etc-…`), unique in `taken`."""
    plain = unicodedata.normalize("NFKD", title.lower().translate(TRANSLITERATE))
    slug = (
        re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode())
        .strip("-")[:STEM_CHARS]
        .strip("-")
    )
    stem = f"{slug or 'design'}-{uuid[:8]}"
    if stem in taken:  # uuids come from clients, so two may share a prefix
        stem = f"{slug or 'design'}-{uuid}"
    taken.add(stem)
    return stem


def find_workshop(session: Session, ref: str) -> Workshop:
    """The workshop with join code `ref` (as typed, with or without the dash), else the one with id `ref`."""
    found = workshop_with_code(session, ref)
    number = form_number(ref)
    if found is None and number is not None:
        found = session.get(Workshop, number)
    if found is None:
        raise QuartierError("export.no_workshop", workshop=ref)
    return found


def _count(
    session: Session, column: InstrumentedAttribute[Any], *where: ColumnElement[bool]
) -> int:
    return session.scalar(select(func.count(column)).where(*where)) or 0


def collect(
    session: Session, workshop: Workshop, data_dir: Path, include_hidden: bool = False
) -> Bundle:
    """Everything the bundle shows, measured once; server-made images are rendered where missing.

    One design that cannot be read, or that breaks the level's rules (stored by a server that
    did not check them yet), is skipped and listed with the reason, so it never costs the
    council the export of the whole workshop, and the council never sees numbers the level's
    rules would not allow.
    """
    level = find_level(workshop.level_id)
    rows = ranking(session, workshop.id, EVERY_STATUS if include_hidden else PUBLIC)
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    taken: set[str] = set()
    for row in rows:
        rank = row.rank
        stored = session.get_one(Submission, row.uuid)
        design = design_text(session, row.uuid, stored.revision)
        try:
            opened = open_design(parse_design(design), level)
            check_design(opened)
        except QuartierError as exc:
            log.warning("export skips design %s: %s", row.uuid, exc.message("en"))
            skipped.append(Skipped(rank, row.uuid, row.title, row.pseudonym, exc))
            continue
        metrics = measure(opened)
        images = image_paths(data_dir, row.uuid, stored.revision, design, REPORT_VIEWS)
        render_images(images, opened.grid, level)
        entries.append(
            Entry(
                rank=rank,
                uuid=row.uuid,
                stem=file_stem(row.title, row.uuid, taken),
                title=row.title,
                pseudonym=row.pseudonym,
                description=stored.description,
                status=stored.status,
                feedback=stored.feedback,
                revision=stored.revision,
                created=stored.created,
                updated=stored.updated,
                votes=row.votes,
                jury_stars=row.jury_stars,
                jury_ratings=row.jury_ratings,
                design=design,
                values=metrics.values,
                goals=metrics.goals(),
                stars=metrics.stars(),
                images=images,
            )
        )
    in_workshop = Submission.workshop_id == workshop.id
    return Bundle(
        workshop=workshop,
        level=level,
        participants=_count(
            session,
            Participant.id,
            Participant.workshop_id == workshop.id,
            Participant.removed.is_(None),  # removed by the moderator: not counted
        ),
        submissions=_count(session, Submission.uuid, in_workshop),
        votes=_count(session, Vote.slot, Vote.workshop_id == workshop.id),
        jury_ratings=_count(
            session,
            JuryRating.stars,
            JuryRating.submission_uuid.in_(select(Submission.uuid).where(in_workshop)),
        ),
        start=measure(DesignSession(level)).values,
        entries=entries,
        include_hidden=include_hidden,
        skipped=skipped,
    )
