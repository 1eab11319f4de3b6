"""GeoJSON export: a design's new and changed buildings and spaces, for a planner's GIS.

RFC 7946 GeoJSON (WGS84 longitude/latitude), so QGIS and web maps place it over the real map
without any setting; each feature carries its height, floors and use. pyproj and shapely (the
`[gis]` extra) are imported when a design is exported, so the format table loads without them.
"""

import json

import numpy as np

from game.core.design import DesignDocument
from game.core.session import Session
from game.io.gis import require_gis

DECIMALS = 7  # about 1 cm


def export_design(doc: DesignDocument, session: Session, name: str) -> dict[str, bytes]:
    require_gis()
    import shapely
    from pyproj import CRS

    from game.io.design_features import attributes, proposals
    from game.io.georef import WGS84, transformer

    found, frame = proposals(session)
    move = transformer(CRS.from_epsg(frame.epsg), WGS84)
    assert move is not None  # a level's CRS is projected, so never WGS84 itself

    def to_lon_lat(xy: np.ndarray) -> np.ndarray:
        lon_lat = xy if move is None else np.column_stack(move.transform(xy[:, 0], xy[:, 1]))
        return lon_lat.round(DECIMALS)

    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(shapely.transform(p.footprint, to_lon_lat))),
            "properties": attributes(p),
        }
        for p in found
    ]
    collection = {
        "type": "FeatureCollection",
        "name": doc.title or str(doc.id),
        "design": {
            "id": str(doc.id),
            "level": doc.level.id,
            "title": doc.title,
            "crs_of_level": f"EPSG:{frame.epsg}",
        },
        "features": features,
    }
    return {name: (json.dumps(collection, ensure_ascii=False) + "\n").encode("utf-8")}
