"""The server-made pictures of a stored design: both views, rendered once, then only read.

Rendering is CPU work (~0.4 s for the iso view on the Berlin level): it runs in the bounded
worker pool (services/workers.py), never on the event loop.
"""

import logging
import threading
import weakref
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from game.core.design import open_design, parse_design
from game.core.level import Level
from game.core.session import Session as DesignSession
from game.io.levels import find_level
from game.io.storage import write_atomic
from game.render.snapshot import View, render_png
from server_sync.errors import ApiError
from server_sync.models import Submission
from server_sync.services.submissions import design_text
from server_sync.services.workers import Workers

log = logging.getLogger(__name__)

VIEWS: tuple[View, ...] = ("iso", "top")
IMAGE_SIZE = (800, 600)

# One lock per picture file while it is being rendered, dropped when nobody holds it any more.
_rendering: weakref.WeakValueDictionary[Path, threading.Lock] = weakref.WeakValueDictionary()
_rendering_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _rendering_guard:
        lock = _rendering.get(path)
        if lock is None:
            lock = _rendering[path] = threading.Lock()
        return lock


def known_view(view: str) -> View:
    """`view` as one of VIEWS, or a 422."""
    for known in VIEWS:
        if view == known:
            return known
    raise ApiError(422, "bad_view")


def image_path(data_dir: Path, uuid: str, revision: int, view: View) -> Path:
    return Path(data_dir) / "images" / f"{uuid}-r{revision}-{view}.png"


def image_paths(data_dir: Path, uuid: str, revision: int) -> dict[View, Path]:
    return {view: image_path(data_dir, uuid, revision, view) for view in VIEWS}


def render_images(
    data_dir: Path,
    uuid: str,
    revision: int,
    grid: np.ndarray,
    level: Level,
    workers: Workers | None = None,
) -> None:
    """Render both views of a stored design once; the gallery only ever shows these. In the
    server's worker pool when `workers` is given (raising its 503 when it is full), else in this
    thread (the export, which has no pool and nothing else to keep answering).

    The background rendering after an upload and the first GET of the picture often run at
    the same moment: a lock per (design, revision, view) lets one render it while the other
    waits and then finds the file. Other server processes may render it too; their temporary
    files are their own and the rename is atomic, so the worst is the same picture twice.
    """
    for view, path in image_paths(data_dir, uuid, revision).items():
        with _lock_for(path):
            if path.exists():
                continue
            if workers is None:
                _draw(path, grid, level, view)
            else:
                workers.run(_draw, path, grid, level, view)


def _draw(path: Path, grid: np.ndarray, level: Level, view: View) -> None:
    png = render_png(grid, level.catalogue.colors, view, IMAGE_SIZE, highlight=level.zone_columns)
    write_atomic(path, png, keep_backup=False)


def render_soon(
    data_dir: Path, uuid: str, revision: int, grid: np.ndarray, level: Level, workers: Workers
) -> None:
    """`render_images` after an upload was answered; a full pool skips it (the first GET of the
    picture renders it then), since nobody is there to be told to come back later."""
    try:
        render_images(data_dir, uuid, revision, grid, level, workers)
    except ApiError as busy:
        log.info("pictures of %s r%d left for later: %s", uuid, revision, busy.code)


def _opened(text: str) -> DesignSession:
    doc = parse_design(text)
    return open_design(doc, find_level(doc.level.id))


def image_file(
    session: Session, workers: Workers, data_dir: Path, found: Submission, view: View
) -> Path:
    """The picture of a submission's latest revision, rendered again from the stored design if
    missing (e.g. the server stopped before its background rendering, or the pool was full)."""
    path = image_path(data_dir, found.uuid, found.revision, view)
    if not path.exists():
        text = design_text(session, found.uuid, found.revision)
        session.commit()  # the connection is free for others while this renders (see store)
        opened = workers.run(_opened, text)
        render_images(data_dir, found.uuid, found.revision, opened.grid, opened.level, workers)
    return path


def cache_control(found: Submission) -> str:
    """A public picture may be kept by any cache; one only the moderator may see (pending, hidden,
    rejected) must not be stored by a browser or proxy, where the next user would get it."""
    return "public, max-age=3600" if found.status == "approved" else "private, no-store"
