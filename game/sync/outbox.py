"""The outbox: submissions waiting for the collection server, one file per design.

A submission is first written to the outbox folder (atomically), so closing the editor or
losing the Wi-Fi never loses it. After the server accepted it, the file moves to `sent/` (next
to a receipt); after a permanent refusal to `refused/` next to a note saying why; a temporary
failure leaves it where it is for the next try. Nothing a student submitted is deleted: a
different older copy in `sent/` or `refused/` moves to `older/` before a newer one takes its
place, and a damaged outbox file stays where it is and is reported.

Files go through the `Storage` the caller passes (`game.io.storage`: temporary file, fsync,
rename), so that this package depends on `game.core` only (docs/architecture.md).
"""

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from game.core.design import DesignDocument, parse_design
from game.core.errors import QuartierError
from game.sync.files import Storage, json_bytes, read_json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxFile:
    """One file in the outbox: its bytes and the design, or why it cannot be read."""

    path: Path
    raw: bytes = b""
    doc: DesignDocument | None = None
    error: QuartierError | None = None


class Outbox:
    """One outbox folder. Make one per folder and share it (the editor gives the same object to
    its background sync): its lock keeps a new submission and the sending thread's moves apart,
    and it tells its listeners when a design was queued."""

    def __init__(self, folder: Path, storage: Storage) -> None:
        self.folder = Path(folder)
        self.storage = storage
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Path], None]] = []

    @property
    def sent_dir(self) -> Path:
        return self.folder / "sent"

    @property
    def refused_dir(self) -> Path:
        return self.folder / "refused"

    def path_for(self, doc_id: uuid.UUID | str) -> Path:
        return self.folder / f"{doc_id}.design.json"

    def add_listener(self, listener: Callable[[Path], None]) -> None:
        """Call `listener(path)` after every `queue`, on the queuing thread."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Path], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def queue(self, doc: DesignDocument) -> Path:
        """Store a design for sending; queuing the same design again replaces the older copy."""
        path = self.path_for(doc.id)
        with self._lock:
            self.storage.write_atomic(path, doc.to_json().encode("utf-8"), keep_backup=False)
            listeners = self._listeners.copy()
        for listener in listeners:
            try:
                listener(path)
            except Exception:  # a listener never breaks a submission
                log.exception("outbox listener failed")
        return path

    def pending(self) -> list[DesignDocument]:
        return [f.doc for f in self.files() if f.doc is not None]

    def files(self) -> list[OutboxFile]:
        """Every design file waiting in the outbox; a damaged one comes with its error, untouched."""
        if not self.folder.is_dir():
            return []
        return [self.read(path) for path in sorted(self.folder.glob("*.design.json"))]

    def read(self, path: Path) -> OutboxFile:
        try:
            raw = self.storage.read_document(path)
            return OutboxFile(path, raw, parse_design(raw, what=path.name))
        except QuartierError as exc:
            return OutboxFile(path, error=exc)  # stays on disk for a person to look at

    def receipt(self, doc_id: uuid.UUID | str) -> dict[str, Any] | None:
        """The receipt of a sent design (empty when unreadable), None when it was never sent."""
        return self._note(self.sent_dir, doc_id, "receipt")

    def refusal(self, doc_id: uuid.UUID | str) -> dict[str, Any] | None:
        """The server's refusal of a design (empty when unreadable), None when never refused."""
        return self._note(self.refused_dir, doc_id, "refusal")

    def _note(self, folder: Path, doc_id: uuid.UUID | str, kind: str) -> dict[str, Any] | None:
        if not (folder / f"{doc_id}.design.json").is_file():
            return None
        return read_json(folder / f"{doc_id}.{kind}.json") or {}

    def mark_sent(self, item: OutboxFile, receipt: dict[str, Any]) -> Path:
        return self._move_out(item, self.sent_dir, "receipt", receipt)

    def mark_refused(self, item: OutboxFile, note: dict[str, Any]) -> Path:
        return self._move_out(item, self.refused_dir, "refusal", note)

    def _move_out(self, item: OutboxFile, folder: Path, kind: str, note: dict[str, Any]) -> Path:
        """Move a sent or refused file into `folder` with its note, keeping any older copy.

        When the student queued a newer version while this one was on its way, the newer file
        stays in the outbox and a copy of the version that was handled goes to `folder`.
        """
        if item.doc is None:
            raise ValueError(f"{item.path} was not read as a design")
        dest = folder / f"{item.doc.id}.design.json"
        note_path = folder / f"{item.doc.id}.{kind}.json"
        write, fsync_dir = self.storage.write_atomic, self.storage.fsync_dir
        with self._lock:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                if dest.is_file() and dest.read_bytes() != item.raw:
                    older = folder / "older"
                    older.mkdir(exist_ok=True)
                    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
                    if note_path.is_file():
                        os.replace(note_path, older / f"{item.doc.id}.{stamp}.{kind}.json")
                    os.replace(dest, older / f"{item.doc.id}.{stamp}.design.json")
                write(note_path, json_bytes(note), keep_backup=False)
                try:
                    current: bytes | None = item.path.read_bytes()
                except FileNotFoundError:
                    current = None
                if current == item.raw:
                    os.replace(item.path, dest)
                    fsync_dir(folder)
                    fsync_dir(self.folder)
                else:
                    write(dest, item.raw, keep_backup=False)
            except OSError as exc:
                raise self.storage.storage_error(exc, dest) from None
        return dest
