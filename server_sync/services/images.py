"""The server-made pictures of a stored design: both views, rendered once, then only read.

Rendering is CPU work (~0.85 s for the iso view on the Berlin level): it runs in the worker
pool's process for pictures (services/workers.py), never on the event loop, and never before
the upload is answered.
"""

import logging
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from game.core.design import open_design, parse_design
from game.core.level import Level
from game.io.levels import find_level
from game.io.storage import write_atomic
from game.render.snapshot import View, render_png
from server_sync.errors import ApiError
from server_sync.models import Submission
from server_sync.services.submissions import design_text
from server_sync.services.workers import RETRY_AFTER, Workers

log = logging.getLogger(__name__)

VIEWS: tuple[View, ...] = ("iso", "top")
IMAGE_SIZE = (800, 600)

PICTURE_WAIT = 30.0
"""Seconds a request for a picture waits for its rendering before it is told to come back."""

# The renderings under way in this process, one per (data folder, design, revision): whoever
# asks for the same pictures meanwhile waits for that one instead of starting another.
_rendering: dict[tuple[Path, str, int], "Future[None]"] = {}
_rendering_guard = threading.Lock()


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


def render_images(data_dir: Path, uuid: str, revision: int, grid: np.ndarray, level: Level) -> None:
    """Render the missing views of a stored design in this thread (the export, which has no
    pool and nothing else to keep answering; the server's worker processes)."""
    for view, path in image_paths(data_dir, uuid, revision).items():
        if not path.exists():
            png = render_png(
                grid, level.catalogue.colors, view, IMAGE_SIZE, highlight=level.zone_columns
            )
            write_atomic(path, png, keep_backup=False)


def _render_design(data_dir: Path, uuid: str, revision: int, text: str) -> None:
    """A worker pool's job: the design opened from its text on its level (decoded once per
    worker process: `find_level` keeps it), then `render_images`."""
    doc = parse_design(text)
    opened = open_design(doc, find_level(doc.level.id))
    render_images(data_dir, uuid, revision, opened.grid, opened.level)


def rendering(
    data_dir: Path, uuid: str, revision: int, text: str, workers: Workers
) -> "Future[None]":
    """The pictures of a stored design, rendered once in the worker pool: the one rendering
    under way in this process if there is one, else a new one (raising the pool's 503 when it is
    full). The background rendering after an upload and the first GETs of its pictures often
    come at the same moment; they all wait for the same job. Other server processes may render
    them too; their temporary files are their own and the rename is atomic, so the worst is the
    same picture twice."""
    key = (Path(data_dir), uuid, revision)
    with _rendering_guard:
        running = _rendering.get(key)
        if running is not None:
            return running
        running = _rendering[key] = workers.submit_later(
            _render_design, data_dir, uuid, revision, text
        )

    def forget(done: "Future[None]") -> None:
        with _rendering_guard:
            if _rendering.get(key) is done:
                del _rendering[key]

    running.add_done_callback(forget)
    return running


def render_soon(data_dir: Path, uuid: str, revision: int, text: str, workers: Workers) -> None:
    """Start the pictures of a new revision after its upload was answered, without waiting for
    them; a full pool skips them (the first GET of a picture renders it then), since nobody is
    there to be told to come back later."""
    if all(path.exists() for path in image_paths(data_dir, uuid, revision).values()):
        return
    try:
        rendering(data_dir, uuid, revision, text, workers)
    except ApiError as busy:
        log.info("pictures of %s r%d left for later: %s", uuid, revision, busy.code)


def image_file(
    session: Session, workers: Workers, data_dir: Path, found: Submission, view: View
) -> Path:
    """The picture of a submission's latest revision; while it is being rendered (after its
    upload, or again from the stored design if the server stopped before or the pool was full)
    this waits for it, up to `PICTURE_WAIT` seconds, then answers 503 with Retry-After."""
    path = image_path(data_dir, found.uuid, found.revision, view)
    if not path.exists():
        text = design_text(session, found.uuid, found.revision)
        session.commit()  # the connection is free for others while this renders (see store)
        try:
            rendering(data_dir, found.uuid, found.revision, text, workers).result(PICTURE_WAIT)
        except TimeoutError:
            raise ApiError(503, "busy", seconds=RETRY_AFTER) from None
    return path


def cache_control(found: Submission) -> str:
    """A public picture may be kept by any cache; one only the moderator may see (pending, hidden,
    rejected) must not be stored by a browser or proxy, where the next user would get it."""
    return "public, max-age=3600" if found.status == "approved" else "private, no-store"
