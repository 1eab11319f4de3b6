"""Finding and loading level files: the bundled ones and those city staff added for this user."""

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from game.core.errors import QuartierError
from game.core.resources import data_dir
from game.io.paths import levels_dir
from game.io.storage import read_document

if TYPE_CHECKING:  # the schema needs pydantic, decoding numpy; the indexed list needs neither
    from game.core.catalogue import Catalogue
    from game.core.level import Level
    from game.core.level_document import LevelDocument

SUFFIX = ".level.json"
KEPT_LEVELS = 4
"""Decoded levels kept in memory per process (Berlin's grid is 11 MB; a workshop uses one)."""


@dataclass(frozen=True)
class LevelEntry:
    path: Path
    doc: "LevelDocument"
    bundled: bool


def read_level_document(path: Path) -> "LevelDocument":
    return _parse(read_document(path), Path(path).name)


def _parse(raw: bytes, what: str) -> "LevelDocument":
    from game.core.level_document import parse_level  # pydantic: only when a file is checked

    return parse_level(raw, what=what)


def load_level(path: Path, catalogue: "Catalogue | None" = None) -> "Level":
    return _level(read_level_document(path), catalogue, Path(path).name)


def _level(doc: "LevelDocument", catalogue: "Catalogue | None", what: str) -> "Level":
    """The decoded level, its goals checked against the catalogue and the indicators."""
    # Imported here: they bring numpy and the editing model, which listing levels does without.
    from game.core.catalogue import default_catalogue
    from game.core.indicators import check_goals
    from game.core.level import Level

    level = Level(doc, catalogue or default_catalogue(), what=what)
    check_goals(level, what)
    return level


Stamp = tuple[int, int, int, int]
"""A level file's version as the file system tells it: device, inode, size, mtime (ns)."""

RACY_NS = 2_000_000_000
"""A file changed this recently may change again within its timestamp's granularity without
its stamp changing (git's "racy" files): its content is read and hashed on every call."""


def _stamp(path: Path) -> Stamp:
    info = os.stat(path)
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class _Cache:
    """What `find_level` keeps between calls, per process: each level file's document with the
    SHA-256 of its bytes, and the `KEPT_LEVELS` levels decoded last by that hash (the least
    recently used goes). A file whose stamp is unchanged (and not racy) is not read again; one
    that changed is read and hashed, and parsed and decoded only if its content changed. Why:
    the server looked up and decoded the workshop's level on every upload and picture (76 ms on
    Berlin), reading and parsing every level file to find it by id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[Path, tuple[Stamp, str, LevelDocument]] = {}
        self._levels: OrderedDict[str, Level] = OrderedDict()

    def document(self, path: Path) -> tuple[str, "LevelDocument"]:
        """The file's content hash and document."""
        stamp = _stamp(path)
        with self._lock:
            known = self._documents.get(path)
        racy = time.time_ns() - stamp[3] < RACY_NS
        if known is not None and known[0] == stamp and not racy:
            return known[1], known[2]
        raw = read_document(path)
        digest = hashlib.sha256(raw).hexdigest()
        same = known is not None and known[1] == digest
        doc = known[2] if known is not None and same else _parse(raw, Path(path).name)
        with self._lock:
            self._documents[path] = (stamp, digest, doc)
        return digest, doc

    def level(self, digest: str, doc: "LevelDocument", what: str) -> "Level":
        with self._lock:
            level = self._levels.get(digest)
            if level is not None:
                self._levels.move_to_end(digest)
                return level
        level = _level(doc, None, what)  # decoded outside the lock: others need not wait
        with self._lock:
            self._levels[digest] = level
            while len(self._levels) > KEPT_LEVELS:
                self._levels.popitem(last=False)
        return level


_cache = _Cache()


def level_files() -> Iterator[tuple[Path, bool]]:
    """Every level file with whether it is bundled: the bundled ones first, then the user's."""
    for folder, bundled in ((data_dir("levels"), True), (levels_dir(), False)):
        for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            yield path, bundled


def _documents() -> tuple[list[tuple[LevelEntry, str]], list[tuple[Path, QuartierError]]]:
    entries, broken = [], []
    for path, bundled in level_files():
        try:
            digest, doc = _cache.document(path)
        except FileNotFoundError:  # removed since the listing: as if it had never been there
            continue
        except QuartierError as exc:
            broken.append((path, exc))
        else:
            entries.append((LevelEntry(path, doc, bundled), digest))
    return entries, broken


def available_levels() -> tuple[list[LevelEntry], list[tuple[Path, QuartierError]]]:
    """Bundled levels, then the user's; broken user files are returned apart, not hidden."""
    entries, broken = _documents()
    return [entry for entry, _ in entries], broken


def find_level(level_id: str, catalogue: "Catalogue | None" = None) -> "Level":
    """A level by id, among the bundled levels and the user's level folder only.

    The id comes from files other people made (a design names its level), so it is never used
    as a path: a design naming `/dev/zero` or a FIFO as its level once made `design info` read
    forever or hang.

    With the default catalogue the decoded level is shared from a cache (`_Cache`) until its
    file's content changes: callers treat a `Level` as read-only (a design opens on a copy of its grid).
    """
    for entry, digest in _documents()[0]:
        if entry.doc.id == level_id:
            if catalogue is None:
                return _cache.level(digest, entry.doc, entry.path.name)
            return _level(entry.doc, catalogue, entry.path.name)
    raise QuartierError("error.unknown_level", level=level_id, folder=levels_dir())


def add_user_level(path: Path) -> Path | None:
    """Make the level file at `path` one that every later command finds by its id: copied into
    the user's level folder, unless a level of that id with the same content is found already
    (bundled, or there). Returns the copy's path, or None when nothing was copied.

    A design names its level by id only, so a design made on a level file lying anywhere
    (`design new --level ./mine.level.json`) could then not be edited or exported ("No level
    found") until someone copied the file into a folder no message named. A different level
    with the same id is refused, not replaced: designs made on it would open on the wrong city.
    """
    raw = read_document(path)
    doc = _parse(raw, Path(path).name)
    digest = hashlib.sha256(raw).hexdigest()
    for entry, known in _documents()[0]:
        if entry.doc.id == doc.id:
            if known == digest:
                return None
            raise QuartierError("error.level_id_taken", level=doc.id, path=entry.path)
    target = levels_dir() / f"{doc.id}{SUFFIX}"
    if target.exists():  # a broken file, or one whose id is another: never overwritten
        raise QuartierError("error.level_id_taken", level=doc.id, path=target)
    from game.io.storage import write_atomic

    write_atomic(target, raw, keep_backup=False)
    return target


def level_from_option(id_or_path: str, catalogue: "Catalogue | None" = None) -> "Level":
    """The level a user named on the command line: a level file's path or else an id."""
    if is_level_path(id_or_path):
        return load_level(Path(id_or_path), catalogue)
    return find_level(id_or_path, catalogue)


def is_level_path(id_or_path: str) -> bool:
    """Whether a level named on the command line is a file's path (ends in .json or names a folder)."""
    path = Path(id_or_path)
    return path.suffix == ".json" or len(path.parts) > 1
