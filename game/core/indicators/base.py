"""What every indicator shares: the class contract, lookup tables by block id, and display.

An indicator is a small class with one job (CityScope's habit): given a grid, its level and
the catalogue, return one number for the editable zone. Names and explanations live in the
string tables under `indicator.<key>` and `indicator.<key>.explain`.
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, TypeVar, cast, get_args

import numpy as np

from game.core.catalogue import Catalogue, Use
from game.core.i18n import Language, text
from game.core.level import Level

#: Every building use the catalogue schema knows, in a fixed order (index into per-use arrays).
USES: tuple[str, ...] = get_args(Use)
#: Floor area per dwelling, and per workplace by use (m²); see `uses.py` for the sources.
DWELLING_M2 = 75.0
JOB_M2: dict[str, float] = {
    "office": 25.0,
    "retail": 40.0,
    "industry": 60.0,
    "education": 50.0,
    "community": 50.0,
    "culture": 50.0,
    "health": 50.0,
}
EPS = 1e-9

Cache = dict[str, Any]
"""Groundwork shared by the indicators computed on one grid (see `Indicator`), by name."""
T = TypeVar("T")


def shared(cache: Cache | None, key: str, make: Callable[[], T]) -> T:
    """`make()` once per evaluation cache, so indicators that need the same groundwork share it."""
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cast(T, cache[key])


class Reading(NamedTuple):
    """A value and, when the number alone would mislead, a string-table key that says why."""

    value: float
    note: str | None = None


class Tables:
    """(256,) lookup tables by block id, built once per catalogue; air (0) is all zero/False."""

    def __init__(self, catalogue: Catalogue) -> None:
        blocks = catalogue.blocks
        ids = np.array([b.id for b in blocks], np.intp)

        def table(values: list[Any], dtype: Any, fill: Any = 0) -> np.ndarray:
            t = np.full(256, fill, dtype)
            t[ids] = values
            t.setflags(write=False)
            return t

        self.building = table([b.building for b in blocks], bool)
        self.use = table([USES.index(b.use) if b.use else -1 for b in blocks], np.int8, -1)
        #: `use` + 1 as an index type: 0 for blocks without a use (per-column bincount slots).
        self.use_slot = (self.use + 1).astype(np.intp)
        self.sealed = table([b.sealed for b in blocks], np.float64)
        self.green = table([b.green for b in blocks], np.float64)
        #: Green of free-standing things above the ground layer (trees, beds), never of buildings.
        self.green_object = table([0.0 if b.building else b.green for b in blocks], np.float64)
        #: Blocks that raise their column's green, as bool: a gather of 1 byte, not 8, per voxel.
        self.leafy = self.green_object > 0
        self.walkable = table([b.walkable for b in blocks], bool)
        self.cost = catalogue.costs
        #: Indices into USES of the uses at least one catalogue block has.
        self.uses_present = tuple(sorted({USES.index(b.use) for b in blocks if b.use}))
        self._blocks = blocks
        #: One bit per amenity kind of the catalogue, so a column's kinds are one OR of its blocks'.
        self.amenity_kinds = tuple(sorted({b.amenity for b in blocks if b.amenity}))
        if len(self.amenity_kinds) > 32:
            raise ValueError("more than 32 amenity kinds do not fit a column's uint32 bits")
        self.amenity_bit = table(
            [1 << self.amenity_kinds.index(b.amenity) if b.amenity else 0 for b in blocks],
            np.uint32,
        )

    def amenity_bit_of(self, kind: str) -> int:
        """The bit of `kind` in `amenity_bit` (0 when no catalogue block offers it)."""
        return 1 << self.amenity_kinds.index(kind) if kind in self.amenity_kinds else 0

    def amenity(self, kind: str) -> np.ndarray:
        """(256,) bool: blocks that offer `kind` (empty when the catalogue has none)."""
        t = np.zeros(256, bool)
        t[[b.id for b in self._blocks if b.amenity == kind]] = True
        return t


@lru_cache(maxsize=8)
def tables(catalogue: Catalogue) -> Tables:
    return Tables(catalogue)


class Indicator:
    """One number about a design. Subclasses set `key`, `unit`, `expensive` and implement `evaluate`.

    `unit` tells front ends how to show the value: "%" means the value is a share 0..1 shown as
    a percentage, "€" euros, "h" hours, "m" metres, "" a plain number. Methods are class methods,
    so `INDICATORS` can hold the classes themselves.

    `cache` is a dict shared by the indicators computed on one and the same grid, so work such as
    the per-column statistics is done once; pass a fresh dict (or none) for a new grid.
    """

    key: ClassVar[str]
    #: A short symbol beside the name where the HUD has room (a glyph of the HUD's DejaVu Sans).
    icon: ClassVar[str] = ""
    unit: ClassVar[str] = ""
    expensive: ClassVar[bool] = False
    decimals: ClassVar[int] = 2
    #: Which way is better for the neighbourhood: +1 more, -1 less, 0 neither (density is a trade-off).
    better: ClassVar[int] = 1

    @classmethod
    def evaluate(
        cls, grid: np.ndarray, level: Level, catalogue: Catalogue, cache: Cache | None = None
    ) -> Reading:
        raise NotImplementedError

    @classmethod
    def compute(cls, grid: np.ndarray, level: Level, catalogue: Catalogue) -> float:
        """The value for the editable zone of `level` with `grid` as the design; pure."""
        return cls.evaluate(grid, level, catalogue).value

    @classmethod
    def name(cls, lang: Language) -> str:
        return text(lang, f"indicator.{cls.key}")

    @classmethod
    def explain(cls, lang: Language) -> str:
        return text(lang, f"indicator.{cls.key}.explain")

    @classmethod
    def trend(cls, value: float, start: float | None) -> int:
        """+1 up, -1 down, 0 unchanged: unchanged when both values read the same, so a change
        too small to show gets no arrow and no "+0 %"."""
        if start is None or cls.display(value, "en") == cls.display(start, "en"):
            return 0
        return 1 if value > start else -1

    @classmethod
    def display(cls, value: float, lang: Language) -> str:
        """The value as a student reads it: "42 %", "1.234.000 €" (de) or "1,234,000 €" (en), "0.35"."""
        if cls.unit == "%":
            number, decimals = value * 100, 0
        else:
            number, decimals = value, (0 if cls.unit == "€" else cls.decimals)
        s = f"{number:,.{decimals}f}"
        if lang == "de":
            s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return f"{s} {cls.unit}" if cls.unit else s


def share(part: float, whole: float) -> float:
    """part / whole, and 0 for an empty whole (an empty zone has no built-over share)."""
    return float(part / whole) if whole > 0 else 0.0


def dilate4(mask: np.ndarray) -> np.ndarray:
    """`mask` grown by one cell to its four neighbours (2D, no wrap-around)."""
    out = mask.copy()
    out[1:, :] |= mask[:-1, :]
    out[:-1, :] |= mask[1:, :]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out
