"""Writing files so that a crash, a power cut or a full disk never loses a student's work.

`write_atomic` writes a temporary file in the same folder, fsyncs it, copies the current
version to `NAME.bak` and renames the new file into place, so at every instant `NAME` is a
complete old or new file. A copy (not a hard link) is used for the backup because school
USB sticks are often FAT32.
"""

import errno
import os
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path

from game.core.errors import QuartierError

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the file system supports it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform or file system
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes, mode: int = 0o666) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def storage_error(exc: OSError, path: Path) -> QuartierError:
    """A failed write as a message the student understands (full disk, no permission, other)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):  # EFBIG: a file size limit
        return QuartierError("error.disk_full", path=str(path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return QuartierError("error.read_only", path=str(path))
    return QuartierError("error.write_failed", path=str(path), reason=exc.strerror or str(exc))


def temp_name(path: Path, suffix: str) -> Path:
    """A temporary sibling of `path` that no other writer uses, in this process or another.

    The process id alone is shared by the threads of a server, so two threads writing the same
    file took the same temporary name and one lost its file under the other. A random part
    makes the name each call's own; `O_EXCL` in `_write_file` still refuses to reuse one.
    (`tempfile.mkstemp` would always create it 0o600 and lose the `mode` asked for.)
    """
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}{suffix}")


def write_atomic(path: Path, data: bytes, keep_backup: bool = True, mode: int = 0o666) -> None:
    """Replace `path` with `data` atomically; on any failure the old file is left as it was.

    `mode` (before the umask) is set when the file is created, e.g. 0o600 for a secret.
    """
    path = Path(path)
    tmp, bak_tmp = temp_name(path, ".tmp"), temp_name(path, ".bak.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_file(tmp, data, mode)
        if keep_backup and path.is_file():
            _write_file(bak_tmp, path.read_bytes())
            os.replace(bak_tmp, backup_path(path))
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        for leftover in (tmp, bak_tmp):
            leftover.unlink(missing_ok=True)
        raise storage_error(exc, path) from None


def read_document(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of a level or design file, with clear messages for missing or oversized files.

    Only a regular file is read, and never more than `max_bytes`: a device (`/dev/zero`,
    `/dev/stdin`) or a FIFO has no size to check first, and reading it filled the memory or
    waited forever.
    """
    path = Path(path)
    too_large = QuartierError("error.file_too_large", path=str(path), limit_mb=max_bytes // 2**20)
    try:
        # Non-blocking, so that opening a FIFO returns at once and fstat can refuse it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            found = os.fstat(f.fileno())
            if stat.S_ISDIR(found.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(found.st_mode):
                raise QuartierError("error.not_a_file", path=str(path))
            if found.st_size > max_bytes:
                raise too_large
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:  # it grew since
            raise too_large
        return data
    except FileNotFoundError:
        raise QuartierError("error.file_not_found", path=str(path)) from None
    except IsADirectoryError:
        raise QuartierError("error.is_a_folder", path=str(path)) from None
    except PermissionError:
        raise QuartierError("error.cannot_read", path=str(path)) from None


class Autosaver:
    """Saves a document when it has changed and `interval` seconds have passed since the last save.

    The editor calls `tick()` every frame and `flush()` on exit; `produce` returns the bytes
    to write. A failed autosave keeps the document dirty and reports the error once.
    """

    def __init__(
        self,
        path: Path,
        produce: Callable[[], bytes],
        interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.produce = produce
        self.interval = interval
        self.clock = clock
        self.dirty = False
        self.last_error: QuartierError | None = None
        self._last_save = clock()

    def mark_dirty(self) -> None:
        self.dirty = True

    def tick(self) -> bool:
        """Save if due; True when a save happened."""
        if self.dirty and self.clock() - self._last_save >= self.interval:
            return self.flush()
        return False

    def flush(self) -> bool:
        if not self.dirty:
            return False
        self._last_save = self.clock()
        try:
            write_atomic(self.path, self.produce())
        except QuartierError as exc:
            self.last_error = exc
            return False
        self.dirty = False
        self.last_error = None
        return True
