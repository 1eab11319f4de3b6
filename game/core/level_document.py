"""The level file's schema: what `*.level.json` may hold, checked at the boundary.

Apart from `game.core.level` (which decodes the voxels with numpy), so that listing the levels
(`quartier levels`) reads and checks the files without importing numpy.
"""

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from game.core.bilingual import Text
from game.core.document import Migration, parse_document
from game.core.errors import QuartierError

SCHEMA_VERSION: Final = 1
MAX_DIMENSIONS = (512, 512, 128)
FORMAT: Final = "quartier.level"

Vec3i = tuple[int, int, int]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoxelData(_Strict):
    encoding: Literal["zlib-u8"] = "zlib-u8"
    palette: list[str] = Field(max_length=256)
    data: str


class MaskData(_Strict):
    encoding: Literal["zlib-bits"] = "zlib-bits"
    data: str


class Zone(_Strict):
    """The editable area: a set of columns (x, y) up to, not including, height `top`."""

    columns: MaskData
    top: int = Field(ge=1, le=MAX_DIMENSIONS[2])


class ThresholdGoal(_Strict):
    kind: Literal["threshold"]
    indicator: str
    at_least: float | None = None
    at_most: float | None = None


class CountGoal(_Strict):
    """At least `at_least` of a block or of an amenity kind (one of the two is given)."""

    kind: Literal["count"]
    block: str | None = None
    amenity: str | None = None
    at_least: int = Field(ge=1)

    @model_validator(mode="after")
    def _one_subject(self) -> "CountGoal":
        if (self.block is None) == (self.amenity is None):
            raise ValueError("a count goal names either a block or an amenity")
        return self


class PlacementGoal(_Strict):
    kind: Literal["placement"]
    block: str
    near: str
    within_m: float = Field(gt=0)


class LimitGoal(_Strict):
    kind: Literal["limit"]
    max_floors: int = Field(ge=1)


class Goal(_Strict):
    """A target stored with the level and evaluated by the indicators."""

    id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    text: Text
    rule: Annotated[
        ThresholdGoal | CountGoal | PlacementGoal | LimitGoal, Field(discriminator="kind")
    ]


class InfoMarker(_Strict):
    position: Vec3i
    text: Text


EPSG_CODES = range(1024, 32768)
"""The codes of the EPSG registry; larger ones are for user-defined systems, which a level
cannot name (pyproj, where installed, checks the code exists: `quartier level validate`)."""


class Georeference(_Strict):
    """Real-world placement: voxel corner (0, 0, 0) sits at `origin` in `epsg`, turned by `rotation_deg`."""

    epsg: int
    origin: tuple[float, float, float]
    rotation_deg: float = Field(default=0.0, ge=-360, le=360)

    @field_validator("epsg")
    @classmethod
    def _registry_code(cls, epsg: int) -> int:
        """Raised as a QuartierError, which pydantic lets through, for a message in German too."""
        if epsg not in EPSG_CODES:
            raise QuartierError("error.level_epsg", epsg=epsg)
        return epsg


#: A level id is a name, never a path: designs name their level by it, and the programs look it
#: up among the known level folders only (game.io.levels.find_level).
LEVEL_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class LevelDocument(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    format: Literal["quartier.level"] = FORMAT
    id: str = Field(pattern=LEVEL_ID_PATTERN)
    title: Text
    description: Text
    voxel_size_m: float = Field(ge=1, le=4)
    storey_height_m: float = Field(default=3.0, ge=2, le=6)
    dimensions: Vec3i
    city: VoxelData
    zone: Zone
    locked: MaskData | None = None
    allowed_blocks: list[str] | None = None
    budget: float = Field(ge=0)
    goals: list[Goal] = Field(default_factory=list, max_length=20)
    markers: list[InfoMarker] = Field(default_factory=list, max_length=100)
    georeference: Georeference | None = None
    buildings: int | None = Field(
        default=None, ge=0, description="buildings an import found, for `level info`"
    )
    source: str = Field(min_length=1, max_length=2000)
    licence: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _within_limits(self) -> "LevelDocument":
        for size, limit, axis in zip(self.dimensions, MAX_DIMENSIONS, "xyz"):
            if not 1 <= size <= limit:
                raise ValueError(f"dimension {axis} must be 1..{limit}, got {size}")
        if self.zone.top > self.dimensions[2]:
            raise ValueError("zone.top must not exceed the level height")
        for m in self.markers:
            if not all(0 <= p < s for p, s in zip(m.position, self.dimensions)):
                raise ValueError(f"marker at {m.position} lies outside the level")
        return self


_MIGRATIONS: dict[int, Migration] = {}


def parse_level(text: str | bytes, what: str = "level") -> LevelDocument:
    return parse_document(
        text, LevelDocument, what=what, format=FORMAT, current=SCHEMA_VERSION, steps=_MIGRATIONS
    )
