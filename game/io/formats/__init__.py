"""Design export formats: one module per format, one line each in `FORMATS`.

Each exporter turns an opened design (its document and session on the level) into the
bytes of one file. `quartier design export` and the moderator's export bundle both read
this table, so a new format is a new module plus one line here.
"""

from collections.abc import Callable
from importlib import import_module

from game.core.design import DesignDocument
from game.core.errors import QuartierError
from game.core.session import Session

Exporter = Callable[[DesignDocument, Session], bytes]

# format name -> (module under game.io.formats, function name, file suffix)
FORMATS: dict[str, tuple[str, str, str]] = {
    "geojson": ("geojson", "export_geojson", ".geojson"),
    "cityjson": ("cityjson", "export_cityjson", ".city.json"),
}


def exporter(name: str) -> Exporter:
    if name not in FORMATS:
        raise QuartierError("error.export_format", format=name, known=", ".join(sorted(FORMATS)) or "-")
    module, function, _ = FORMATS[name]
    return getattr(import_module(f"game.io.formats.{module}"), function)


def suffix(name: str) -> str:
    return FORMATS[name][2]
