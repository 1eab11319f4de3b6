"""Parsing JSON documents at the boundary: clear messages for broken text, wrong fields, old versions."""

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from game.core.errors import QuartierError

Migration = Callable[[dict[str, Any]], dict[str, Any]]
T = TypeVar("T", bound=BaseModel)


def parse_json(text: str | bytes, *, what: str) -> Any:
    """Parse JSON text, turning a syntax error into a message that names the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise QuartierError(
            "error.bad_json", what=what, line=exc.lineno, column=exc.colno
        ) from None
    except (UnicodeDecodeError, RecursionError):
        raise QuartierError("error.bad_json", what=what, line=1, column=1) from None


def validation_error(what: str, exc: ValidationError) -> QuartierError:
    """The first few field problems of a pydantic error, each as `field: what was expected`."""
    problems = []
    for err in exc.errors()[:3]:
        field = ".".join(str(p) for p in err["loc"]) or "(document)"
        problems.append(f"{field}: {err['msg']}")
    return QuartierError("error.invalid_document", what=what, problems="; ".join(problems))


def parse_document(
    text: str | bytes,
    model: type[T],
    *,
    what: str,
    format: str,
    current: int,
    steps: Mapping[int, Migration],
) -> T:
    """JSON text to a validated document of `model`: syntax, version, format and fields checked."""
    raw = migrate(parse_json(text, what=what), what=what, current=current, steps=steps)
    if raw.get("format") != format:
        raise QuartierError("error.wrong_format", what=what, expected=format)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(what, exc) from None


def migrate(raw: Any, *, what: str, current: int, steps: Mapping[int, Migration]) -> dict[str, Any]:
    """Bring a parsed document up to `current`; `steps[v]` turns version v into v + 1."""
    if not isinstance(raw, dict):
        raise QuartierError("error.not_an_object", what=what)
    doc: dict[str, Any] = raw
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise QuartierError("error.no_schema_version", what=what)
    if version > current:
        raise QuartierError("error.newer_version", what=what, version=version, supported=current)
    while version < current:
        doc = steps[version](dict(doc))
        version += 1
        doc["schema_version"] = version
    return doc
