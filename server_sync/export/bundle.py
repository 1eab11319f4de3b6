"""The moderator's export for the council: what one workshop produced, as files planners open.

`collect` reads what the bundle shows. Votes are only ever counted, never read row by row;
no participant id or token is read, authors appear by pseudonym, and hidden, rejected or
pending designs are left out unless the moderator asks for them. `bundle_files` yields the
files one at a time, so the models of a large workshop never sit in memory together;
`write_bundle` puts them into a folder or a zip through a temporary sibling that is renamed
into place, so a full disk or a crash leaves the old export or none, never half of one.
"""

import os
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from game.core.design import open_design, parse_design
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.indicators import GoalResult, measure
from game.core.level import Level
from game.core.session import Session as DesignSession
from game.io.formats import exporter, is_geographic, suffix
from game.io.levels import find_level
from game.io.storage import fsync_dir, storage_error
from server_sync.models import (
    AuditEntry,
    JuryRating,
    Participant,
    Revision,
    Submission,
    Vote,
    Workshop,
)
from server_sync.routes.submissions import VIEWS, image_path, render_images
from server_sync.routes.workshops import ranking, workshop_with_code

PUBLIC = ("approved",)
EVERY_STATUS = ("approved", "pending", "hidden", "rejected")
#: Formats written per design; geographic ones (folder geo/) only for a level with a georeference.
FORMATS = ("vox", "glb", "geojson")
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
    images: dict[str, Path]


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
    if found is None and ref.strip().isdigit():
        found = session.get(Workshop, int(ref))
    if found is None:
        raise QuartierError("export.no_workshop", workshop=ref)
    return found


def _count(session: Session, column, *where) -> int:
    return session.scalar(select(func.count(column)).where(*where)) or 0


def collect(
    session: Session, workshop: Workshop, data_dir: Path, include_hidden: bool = False
) -> Bundle:
    """Everything the bundle shows, measured once; server-made images are rendered where missing."""
    level = find_level(workshop.level_id)
    rows = ranking(session, workshop.id, EVERY_STATUS if include_hidden else PUBLIC)
    entries, taken = [], set()
    for rank, row in enumerate(rows, 1):
        stored = session.get(Submission, row.uuid)
        design = session.get(Revision, (row.uuid, stored.revision)).design
        opened = open_design(parse_design(design), level)
        metrics = measure(opened)
        images = {view: image_path(data_dir, row.uuid, stored.revision, view) for view in VIEWS}
        if not all(path.exists() for path in images.values()):
            render_images(data_dir, row.uuid, stored.revision, opened.grid, level)
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
        participants=_count(session, Participant.id, Participant.workshop_id == workshop.id),
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
    )


def bundle_files(bundle: Bundle, lang: Language) -> Iterator[tuple[str, bytes]]:
    """(name in the bundle, content) of every file: report, tables, then each design's files."""
    from server_sync.export.report import report_pdf
    from server_sync.export.table import table_files

    yield "report.pdf", report_pdf(bundle, lang)
    yield from table_files(bundle, lang)
    level = bundle.level
    formats = [name for name in FORMATS if level.doc.georeference or not is_geographic(name)]
    for entry in bundle.entries:
        yield f"designs/{entry.stem}.design.json", entry.design.encode("utf-8")
        for view, path in entry.images.items():
            yield f"images/{entry.stem}-{view}.png", path.read_bytes()
        doc = parse_design(entry.design)
        opened = open_design(doc, level)
        for name in formats:
            folder = "geo" if is_geographic(name) else "models"
            for file_name, data in exporter(name)(doc, opened, entry.stem + suffix(name)).items():
                yield f"{folder}/{file_name}", data


def write_bundle(files: Iterable[tuple[str, bytes]], out: Path) -> None:
    """Write `files` to the zip `out` (a name ending in .zip) or into the new or empty folder `out`."""
    out = Path(out)
    as_zip = out.suffix.lower() == ".zip"
    # A zip is replaced as a whole; a folder is only ever filled when new or empty, never mixed with older files.
    if out.is_dir() if as_zip else out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise QuartierError("export.out_exists", path=str(out))
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if as_zip:
            _zip(files, tmp)
        else:
            _folder(files, tmp)
        os.replace(tmp, out)
        fsync_dir(out.parent)
    except OSError as exc:
        _remove(tmp)
        raise storage_error(exc, out) from None
    except BaseException:
        _remove(tmp)
        raise


def _zip(files: Iterable[tuple[str, bytes]], path: Path) -> None:
    with open(path, "xb") as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(name, data)
        f.flush()
        os.fsync(f.fileno())


def _folder(files: Iterable[tuple[str, bytes]], path: Path) -> None:
    path.mkdir()
    for name, data in files:
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def export_workshop(
    session: Session,
    workshop: Workshop,
    out: Path,
    data_dir: Path,
    lang: Language,
    include_hidden: bool = False,
) -> Bundle:
    """The whole export, as the command line and the moderator's download run it; logged in the audit log."""
    bundle = collect(session, workshop, data_dir, include_hidden)
    write_bundle(bundle_files(bundle, lang), out)
    session.add(
        AuditEntry(
            action="export_with_hidden" if include_hidden else "export",
            workshop_id=workshop.id,
            detail=str(len(bundle.entries)),
        )
    )
    session.commit()
    return bundle
