"""Reading and writing design files, always through the safe storage."""

from pathlib import Path

from game import __version__
from game.core.design import DesignDocument, open_design, parse_design, save_changes
from game.core.errors import QuartierError
from game.core.level import Level
from game.core.session import Session
from game.io.levels import find_level
from game.io.storage import read_document, write_atomic

SUFFIX = ".design.json"


def read_design(path: Path) -> DesignDocument:
    return parse_design(read_document(path), what=Path(path).name)


def designs_in(folder: Path) -> list[tuple[Path, DesignDocument]]:
    """Every readable design in a folder, newest first; damaged files are left alone, not listed."""
    found = []
    for path in folder.glob(f"*{SUFFIX}") if folder.is_dir() else []:
        try:
            found.append((path, read_design(path)))
        except QuartierError:
            continue
    return sorted(found, key=lambda item: item[1].modified, reverse=True)


def open_design_file(path: Path, level: Level | None = None) -> tuple[DesignDocument, Session]:
    """The design at `path` opened on its level (found by id unless given)."""
    doc = read_design(path)
    level = level or find_level(doc.level.id)
    return doc, open_design(doc, level, what=Path(path).name)


def write_design(path: Path, doc: DesignDocument, session: Session | None = None) -> DesignDocument:
    """Save `doc` (with the session's changes, if given) atomically; returns what was written."""
    if session is not None:
        doc = save_changes(doc, session, __version__)
    write_atomic(Path(path), doc.to_json().encode("utf-8"))
    return doc
