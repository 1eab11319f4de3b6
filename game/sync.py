"""Submissions on their way to the collection server, starting with the outbox on disk.

A submission is first written to the outbox folder (atomically), so closing the editor or
losing the Wi-Fi never loses it; sending it is the collection server's part.
"""

from pathlib import Path

from game.core.design import DesignDocument, parse_design
from game.core.errors import QuartierError
from game.io.paths import outbox_dir
from game.io.storage import read_document, write_atomic


class Outbox:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or outbox_dir()

    def queue(self, doc: DesignDocument) -> Path:
        """Store a design for sending; queuing the same design again replaces the older copy."""
        path = self.folder / f"{doc.id}.design.json"
        write_atomic(path, doc.to_json().encode("utf-8"), keep_backup=False)
        return path

    def pending(self) -> list[DesignDocument]:
        docs = []
        for path in sorted(self.folder.glob("*.design.json")) if self.folder.is_dir() else []:
            try:
                docs.append(parse_design(read_document(path), what=path.name))
            except QuartierError:
                continue  # a damaged file stays on disk for a person to look at
        return docs
