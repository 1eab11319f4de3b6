"""The moderator's export for the council: what one workshop produced, as files planners open.

`bundle_files` yields the files of a collected `Bundle` (server_sync/export/contents.py) one at
a time, so the models of a large workshop never sit in memory together; `write_bundle` puts
them into a folder or a zip through a temporary sibling that is renamed into place, so a full
disk or a crash leaves the old export or none, never half of one.
"""

import os
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from game.core.design import open_design, parse_design
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.io.formats import exporter, is_geographic, suffix
from game.io.storage import fsync_dir, storage_error
from server_sync.export.contents import Bundle, collect
from server_sync.export.report import report_pdf
from server_sync.export.table import table_files
from server_sync.models import AuditEntry, Workshop

#: Formats written per design; geographic ones (folder geo/) only for a level with a georeference.
FORMATS = ("vox", "glb", "geojson")


def bundle_files(bundle: Bundle, lang: Language) -> Iterator[tuple[str, bytes]]:
    """(name in the bundle, content) of every file: report, tables, then each design's files."""
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
