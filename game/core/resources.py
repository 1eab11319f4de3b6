"""Where the bundled data lives: inside the wheel (game/_data) or, in a checkout, at the top level."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def data_dir(name: str) -> Path:
    """The bundled folder `assets` or `levels`, wherever this installation keeps it."""
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name
