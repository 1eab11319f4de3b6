"""The index behind `quartier levels`: each checked level file's summary, in the user's cache.

For each level file that passed the full check: its id, title and size under the file's
(mtime, ctime, size). A file whose stamp differs, or any file after Quartier or the level
schema changed, is checked again in full, so the list never shows a file that would not load;
a broken file is never indexed and is checked (and reported) every time. With every file
indexed, listing imports neither pydantic nor the schema: most of the command's start-up time.
(The server's in-memory cache of parsed and decoded levels is `levels._Cache`.)
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from game import __version__
from game.core.errors import QuartierError
from game.core.i18n import Language
from game.io.levels import level_files, read_level_document
from game.io.paths import cache_dir
from game.io.storage import temp_name

INDEX = "levels-index.json"
# The modules whose rules decide whether a level file passes: a change to one voids the index.
_SCHEMA_MODULES = ("level_document.py", "document.py", "bilingual.py")


@dataclass(frozen=True)
class LevelSummary:
    """What `quartier levels` shows of a level file that passed the full check."""

    id: str
    title_de: str
    title_en: str
    dimensions: tuple[int, int, int]

    def title(self, lang: Language) -> str:
        return self.title_de if lang == "de" else self.title_en


def level_summaries() -> tuple[
    list[tuple[Path, LevelSummary, bool]], list[tuple[Path, QuartierError]]
]:
    """What `available_levels` finds, as summaries: from the index where a file is unchanged."""
    schema, index = _read_index()
    fresh: dict[str, Any] = {}
    entries, broken = [], []
    for path, bundled in level_files():
        key, stamp = str(path.absolute()), _file_stamp(path)
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


def _file_stamp(path: Path) -> list[int] | None:
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
