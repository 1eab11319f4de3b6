"""How densely the zone is built: GRZ and GFZ, as German planning law (BauNVO §§ 19, 20) names them."""

from game.core.indicators.base import share
from game.core.indicators.columns import ColumnIndicator, ColumnStats


class SiteCoverage(ColumnIndicator):
    """GRZ: building footprint area / zone area (a column is footprint if it holds a building block above ground)."""

    key = "grz"
    icon = "▦"
    better = 0

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        return share(stats.footprint_sum, stats.zone_columns)


class FloorAreaRatio(ColumnIndicator):
    """GFZ: total floor area / zone area.

    A column's floors = floor(n × voxel_size_m / storey_height_m), n = its voxels above the
    ground layer whose block has a `use`; roofs, facades and solar or green roofs add no storey.
    """

    key = "gfz"
    icon = "☰"
    better = 0

    @classmethod
    def from_stats(cls, stats: ColumnStats) -> float:
        return share(stats.floors_sum, stats.zone_columns)
