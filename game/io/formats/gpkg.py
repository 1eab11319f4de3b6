"""GeoPackage export: a design's new and changed buildings and spaces, for a planner's GIS.

The same features and attributes as the GeoJSON export (`design_features.feature_rows`: one
per space and per height step of a building, with its id), but in the level's own projected
CRS (the UTM zone or the CRS the city gave), not WGS84: a GeoPackage carries any CRS, so a
planner's QGIS or ArcGIS measures areas and distances in metres without a reprojection, and
it opens in every desktop GIS the office has. One layer, `proposals`, multipolygons; heights
are attributes (`base_m`, `height_m`) to extrude in the GIS. pyogrio writes it with GDAL;
GDAL writes files only, so it goes through a temporary folder.
"""

import tempfile
from pathlib import Path

import numpy as np

from game.core.design import DesignDocument
from game.core.session import Session
from game.io.gis import require_gis

LAYER = "proposals"
# The attribute columns (`design_features.feature_rows`, and its id) and their types: a
# design without any change still gets them.
COLUMNS: dict[str, type] = {
    "id": object,
    "kind": object,
    "block": object,
    "use": object,
    "building": object,
    "height_m": float,
    "floors": int,
    "base_m": float,
    "voxels": int,
    "area_m2": float,
}


def export_design(doc: DesignDocument, session: Session, name: str) -> dict[str, bytes]:
    require_gis()
    import pyogrio.raw
    import shapely

    from game.io.design_features import feature_rows, proposals

    found, frame = proposals(session)
    features = feature_rows(found)
    rows = [{**properties, "id": ident} for ident, _, properties in features]
    columns: list[np.ndarray] = [
        np.array([row.get(n) for row in rows], dtype=kind) for n, kind in COLUMNS.items()
    ]
    geometry = shapely.to_wkb(
        np.array(
            [shapely.multipolygons(shapely.get_parts(footprint)) for _, footprint, _ in features],
            dtype=object,
        )
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "design.gpkg"
        pyogrio.raw.write(
            str(path),
            np.asarray(geometry, dtype=object),
            columns,
            list(COLUMNS),
            layer=LAYER,
            driver="GPKG",
            geometry_type="MultiPolygon",
            crs=f"EPSG:{frame.epsg}",
            layer_metadata={
                "design": str(doc.id),
                "title": doc.title or "",
                "level": doc.level.id,
            },
        )
        return {name: path.read_bytes()}
