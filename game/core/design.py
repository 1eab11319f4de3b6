"""Designs (`*.design.json`): a student's changes against one exact version of a level.

Only the changed voxels are stored (sparse codec, base64), with a palette of block keys so
a design stays readable when the catalogue grows. Opening checks the level id and hash
first: changes against another version of the city would land in the wrong places.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from game.core.codec import decode_sparse, encode_sparse, from_palette, to_palette
from game.core.document import parse_document, validation_error
from game.core.errors import QuartierError
from game.core.level import LEVEL_ID_PATTERN, Level
from game.core.session import Session
from game.core.text import hidden_character

SCHEMA_VERSION: Final = 2
FORMAT: Final = "quartier.design"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _versioned(schema: dict[str, Any]) -> None:
    """A design's JSON schema with its version and format required, whatever their defaults:
    `parse_design` reads both before the fields and refuses a file without them, and the
    server publishes this schema for uploads (/openapi.json)."""
    schema["required"] = ["schema_version", "format", *schema.get("required", [])]


class LevelRef(_Strict):
    id: str = Field(pattern=LEVEL_ID_PATTERN)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Changes(_Strict):
    encoding: Literal["zlib-delta-u32"] = "zlib-delta-u32"
    count: int = Field(ge=0)
    palette: list[str] = Field(max_length=256)
    data: str


Name = Annotated[str, Field(min_length=1, max_length=40)]
"""A pseudonym or a metric's key: short, so a file cannot carry a megabyte in one."""
AchievementKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")]


class DesignDocument(_Strict):
    """A design file. Every field is bounded: the server stores what pupils send.

    `pseudonyms` and `metrics` are the editor's notes for the pupil; the server publishes its
    own participant pseudonym and recomputes the indicators, never taking them from here.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_versioned)

    schema_version: Literal[2] = SCHEMA_VERSION
    format: Literal["quartier.design"] = FORMAT
    id: uuid.UUID
    level: LevelRef
    title: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=2000)
    pseudonyms: list[Name] = Field(default_factory=list, max_length=30)
    created: datetime
    modified: datetime
    app_version: str = Field(max_length=40)
    changes: Changes
    metrics: dict[Name, float] = Field(default_factory=dict, max_length=64)
    achievements: list[AchievementKey] = Field(default_factory=list, max_length=100)

    def to_json(self) -> str:
        return self.model_dump_json(indent=1) + "\n"

    @field_validator("title", "description", "pseudonyms")
    @classmethod
    def _visible(cls, value: str | list[str], info: ValidationInfo) -> str | list[str]:
        """Others read these texts in the gallery and the council report: nothing in them may
        hide or reorder what is shown (L10). Raised as a QuartierError, which pydantic lets
        through, so the refusal is said in the pupil's language."""
        for one in [value] if isinstance(value, str) else value:
            hidden = hidden_character(one, newlines=info.field_name == "description")
            if hidden is not None:
                raise QuartierError("error.hidden_character", field=info.field_name, char=hidden)
        return value


def _v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had one `author`; a design may now be made by a small team."""
    author = raw.pop("author", None)
    raw["pseudonyms"] = [author] if author else []
    return raw


_MIGRATIONS = {1: _v1_to_v2}


def parse_design(text: str | bytes, what: str = "design") -> DesignDocument:
    return parse_document(
        text, DesignDocument, what=what, format=FORMAT, current=SCHEMA_VERSION, steps=_MIGRATIONS
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def new_design(
    level: Level, app_version: str, title: str = "", pseudonym: str | None = None
) -> DesignDocument:
    """A design without changes; a title or pseudonym beyond the file's bounds is refused."""
    now = _now()
    try:
        return DesignDocument(
            id=uuid.uuid4(),
            level=LevelRef(id=level.id, sha256=level.sha256),
            title=title,
            pseudonyms=[pseudonym] if pseudonym else [],
            created=now,
            modified=now,
            app_version=app_version,
            changes=_encode_changes(
                np.zeros(0, np.int64), np.zeros(0, np.uint8), level.catalogue.key
            ),
        )
    except ValidationError as exc:
        raise validation_error("design", exc) from None


def _encode_changes(index: np.ndarray, values: np.ndarray, key_of: Callable[[int], str]) -> Changes:
    local, palette = to_palette(values, key_of)
    return Changes(count=int(index.size), palette=palette, data=encode_sparse(index, local))


def open_design(doc: DesignDocument, level: Level, what: str = "design") -> Session:
    """A session with the design's changes applied to a fresh copy of the level."""
    if doc.level.id != level.id:
        raise QuartierError("error.other_level", what=what, wanted=doc.level.id, given=level.id)
    if doc.level.sha256 != level.sha256:
        raise QuartierError("error.level_version", what=what, level=level.id)
    index, local = decode_sparse(doc.changes.data, doc.changes.count, level.volume, what)
    values = from_palette(local, doc.changes.palette, level.catalogue.id, what)
    grid = level.city.copy()
    grid.reshape(-1)[index] = values
    return Session(level, grid)  # the session counts the cost of what it is given


def with_texts(doc: DesignDocument, **texts: str | list[str]) -> DesignDocument:
    """A copy of `doc` with new title, description or pseudonyms, checked like a file is
    (`model_copy` checks nothing): what a pupil typed or pasted is refused now, not when the
    saved file is opened again."""
    try:
        return DesignDocument.model_validate({**doc.model_dump(), **texts})
    except ValidationError as exc:
        raise validation_error("design", exc) from None


def save_changes(doc: DesignDocument, session: Session, app_version: str) -> DesignDocument:
    """A copy of `doc` holding the session's current changes, stamped with the time."""
    changes = _encode_changes(*session.differences(), session.level.catalogue.key)
    return doc.model_copy(
        update={"changes": changes, "modified": _now(), "app_version": app_version}
    )


def summary(session: Session) -> dict[str, Any]:
    """Changed, added and removed voxels, the blocks the design placed by key, and their cost."""
    index, values = session.differences()
    before = session.level.city.reshape(-1)[index]
    catalogue = session.level.catalogue
    placed = values[values != 0]
    ids, counts = np.unique(placed, return_counts=True)
    return {
        "changed_voxels": int(index.size),
        "added_voxels": int(((before == 0) & (values != 0)).sum()),
        "removed_voxels": int(((before != 0) & (values == 0)).sum()),
        "blocks": {catalogue.key(int(i)): int(c) for i, c in zip(ids, counts)},
        "cost": float(catalogue.costs[placed].sum()),
    }
