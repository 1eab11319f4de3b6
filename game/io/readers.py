"""Which reader a source file is for, decided by its content, with one line per reader.

City staff get files named `export.xml`, `gebaeude.zip` or `download` without a suffix, so a
name proves nothing: every reader says from the file's first bytes (gunzipped if need be)
whether the file is its format. The table itself lives in `level_import` (`READERS`), where
each entry names its import function; a new reader joins it with one line. When no reader
wants a file, the refusal lists what every reader accepts, so "not valid JSON (line 1, column
1)" no longer names the wrong problem for a Shapefile or a CityGML.
"""

import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from game.core.errors import QuartierError

HEAD_BYTES = 4096
GZIP_MAGIC = b"\x1f\x8b"

Importer = TypeVar("Importer")


def head(path: Path) -> bytes:
    """The first few kilobytes of a file, unpacked when gzipped; nothing for a folder.

    Only a regular file is opened: a FIFO or device would block or never end (see `storage`).
    """
    path = Path(path)
    if not path.is_file():
        return b""
    try:
        with open(path, "rb") as f:
            start = f.read(HEAD_BYTES)
        if start.startswith(GZIP_MAGIC):
            with gzip.open(path, "rb") as f:
                return f.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error):
        return b""
    return start


def gzipped(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(2) == GZIP_MAGIC
    except OSError:
        return False


def starts_with(data: bytes, prefix: bytes) -> bool:
    """Whether text data starts with `prefix` once a byte order mark and blank space are skipped."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(prefix)


@dataclass(frozen=True)
class Reader(Generic[Importer]):
    """One source format: what the refusal lists for it, its test by content, its import."""

    formats: str  # e.g. "GeoPackage (.gpkg)", shown in the refusal
    claims: Callable[[Path, bytes], bool]  # (path, head(path)) -> is this my format?
    load: Importer


def choose(path: Path, readers: list[Reader[Importer]]) -> Reader[Importer]:
    """The first reader that claims the file; otherwise a refusal naming every accepted format."""
    if not Path(path).exists():
        raise QuartierError("error.file_not_found", path=str(path))
    start = head(path)
    for reader in readers:
        if reader.claims(Path(path), start):
            return reader
    raise QuartierError(
        "error.import_unknown_format",
        what=Path(path).name,
        formats=", ".join(r.formats for r in readers),
    )
