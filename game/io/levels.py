"""Finding and loading level files: the bundled ones and those city staff added for this user.

`quartier levels` lists the levels from an index in the user's cache folder: for each level
file that passed the full check, its id, title and size under the file's (mtime, ctime, size).
A file whose stamp differs, or any file after Quartier or the level schema changed, is checked
again in full, so the list never shows a file that would not load; a broken file is never
indexed and is checked (and reported) every time. With every file indexed, listing imports
neither pydantic nor the schema: most of the command's start-up time.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game import __version__
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.core.resources import data_dir
from game.io.paths import cache_dir, levels_dir
from game.io.storage import read_document, temp_name

if TYPE_CHECKING:  # the schema needs pydantic, decoding numpy; the indexed list needs neither
    from game.core.catalogue import Catalogue
    from game.core.level import Level
    from game.core.level_document import LevelDocument

SUFFIX = ".level.json"
INDEX = "levels-index.json"
# The modules whose rules decide whether a level file passes: a change to one voids the index.
_SCHEMA_MODULES = ("level_document.py", "document.py", "bilingual.py")


@dataclass(frozen=True)
class LevelEntry:
    path: Path
    doc: "LevelDocument"
    bundled: bool


@dataclass(frozen=True)
class LevelSummary:
    """What `quartier levels` shows of a level file that passed the full check."""

    id: str
    title_de: str
    title_en: str
    dimensions: tuple[int, int, int]

    def title(self, lang: Language) -> str:
        return self.title_de if lang == "de" else self.title_en


def read_level_document(path: Path) -> "LevelDocument":
    from game.core.level_document import parse_level  # pydantic: only when a file is checked

    return parse_level(read_document(path), what=Path(path).name)


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


def _level_files() -> Iterator[tuple[Path, bool]]:
    """Every level file with whether it is bundled: the bundled ones first, then the user's."""
    for folder, bundled in ((data_dir("levels"), True), (levels_dir(), False)):
        for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            yield path, bundled


def available_levels() -> tuple[list[LevelEntry], list[tuple[Path, QuartierError]]]:
    """Bundled levels, then the user's; broken user files are returned apart, not hidden."""
    entries, broken = [], []
    for path, bundled in _level_files():
        try:
            entries.append(LevelEntry(path, read_level_document(path), bundled))
        except QuartierError as exc:
            broken.append((path, exc))
    return entries, broken


def level_summaries() -> tuple[
    list[tuple[Path, LevelSummary, bool]], list[tuple[Path, QuartierError]]
]:
    """What `available_levels` finds, as summaries: from the index where a file is unchanged."""
    schema, index = _read_index()
    fresh: dict[str, Any] = {}
    entries, broken = [], []
    for path, bundled in _level_files():
        key, stamp = str(path.absolute()), _stamp(path)
        summary = _from_index(index.get(key), stamp)
        if summary is None:
            try:
                doc = read_level_document(path)
            except QuartierError as exc:
                broken.append((path, exc))
                continue
            summary = LevelSummary(doc.id, doc.title.de, doc.title.en, doc.dimensions)
        # As JSON reads it back (a list, not a tuple), so an unchanged index is not written again.
        fresh[key] = {"stamp": stamp, "summary": json.loads(json.dumps(asdict(summary)))}
        entries.append((path, summary, bundled))
    if fresh != index:
        _write_index({"schema": schema, "levels": fresh})
    return entries, broken


def _stamp(path: Path) -> list[int] | None:
    """What changes whenever the file does (ctime too: a copy that keeps the mtime changes it)."""
    try:
        st = path.stat()
    except OSError:
        return None  # the full check reports it
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size]


def _schema_stamp() -> list[Any]:
    core = Path(__file__).resolve().parent.parent / "core"
    stamp: list[Any] = [__version__]
    for name in _SCHEMA_MODULES:
        try:
            st = (core / name).stat()
        except OSError:  # a bundled build without sources: the version alone tells builds apart
            stamp.append(name)
            continue
        stamp += [name, st.st_mtime_ns, st.st_size]
    return stamp


def _read_index() -> tuple[list[Any], dict[str, Any]]:
    """The current schema's stamp and the index's entries (none if it was for another schema)."""
    schema = _schema_stamp()
    try:
        data = json.loads((cache_dir() / INDEX).read_bytes())
    except (OSError, ValueError):
        return schema, {}
    if not isinstance(data, dict) or data.get("schema") != schema:
        return schema, {}
    levels = data.get("levels")
    return schema, levels if isinstance(levels, dict) else {}


def _from_index(entry: Any, stamp: list[int] | None) -> LevelSummary | None:
    """The indexed summary if the file is unchanged and the entry well-formed, else None."""
    if stamp is None or not isinstance(entry, dict) or entry.get("stamp") != stamp:
        return None
    try:
        s = entry["summary"]
        summary = LevelSummary(s["id"], s["title_de"], s["title_en"], tuple(s["dimensions"]))
    except (KeyError, TypeError):
        return None
    texts_ok = all(isinstance(v, str) for v in (summary.id, summary.title_de, summary.title_en))
    size_ok = len(summary.dimensions) == 3 and all(type(v) is int for v in summary.dimensions)
    return summary if texts_ok and size_ok else None


def _write_index(data: dict[str, Any]) -> None:
    """Best effort: without a writable cache folder the list is only slower, never wrong."""
    path = cache_dir() / INDEX
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_name(path, ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def find_level(level_id: str, catalogue: "Catalogue | None" = None) -> "Level":
    """A level by id, among the bundled levels and the user's level folder only.

    The id comes from files other people made (a design names its level), so it is never used
    as a path: a design naming `/dev/zero` or a FIFO as its level once made `design info` read
    forever or hang.
    """
    for entry in available_levels()[0]:
        if entry.doc.id == level_id:
            return _level(entry.doc, catalogue, entry.path.name)
    raise QuartierError("error.unknown_level", level=level_id)


def level_from_option(id_or_path: str, catalogue: "Catalogue | None" = None) -> "Level":
    """The level a user named on the command line: a level file's path (it ends in .json or
    names a folder) or else an id."""
    path = Path(id_or_path)
    if path.suffix == ".json" or len(path.parts) > 1:
        return load_level(path, catalogue)
    return find_level(id_or_path, catalogue)
