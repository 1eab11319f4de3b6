"""Log files a teacher can send: one rotating file per program in the user data folder.

The standard library's `RotatingFileHandler` is all this needs: `quartier.log` (or `server.log`)
and three older files of about 1 MB each, so a long workshop never fills a USB stick. Uncaught
exceptions, in the main thread or any other, go to the file with their traceback, while the
person at the screen reads only the friendly message that names the file (`crash_message`).
"""

import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path
from types import TracebackType

from game.core.i18n import Language, detect_language, text
from game.io.paths import logs_dir

MAX_BYTES = 1_000_000
BACKUPS = 3
_HANDLER = "quartier-log-file"
log = logging.getLogger("quartier")


def configure_logging(app: str, folder: Path | None = None) -> Path:
    """Write this process's log (INFO and up) to `FOLDER/APP.log` and log uncaught exceptions there.

    Meant to be called once per process (`quartier`, `quartier-server serve`); a second call (tests
    run `main()` many times) moves the log to the new file instead of adding another. Where the
    folder cannot be written, the program runs on without a log file.
    """
    path = (folder or logs_dir()) / f"{app}.log"
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.name == _HANDLER]:
        root.removeHandler(old)
        old.close()
    # A failing log write must never show a student a traceback (the documented production setting).
    logging.raiseExceptions = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return path
    handler.name = _HANDLER
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
    return path


def log_file() -> Path | None:
    """The file `configure_logging` writes to in this process, if any."""
    for handler in logging.getLogger().handlers:
        if handler.name == _HANDLER and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def crash_message(lang: Language, exc: BaseException | type[BaseException]) -> str:
    """What the person at the screen reads when something failed that should not: the reason in
    one line, then the log file to send (whose traceback says the rest)."""
    reason = exc.__name__ if isinstance(exc, type) else f"{type(exc).__name__}: {exc}"
    message = text(lang, "error.unexpected", reason=reason)
    path = log_file()
    return message if path is None else message + "\n" + text(lang, "error.log_file", path=path)


def _uncaught(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):  # Ctrl+C is how one stops a program, not a crash
        return
    log.critical("uncaught exception", exc_info=(kind, value, traceback))
    print(crash_message(detect_language(), value), file=sys.stderr)
    if os.environ.get("QUARTIER_DEBUG"):
        sys.__excepthook__(kind, value, traceback)


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if issubclass(args.exc_type, SystemExit):  # as the default hook: a thread may end itself
        return
    name = args.thread.name if args.thread else "?"
    value = args.exc_value
    exc_info = (args.exc_type, value, args.exc_traceback) if value is not None else None
    log.critical("uncaught exception in thread %s", name, exc_info=exc_info)
    print(crash_message(detect_language(), value or args.exc_type), file=sys.stderr)
    if os.environ.get("QUARTIER_DEBUG"):
        threading.__excepthook__(args)
