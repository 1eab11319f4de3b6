"""Finding and loading level files: the bundled ones and those city staff added for this user."""

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from game.core.catalogue import Catalogue, default_catalogue
from game.core.errors import QuartierError
from game.core.indicators import check_goals
from game.core.level import Level, LevelDocument, parse_level
from game.core.resources import data_dir
from game.io.paths import levels_dir
from game.io.storage import read_document

SUFFIX = ".level.json"
KEPT_LEVELS = 4
"""Decoded levels kept in memory per process (Berlin's grid is 11 MB; a workshop uses one)."""


@dataclass(frozen=True)
class LevelEntry:
    path: Path
    doc: LevelDocument
    bundled: bool


def read_level_document(path: Path) -> LevelDocument:
    return parse_level(read_document(path), what=Path(path).name)


def load_level(path: Path, catalogue: Catalogue | None = None) -> Level:
    return _level(read_level_document(path), catalogue, Path(path).name)


def _level(doc: LevelDocument, catalogue: Catalogue | None, what: str) -> Level:
    """The decoded level, its goals checked against the catalogue and the indicators."""
    level = Level(doc, catalogue or default_catalogue(), what=what)
    check_goals(level, what)
    return level


Stamp = tuple[str, int, int, int, int]
"""A level file's version as the file system tells it: path, device, inode, size, mtime (ns).
A level is rewritten by renaming a new file over it (`write_atomic`), which gives a new inode."""


def _stamp(path: Path) -> Stamp:
    info = os.stat(path)
    return (str(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class _Cache:
    """What `find_level` keeps between calls, per process: each level file's document while
    its stamp is unchanged, and the `KEPT_LEVELS` levels decoded last (least recently used
    goes). Why: the server looked up and decoded the workshop's level on every upload and
    picture (76 ms on Berlin), reading every level file to find it by id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[Path, tuple[Stamp, LevelDocument]] = {}
        self._levels: OrderedDict[Stamp, Level] = OrderedDict()

    def document(self, path: Path) -> tuple[Stamp, LevelDocument]:
        stamp = _stamp(path)
        with self._lock:
            known = self._documents.get(path)
        if known is not None and known[0] == stamp:
            return known
        found = stamp, read_level_document(path)
        with self._lock:
            self._documents[path] = found
        return found

    def level(self, stamp: Stamp, doc: LevelDocument, what: str) -> Level:
        with self._lock:
            level = self._levels.get(stamp)
            if level is not None:
                self._levels.move_to_end(stamp)
                return level
        level = _level(doc, None, what)  # decoded outside the lock: others need not wait
        with self._lock:
            self._levels[stamp] = level
            while len(self._levels) > KEPT_LEVELS:
                self._levels.popitem(last=False)
        return level


_cache = _Cache()


def _documents() -> tuple[list[tuple[LevelEntry, Stamp]], list[tuple[Path, QuartierError]]]:
    entries, broken = [], []
    for folder, bundled in ((data_dir("levels"), True), (levels_dir(), False)):
        for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            try:
                stamp, doc = _cache.document(path)
            except FileNotFoundError:  # removed since the listing: as if it had never been there
                continue
            except QuartierError as exc:
                broken.append((path, exc))
            else:
                entries.append((LevelEntry(path, doc, bundled), stamp))
    return entries, broken


def available_levels() -> tuple[list[LevelEntry], list[tuple[Path, QuartierError]]]:
    """Bundled levels, then the user's; broken user files are returned apart, not hidden."""
    entries, broken = _documents()
    return [entry for entry, _ in entries], broken


def find_level(level_id: str, catalogue: Catalogue | None = None) -> Level:
    """A level by id, among the bundled levels and the user's level folder only.

    The id comes from files other people made (a design names its level), so it is never used
    as a path: a design naming `/dev/zero` or a FIFO as its level once made `design info` read
    forever or hang.

    With the default catalogue the decoded level is shared from a cache (`_Cache`) until its
    file changes: callers treat a `Level` as read-only (a design opens on a copy of its grid).
    """
    for entry, stamp in _documents()[0]:
        if entry.doc.id == level_id:
            if catalogue is None:
                return _cache.level(stamp, entry.doc, entry.path.name)
            return _level(entry.doc, catalogue, entry.path.name)
    raise QuartierError("error.unknown_level", level=level_id)


def level_from_option(id_or_path: str, catalogue: Catalogue | None = None) -> Level:
    """The level a user named on the command line: a level file's path (it ends in .json or
    names a folder) or else an id."""
    path = Path(id_or_path)
    if path.suffix == ".json" or len(path.parts) > 1:
        return load_level(path, catalogue)
    return find_level(id_or_path, catalogue)
