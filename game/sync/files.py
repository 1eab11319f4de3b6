"""Files for this package: the safe writing it needs from its caller, and its small JSON files.

`game.sync` may import only `game.core` (docs/architecture.md), so the caller passes the file
storage in (`game.io.storage`: temporary file, fsync, rename); the JSON helpers read and write
the notes beside sent and refused designs and the participant file.
"""

import json
from pathlib import Path
from typing import Any, Protocol

from game.core.errors import QuartierError


class Storage(Protocol):
    """Safe file writing as `game.io.storage` offers it (the module itself fits this protocol)."""

    def write_atomic(
        self, path: Path, data: bytes, keep_backup: bool = True, mode: int = 0o666
    ) -> None: ...

    def read_document(self, path: Path) -> bytes: ...

    def fsync_dir(self, folder: Path) -> None: ...

    def storage_error(self, exc: OSError, path: Path) -> QuartierError: ...


def json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def read_json(path: Path) -> dict[str, Any] | None:
    """The object in `path`, or None when it is missing, unreadable or not a JSON object."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
