"""Design export formats: one module per format, one line each in `FORMATS`.

A format module has one of two entry points:
- `export_grid(grid, catalogue, voxel_size_m, name)` for formats that carry the whole voxel
  model (.vox, glTF, OBJ). Working on a grid, not a design, lets the moderator's bundle
  export what it has already opened.
- `export_design(doc, session, name)` for formats that carry what the student changed, placed
  on the real map (GeoJSON, CityJSON, GeoPackage): they need the level's georeference and its city.
Either returns the files of one export, `{file name: bytes}`: the file called `name` plus any
companion beside it (an OBJ's `.mtl`). `quartier design export` and the bundle both read this
table, so a new format is a new module plus one line here.
"""

from collections.abc import Callable
from importlib import import_module

import numpy as np

from game.core.catalogue import Catalogue
from game.core.design import DesignDocument
from game.core.errors import QuartierError
from game.core.session import Session

GridExporter = Callable[[np.ndarray, Catalogue, float, str], dict[str, bytes]]
Exporter = Callable[[DesignDocument, Session, str], dict[str, bytes]]

# format name -> (module under game.io.formats, file suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "glb": ("gltf", ".glb"),
    "obj": ("obj", ".obj"),
    "vox": ("vox", ".vox"),
    "geojson": ("geojson", ".geojson"),
    "cityjson": ("cityjson", ".city.json"),
    "citygml": ("citygml", ".gml"),
    "gpkg": ("gpkg", ".gpkg"),
}


def _module(name: str):
    if name not in FORMATS:
        raise QuartierError("error.export_format", format=name, known=", ".join(sorted(FORMATS)))
    return import_module(f"game.io.formats.{FORMATS[name][0]}")


def grid_exporter(name: str) -> GridExporter:
    """The exporter of a voxel-model format; it refuses a grid without any block (no format has a use for it)."""
    export_grid = _module(name).export_grid

    def export(
        grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float, file_name: str
    ) -> dict[str, bytes]:
        if not grid.any():
            raise QuartierError("error.export_empty")
        return export_grid(grid, catalogue, voxel_size_m, file_name)

    return export


def exporter(name: str) -> Exporter:
    """An opened design in format `name`: the whole grid for voxel-model formats, the changes for GIS formats."""
    module = _module(name)
    if hasattr(module, "export_design"):
        return module.export_design
    export_grid = grid_exporter(name)
    return lambda doc, session, file_name: export_grid(
        session.grid, session.level.catalogue, session.level.doc.voxel_size_m, file_name
    )


def is_geographic(name: str) -> bool:
    return hasattr(_module(name), "export_design")


def suffix(name: str) -> str:
    return FORMATS[name][1]
