"""The 3D models of a design for the browser's 3D view: its zone with the city around it, as glTF.

Why cropped and not the design's whole `.glb` (`game.io.formats.gltf.export_grid`): the whole
Berlin level is 8.3 MB, a phone on a school's network and the software rasteriser of a school
PC need the zone and its street (`export_zone`, ~0.4 MB on Berlin). "after" is the design,
made once per revision; "before" is the untouched level, made once per level and shared by
every design on it. Both are made by the server from the stored design, in the pictures' worker
pool like the pictures (`services/images.py`), and then only read.
"""

import threading
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from game.core.design import open_design, parse_design
from game.io.formats.gltf import export_level_zone
from game.io.levels import find_level
from game.io.storage import write_atomic
from server_sync.errors import ApiError
from server_sync.models import Submission
from server_sync.services.images import PICTURE_WAIT
from server_sync.services.submissions import design_text
from server_sync.services.workers import RETRY_AFTER, Workers

State = Literal["before", "after"]
STATES: tuple[State, ...] = ("after", "before")

# One lock per model being made in this process: whoever asks for the same model meanwhile
# waits for it and then reads the file, instead of making it again. A lock is dropped once its
# file exists, so the table holds only the models under way.
_making: dict[Path, threading.Lock] = {}
_making_guard = threading.Lock()


def known_state(state: str) -> State:
    """`state` as one of STATES, or a 422."""
    for known in STATES:
        if state == known:
            return known
    raise ApiError(422, "bad_state")


def model_path(
    data_dir: Path, uuid: str, revision: int, level_id: str, level_sha256: str, state: State
) -> Path:
    """Where a model is kept: per revision for "after", per level (and its content) for "before"."""
    folder = Path(data_dir) / "models"
    if state == "before":
        return folder / f"level-{level_id}-{level_sha256[:16]}.glb"
    return folder / f"{uuid}-r{revision}.glb"


def zone_glb(text: str, state: State) -> bytes:
    """The model of a design's zone and context, or of its level's untouched city ("before")."""
    doc = parse_design(text)
    level = find_level(doc.level.id)
    grid = level.city if state == "before" else open_design(doc, level).grid
    return export_level_zone(grid, level)


def _make(path: Path, text: str, state: State) -> None:
    """A worker pool's job: the model written to `path` (the level decoded once per worker)."""
    write_atomic(path, zone_glb(text, state), keep_backup=False)


def model_file(
    session: Session, workers: Workers, data_dir: Path, found: Submission, state: State
) -> Path:
    """The model of a submission's latest revision, made now if it is missing (waiting up to
    `PICTURE_WAIT` seconds, then a 503 with Retry-After, as for the pictures)."""
    text = design_text(session, found.uuid, found.revision)
    session.commit()  # the connection is free for others while the model is made
    level = parse_design(text).level
    path = model_path(data_dir, found.uuid, found.revision, level.id, level.sha256, state)
    if path.exists():
        return path
    with _making_guard:
        lock = _making.setdefault(path, threading.Lock())
    with lock:
        if not path.exists():
            try:
                workers.submit_later(_make, path, text, state).result(PICTURE_WAIT)
            except TimeoutError:
                raise ApiError(503, "busy", seconds=RETRY_AFTER) from None
            with _making_guard:
                _making.pop(path, None)
    return path
