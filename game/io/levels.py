"""Finding and loading level files: the bundled ones and those city staff added for this user."""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from game.core.errors import QuartierError
from game.core.level_document import LevelDocument, parse_level
from game.core.resources import data_dir
from game.io.paths import levels_dir
from game.io.storage import read_document

if TYPE_CHECKING:  # decoding a level needs numpy; listing the levels does not
    from game.core.catalogue import Catalogue
    from game.core.level import Level

SUFFIX = ".level.json"


@dataclass(frozen=True)
class LevelEntry:
    path: Path
    doc: LevelDocument
    bundled: bool


def read_level_document(path: Path) -> LevelDocument:
    return parse_level(read_document(path), what=Path(path).name)


def load_level(path: Path, catalogue: "Catalogue | None" = None) -> "Level":
    return _level(read_level_document(path), catalogue, Path(path).name)


def _level(doc: LevelDocument, catalogue: "Catalogue | None", what: str) -> "Level":
    """The decoded level, its goals checked against the catalogue and the indicators."""
    # Imported here: they bring numpy and the editing model, which listing levels does without.
    from game.core.catalogue import default_catalogue
    from game.core.indicators import check_goals
    from game.core.level import Level

    level = Level(doc, catalogue or default_catalogue(), what=what)
    check_goals(level, what)
    return level


def available_levels() -> tuple[list[LevelEntry], list[tuple[Path, QuartierError]]]:
    """Bundled levels, then the user's; broken user files are returned apart, not hidden."""
    entries, broken = [], []
    for folder, bundled in ((data_dir("levels"), True), (levels_dir(), False)):
        for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            try:
                entries.append(LevelEntry(path, read_level_document(path), bundled))
            except QuartierError as exc:
                broken.append((path, exc))
    return entries, broken


def find_level(level_id: str, catalogue: "Catalogue | None" = None) -> "Level":
    """A level by id, among the bundled levels and the user's level folder only.

    The id comes from files other people made (a design names its level), so it is never used
    as a path: a design naming `/dev/zero` or a FIFO as its level once made `design info` read
    forever or hang.
    """
    for entry in available_levels()[0]:
        if entry.doc.id == level_id:
            return _level(entry.doc, catalogue, entry.path.name)
    raise QuartierError("error.unknown_level", level=level_id)


def level_from_option(id_or_path: str, catalogue: "Catalogue | None" = None) -> "Level":
    """The level a user named on the command line: a level file's path (it ends in .json or
    names a folder) or else an id."""
    path = Path(id_or_path)
    if path.suffix == ".json" or len(path.parts) > 1:
        return load_level(path, catalogue)
    return find_level(id_or_path, catalogue)
