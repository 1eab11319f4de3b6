"""Every edit operation, one module each, and the one table that lists them.

Scripts (`quartier design edit --ops`), the editor's tools and the tests all go through
`parse_script`, so an operation is defined once.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from game.core.document import parse_json, validation_error
from game.core.errors import QuartierError
from game.core.ops.base import Operation, Target
from game.core.ops.box import Box
from game.core.ops.building import Building
from game.core.ops.fill import Fill
from game.core.ops.line import Line
from game.core.ops.stamp import Stamp, StampOp
from game.core.ops.voxel import Paint, Place, Remove


class Undo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    op: Literal["undo"] = "undo"


class Redo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    op: Literal["redo"] = "redo"


Step = Annotated[
    Place | Remove | Paint | Box | Line | Fill | Building | StampOp | Undo | Redo,
    Field(discriminator="op"),
]
"""One step of a script: an edit operation (a new one is a module plus its name here), undo, redo."""
_SCRIPT = TypeAdapter(list[Step])
MAX_SCRIPT_STEPS = 10_000


def parse_script(text: str | bytes, what: str = "ops") -> list[Step]:
    raw = parse_json(text, what=what)
    if isinstance(raw, list) and len(raw) > MAX_SCRIPT_STEPS:
        raise QuartierError("error.too_many_steps", what=what, limit=MAX_SCRIPT_STEPS)
    try:
        return _SCRIPT.validate_python(raw)
    except ValidationError as exc:
        raise validation_error(what, exc) from None


__all__ = [
    "Box",
    "Building",
    "Fill",
    "Line",
    "Operation",
    "Paint",
    "Place",
    "Redo",
    "Remove",
    "Stamp",
    "StampOp",
    "Target",
    "Undo",
    "parse_script",
]
