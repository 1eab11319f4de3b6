"""Design files that break their level's rules (issue 13, H1) or carry what must never be
published (M4), written without the editor: shared by the in-process and the live-server tests."""

import json
from collections.abc import Callable

import numpy as np

from game.core.design import new_design, save_changes
from game.core.level import Level
from game.core.session import Session
from game.io.levels import find_level
from game.io.paths import levels_dir

STRICT = "strict"
STRICT_BLOCKS = ["housing", "tree", "grass", "road"]


def strict_level() -> Level:
    """The demo level under another id that allows only a few blocks, saved as a user level."""
    demo = find_level("demo")
    doc = demo.doc.model_copy(update={"id": STRICT, "allowed_blocks": STRICT_BLOCKS})
    levels_dir().mkdir(parents=True, exist_ok=True)
    (levels_dir() / f"{STRICT}.level.json").write_text(doc.model_dump_json(), encoding="utf-8")
    return find_level(STRICT)


def design_of(level: Level, grid: np.ndarray, title: str = "Attack") -> str:
    """A design file holding `grid`'s differences from the level, whatever rule they break."""
    session = Session(level, grid)
    return save_changes(new_design(level, "test", title=title), session, "test").to_json()


def column(level: Level, inside: bool) -> tuple[int, int]:
    x, y = np.argwhere(level.zone_columns == inside)[0]
    return int(x), int(y)


def all_turbines(level: Level) -> np.ndarray:
    return np.full(level.shape, level.catalogue.id("wind_turbine"), np.uint8)


def locked_demolished(level: Level) -> np.ndarray:
    grid = level.city.copy()
    grid[level.locked] = 0
    return grid


def outside_zone(level: Level) -> np.ndarray:
    grid = level.city.copy()
    x, y = column(level, inside=False)
    grid[x, y, 1:4] = level.catalogue.id("housing")
    return grid


def above_limit(level: Level) -> np.ndarray:
    grid = level.city.copy()
    x, y = column(level, inside=True)
    grid[x, y, level.doc.zone.top :] = level.catalogue.id("housing")
    return grid


def forbidden_block(level: Level) -> np.ndarray:
    grid = level.city.copy()
    x, y = column(level, inside=True)
    grid[x, y, 1] = level.catalogue.id("wind_turbine")
    return grid


# (level id, how the grid is changed, what the refusal says)
ATTACKS: dict[str, tuple[str, Callable[[Level], np.ndarray], list[str]]] = {
    "all wind turbines": (
        "demo",
        all_turbines,
        ["budget exceeded: 2,621,440,000 € of 12,000,000 €", "outside the building zone"],
    ),
    "locked voxels demolished": ("demo", locked_demolished, ["324 locked voxels changed"]),
    "outside the zone": ("demo", outside_zone, ["3 voxels changed outside the building zone"]),
    "above the height limit": ("demo", above_limit, ["above the height limit (24 voxels)"]),
    "a block the level does not allow": (
        STRICT,
        forbidden_block,
        ["1 voxels hold blocks this level does not allow (wind_turbine)"],
    ),
}


def attack(name: str) -> tuple[Level, str, list[str]]:
    level_id, change, said = ATTACKS[name]
    level = strict_level() if level_id == STRICT else find_level(level_id)
    return level, design_of(level, change(level)), said


LEAKS = ["Erika Mustermann", "erika@example.org", "+49 30 1234567", "Arschloch"]


def with_leaks(text: str) -> str:
    raw = json.loads(text)
    raw["pseudonyms"] = LEAKS
    raw["metrics"] = {"cost": -1.0, "dwellings": 1e9}
    return json.dumps(raw)
