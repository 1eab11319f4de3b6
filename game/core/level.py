"""Levels: a real or hand-made city quarter that students edit, prepared by city staff.

The file (`*.level.json`) is parsed into `LevelDocument` at the boundary; `Level` decodes the
voxels once and answers what may be edited where. The level's SHA-256 covers only what a
design's changes depend on (id, voxel size, dimensions, city, zone, locked voxels), so a
typo fix in a description keeps every student's design valid.
"""

import hashlib
import json
import math
from functools import cached_property
from typing import Any

import numpy as np

from game.core.catalogue import Catalogue
from game.core.codec import (
    decode_dense,
    decode_mask,
    encode_dense,
    encode_mask,
    from_palette,
    to_palette,
)
from game.core.level_document import (
    FORMAT,
    LEVEL_ID_PATTERN,
    MAX_DIMENSIONS,
    SCHEMA_VERSION,
    CountGoal,
    Georeference,
    Goal,
    InfoMarker,
    LevelDocument,
    LimitGoal,
    MaskData,
    PlacementGoal,
    ThresholdGoal,
    Vec3i,
    VoxelData,
    Zone,
    parse_level,
)

# The schema's names stay importable from here, where the rest of the code looks for them.
__all__ = [
    "FORMAT",
    "LEVEL_ID_PATTERN",
    "MAX_DIMENSIONS",
    "SCHEMA_VERSION",
    "CountGoal",
    "Georeference",
    "Goal",
    "InfoMarker",
    "Level",
    "LevelDocument",
    "LimitGoal",
    "MaskData",
    "PlacementGoal",
    "ThresholdGoal",
    "Vec3i",
    "VoxelData",
    "Zone",
    "build_level_document",
    "level_hash",
    "parse_level",
]


class Level:
    """A decoded level: the city grid (read-only) and the mask of voxels a student may change."""

    def __init__(self, doc: LevelDocument, catalogue: Catalogue, what: str = "level") -> None:
        self.doc = doc
        self.catalogue = catalogue
        shape = doc.dimensions
        local = decode_dense(doc.city.data, shape, f"{what}: city")
        self.city = from_palette(local, doc.city.palette, catalogue.id, f"{what}: city")
        self.city.setflags(write=False)
        self.zone_columns = decode_mask(doc.zone.columns.data, shape[:2], f"{what}: zone")
        self.locked = (
            decode_mask(doc.locked.data, shape, f"{what}: locked")
            if doc.locked
            else np.zeros(shape, bool)
        )
        in_zone = np.zeros(shape, bool)
        in_zone[:, :, : doc.zone.top] = self.zone_columns[:, :, None]
        self.in_zone = in_zone
        self.editable = in_zone & ~self.locked
        allowed = doc.allowed_blocks
        if allowed is None:
            allowed = [b.key for b in catalogue.blocks if b.placeable]
        for key in allowed:
            catalogue.id(key)
        self.allowed = frozenset(allowed)
        self.allowed_ids = np.zeros(256, bool)
        self.allowed_ids[[0] + [catalogue.id(k) for k in allowed]] = True

    @property
    def id(self) -> str:
        return self.doc.id

    @property
    def shape(self) -> Vec3i:
        return self.doc.dimensions

    @property
    def height_limit(self) -> tuple[int, float]:
        """(floors, metres) a building may reach above the ground layer under the zone's top,
        counted as `indicators.columns` counts floors, for messages that name the limit."""
        metres = (self.doc.zone.top - 1) * self.doc.voxel_size_m
        return math.floor(metres / self.doc.storey_height_m + 1e-9), metres

    @property
    def volume(self) -> int:
        return int(np.prod(self.shape))

    def floors_to_voxels(self, floors: int) -> int:
        """Height in voxels of `floors` storeys, at least one voxel per storey's worth."""
        return max(1, int(floors * self.doc.storey_height_m / self.doc.voxel_size_m + 0.5))

    @cached_property
    def sha256(self) -> str:
        return level_hash(self.doc)


def level_hash(doc: LevelDocument) -> str:
    content: dict[str, Any] = doc.model_dump(
        mode="json", include={"id", "voxel_size_m", "dimensions", "city", "zone", "locked"}
    )
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def build_level_document(
    *,
    city: np.ndarray,
    zone_columns: np.ndarray,
    zone_top: int,
    catalogue: Catalogue,
    locked: np.ndarray | None = None,
    **fields: Any,
) -> LevelDocument:
    """Encode arrays into a level document; used by generators and importers."""
    local, palette = to_palette(city, catalogue.key)
    return LevelDocument(
        dimensions=city.shape,
        city=VoxelData(palette=palette, data=encode_dense(local)),
        zone=Zone(columns=MaskData(data=encode_mask(zone_columns)), top=zone_top),
        locked=MaskData(data=encode_mask(locked)) if locked is not None and locked.any() else None,
        **fields,
    )
