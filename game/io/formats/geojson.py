"""GeoJSON export: a design's new and changed buildings and spaces, for a planner's GIS.

RFC 7946 GeoJSON (WGS84 longitude/latitude, no `crs` member), so QGIS and web maps place it
over the real map without any setting; each feature carries its height, floors and use. A
building of several heights is one feature per height step (`building` names the building,
as the CityJSON export's ids do), so a GIS extruding by `height_m` keeps a low wing beside a
tower low, each step from its own `base_m`. Rings
wind as RFC 7946 section 3.1.6 wants: exteriors counter-clockwise, holes clockwise (the merged
footprints came out clockwise, and validators for the RFC refused the file). pyproj and shapely (the
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

    from game.io.design_features import feature_rows, proposals
    from game.io.georef import WGS84, transformer

    found, frame = proposals(session)
    move = transformer(CRS.from_epsg(frame.epsg), WGS84)
    assert move is not None  # a level's CRS is projected, so never WGS84 itself

    def to_lon_lat(xy: np.ndarray) -> np.ndarray:
        lon_lat = xy if move is None else np.column_stack(move.transform(xy[:, 0], xy[:, 1]))
        return lon_lat.round(DECIMALS)

    def feature(ident: str, footprint, properties: dict) -> dict:
        lon_lat = shapely.orient_polygons(shapely.transform(footprint, to_lon_lat))
        return {
            "type": "Feature",
            "id": ident,
            "geometry": json.loads(shapely.to_geojson(lon_lat)),
            "properties": properties,
        }

    features = [feature(*row) for row in feature_rows(found)]
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
