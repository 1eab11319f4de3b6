"""The block catalogue: every block's key, names, colour, cost and the properties indicators read.

Code refers to blocks by their stable string key; numeric ids are a storage detail of one
catalogue version and never appear as literals.
"""

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from game.core.bilingual import Text
from game.core.document import parse_json, validation_error
from game.core.errors import QuartierError
from game.core.resources import data_dir

AIR = "air"
Use = Literal[
    "housing", "office", "retail", "industry", "education", "community", "culture", "health"
]


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text


class Block(BaseModel):
    """One kind of brick. `sealed` and `green` are area shares (0..1) used by the green factor."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: int = Field(ge=1, le=255)
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    name: Text
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    category: str
    cost: float = Field(ge=0, description="euros per voxel")
    building: bool = False
    use: Use | None = None
    sealed: float = Field(ge=0, le=1)
    green: float = Field(ge=0, le=1)
    walkable: bool = False
    amenity: str | None = None
    placeable: bool = True

    @property
    def rgb(self) -> tuple[int, int, int]:
        return tuple(int(self.color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


class CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1]
    categories: list[Category] = Field(min_length=1)
    blocks: list[Block] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "CatalogueFile":
        ids = [b.id for b in self.blocks]
        keys = [b.key for b in self.blocks]
        if len(set(ids)) != len(ids):
            raise ValueError("block ids must be unique")
        if len(set(keys)) != len(keys) or AIR in keys:
            raise ValueError(f"block keys must be unique and must not be '{AIR}'")
        known = {c.key for c in self.categories}
        for b in self.blocks:
            if b.category not in known:
                raise ValueError(f"block '{b.key}' has unknown category '{b.category}'")
            if b.use is not None and not b.building:
                raise ValueError(f"block '{b.key}' has a use but is not a building")
        return self


class Catalogue:
    """Lookup by key and id, plus per-id numpy tables (colour, cost) for vectorised code."""

    def __init__(self, spec: CatalogueFile) -> None:
        self.categories = tuple(spec.categories)
        self.blocks = tuple(spec.blocks)
        self._by_key = {b.key: b for b in self.blocks}
        self._by_id = {b.id: b for b in self.blocks}

    @classmethod
    def load(cls, path: Path | None = None) -> "Catalogue":
        path = path or data_dir("assets") / "blocks.json"
        raw = parse_json(path.read_text(encoding="utf-8"), what=path.name)
        try:
            return cls(CatalogueFile.model_validate(raw))
        except ValidationError as exc:
            raise validation_error(path.name, exc) from None

    def id(self, key: str) -> int:
        """The numeric id of `key`; 0 for air."""
        if key == AIR:
            return 0
        try:
            return self._by_key[key].id
        except KeyError:
            raise QuartierError("error.unknown_block", key=key) from None

    def key(self, block_id: int) -> str:
        return AIR if block_id == 0 else self._by_id[block_id].key

    def block(self, key: str) -> Block:
        self.id(key)
        return self._by_key[key]

    def __contains__(self, key: str) -> bool:
        return key == AIR or key in self._by_key

    def in_category(self, category: str) -> list[Block]:
        return [b for b in self.blocks if b.category == category]

    @cached_property
    def colors(self) -> np.ndarray:
        """(256, 3) uint8 RGB by block id, for renderers."""
        table = np.zeros((256, 3), np.uint8)
        for b in self.blocks:
            table[b.id] = b.rgb
        return table

    @cached_property
    def costs(self) -> np.ndarray:
        """(256,) float64 euros per voxel by block id."""
        table = np.zeros(256)
        for b in self.blocks:
            table[b.id] = b.cost
        return table

    @cached_property
    def known(self) -> np.ndarray:
        """(256,) bool: which ids exist (air included)."""
        table = np.zeros(256, bool)
        table[0] = True
        for b in self.blocks:
            table[b.id] = True
        return table


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The bundled catalogue, loaded once per process."""
    return Catalogue.load()
