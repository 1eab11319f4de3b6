"""The server-made pictures of a stored design, rendered once, then only read.

Rendering is CPU work (~0.85 s for the whole-level iso view on the Berlin level, ~0.05 s for
the framed ones): it runs in the worker
pool's process for pictures (services/workers.py), never on the event loop, and never before
the upload is answered.
"""

import logging
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy.orm import Session

from game.core.design import open_design, parse_design
from game.core.level import Level
from game.core.png import encode_png
from game.io.levels import find_level
from game.io.storage import write_atomic
from game.render.detail import Detail
from game.render.framing import render_zone
from game.render.snapshot import render_png
from server_sync.errors import ApiError
from server_sync.models import Submission
from server_sync.services.submissions import design_text
from server_sync.services.workers import RETRY_AFTER, Workers

log = logging.getLogger(__name__)

View = Literal["iso", "top", "zone", "before", "locator"]
VIEWS: tuple[View, ...] = ("iso", "top", "zone", "before", "locator")
"""`iso`/`top`: the whole level with the design (as before issue 16); `zone`: the design framed
on its zone, changes marked (`game.render.framing`); `before`: the same frame of the untouched
level; `locator`: a small plan of the whole level with the zone outlined."""
LEVEL_VIEWS: tuple[View, ...] = ("before", "locator")
"""Pictures of the level alone: rendered once per level (its hash), whichever design asks."""
SOON: tuple[View, ...] = ("zone", "before")
"""Rendered right after an upload: what the gallery, the design page and the queue show first.
The whole-level views cost ~0.9 s each on Berlin and are rendered only when asked for."""
REPORT_VIEWS: tuple[View, ...] = ("before", "zone", "locator")
"""The pictures of each design in the council's export: before and after side by side, and
where in the level."""
IMAGE_SIZE = (800, 600)
LOCATOR_SIZE = (400, 300)

PICTURE_WAIT = 30.0
"""Seconds a request for a picture waits for its rendering before it is told to come back."""

# The renderings under way in this process, one per picture file: whoever asks for the same
# picture meanwhile (another design's "before" of the same level too) waits for that one.
_rendering: dict[Path, "Future[None]"] = {}
_rendering_guard = threading.Lock()


def known_view(view: str) -> View:
    """`view` as one of VIEWS, or a 422."""
    for known in VIEWS:
        if view == known:
            return known
    raise ApiError(422, "bad_view")


def image_path(data_dir: Path, uuid: str, revision: int, view: View, level_sha: str = "") -> Path:
    """Where a picture is kept: per revision, or per level (by its hash) for `LEVEL_VIEWS`."""
    if view in LEVEL_VIEWS:
        return Path(data_dir) / "images" / f"level-{level_sha}-{view}.png"
    return Path(data_dir) / "images" / f"{uuid}-r{revision}-{view}.png"


def image_paths(
    data_dir: Path, uuid: str, revision: int, text: str, views: tuple[View, ...] = SOON
) -> dict[View, Path]:
    """The files of `views` of a stored design (its text names its level's hash)."""
    sha = parse_design(text).level.sha256
    return {view: image_path(data_dir, uuid, revision, view, sha) for view in views}


def picture_png(grid: np.ndarray, level: Level, view: View, decorated: bool = True) -> bytes:
    """One picture of a design's grid on its level, as PNG bytes, with the generated detail
    (trees, windows, ...) the editor draws, as far as the picture's size allows; without
    `decorated`, plain boxes (what `benchmarks/pictures.py` compares with)."""
    colors, zone, top = level.catalogue.colors, level.zone_columns, level.doc.zone.top
    detail = Detail(level.catalogue) if decorated else None
    if view == "zone":
        changed = grid != level.city
        return encode_png(
            render_zone(grid, colors, zone, top, IMAGE_SIZE, changed, level.city, detail)
        )
    if view == "before":
        return encode_png(render_zone(level.city, colors, zone, top, IMAGE_SIZE, detail=detail))
    if view == "locator":
        return render_png(level.city, colors, "top", LOCATOR_SIZE, highlight=zone)
    return render_png(grid, colors, view, IMAGE_SIZE, highlight=zone, detail=detail)


def render_images(paths: dict[View, Path], grid: np.ndarray, level: Level) -> None:
    """Render the missing pictures among `paths` in this thread (the export, which has no pool
    and nothing else to keep answering)."""
    for view, path in paths.items():
        if not path.exists():
            write_atomic(path, picture_png(grid, level, view), keep_backup=False)


def _render_design(path: Path, text: str, view: View) -> None:
    """A worker pool's job: one picture of the design opened from its text on its level
    (decoded once per worker process: `find_level` keeps it)."""
    doc = parse_design(text)
    opened = open_design(doc, find_level(doc.level.id))
    render_images({view: path}, opened.grid, opened.level)


def rendering(
    data_dir: Path, uuid: str, revision: int, text: str, workers: Workers, view: View = "zone"
) -> "Future[None]":
    """One picture of a stored design, rendered once in the worker pool: the one rendering of
    that file under way in this process if there is one, else a new one (raising the pool's 503
    when it is full). The background rendering after an upload and the first GETs of its
    pictures often come at the same moment; they all wait for the same job. Other server
    processes may render it too; their temporary files are their own and the rename is atomic,
    so the worst is the same picture twice."""
    key = image_paths(data_dir, uuid, revision, text, (view,))[view]
    with _rendering_guard:
        running = _rendering.get(key)
        if running is not None:
            return running
        running = _rendering[key] = workers.submit_later(_render_design, key, text, view)

    def forget(done: "Future[None]") -> None:
        with _rendering_guard:
            if _rendering.get(key) is done:
                del _rendering[key]

    running.add_done_callback(forget)
    return running


def render_soon(data_dir: Path, uuid: str, revision: int, text: str, workers: Workers) -> None:
    """Start the `SOON` pictures of a new revision after its upload was answered, without
    waiting for them; a full pool skips them (the first GET of a picture renders it then),
    since nobody is there to be told to come back later."""
    for view, path in image_paths(data_dir, uuid, revision, text).items():
        if path.exists():
            continue
        try:
            rendering(data_dir, uuid, revision, text, workers, view)
        except ApiError as busy:
            log.info("picture %s of %s r%d left for later: %s", view, uuid, revision, busy.code)
            return


def image_file(
    session: Session, workers: Workers, data_dir: Path, found: Submission, view: View
) -> Path:
    """The picture of a submission's latest revision; while it is being rendered (after its
    upload, or again from the stored design if the server stopped before or the pool was full)
    this waits for it, up to `PICTURE_WAIT` seconds, then answers 503 with Retry-After."""
    # A level's picture is named by the level's hash, which the design's text names.
    text = design_text(session, found.uuid, found.revision) if view in LEVEL_VIEWS else None
    path = (
        image_path(data_dir, found.uuid, found.revision, view)
        if text is None
        else image_paths(data_dir, found.uuid, found.revision, text, (view,))[view]
    )
    if not path.exists():
        text = text or design_text(session, found.uuid, found.revision)
        session.commit()  # the connection is free for others while this renders (see store)
        try:
            rendering(data_dir, found.uuid, found.revision, text, workers, view).result(
                PICTURE_WAIT
            )
        except TimeoutError:
            raise ApiError(503, "busy", seconds=RETRY_AFTER) from None
    return path


def cache_control(found: Submission) -> str:
    """A public picture may be kept by any cache; one only the moderator may see (pending, hidden,
    rejected) must not be stored by a browser or proxy, where the next user would get it."""
    return "public, max-age=3600" if found.status == "approved" else "private, no-store"
