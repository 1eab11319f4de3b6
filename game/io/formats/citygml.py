"""CityGML 2.0 export: a design's new and changed buildings as LoD1 solids, for offices whose GIS
reads only CityGML.

Each building is a `bldg:Building` with its ALKIS function code (the codes German state-survey
tiles use, which `citygml_import` maps back to the same blocks), `measuredHeight`,
`storeysAboveGround` and an LoD1 solid: the footprint extruded from the ground it stands on to
its height, in the level's projected CRS. A building of several height steps (a wing beside a
tower, `design_features.Part`) is one `BuildingPart` per step, each from its own base to its
own top, so the wing keeps its height. The element order is the one the CityGML 2.0 schema prescribes
(tests/io/test_citygml_export.py validates against it). Spaces (lawns, squares) are left out:
CityGML's land-use and vegetation modules would need a different export. lxml and shapely
(the `[gis]` extra) are imported when a design is exported, so the format table loads without
them.
"""

from game.core.design import DesignDocument
from game.core.session import Session
from game.io.gis import require_gis

CORE = "http://www.opengis.net/citygml/2.0"
BLDG = "http://www.opengis.net/citygml/building/2.0"
GML = "http://www.opengis.net/gml"
NAMESPACES = {"core": CORE, "bldg": BLDG, "gml": GML}
# Block -> ALKIS building function (31001_NNNN); citygml_import.ALKIS_USE reads each back.
FUNCTIONS = {
    "housing": "1000",
    "housing_affordable": "1000",
    "student_housing": "1020",
    "office": "2020",
    "shop": "2050",
    "market_hall": "2053",
    "workshop": "2100",
    "school": "3021",
    "kindergarten": "3065",
    "library": "3030",
    "health_centre": "3051",
    "community_centre": "3060",
    "youth_club": "3060",
}


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _pos_list(parent, corners) -> None:
    """A closed ring of (x, y, z) corners as `gml:LinearRing/gml:posList`, millimetres."""
    from lxml import etree

    closed = [*corners, corners[0]]
    ring = etree.SubElement(parent, _q(GML, "LinearRing"))
    pos = etree.SubElement(ring, _q(GML, "posList"), srsDimension="3")
    pos.text = " ".join(f"{v:.3f}" for corner in closed for v in corner)


def _surface(composite, rings) -> None:
    """One `gml:surfaceMember/gml:Polygon`: the first ring its exterior, the others holes."""
    from lxml import etree

    member = etree.SubElement(composite, _q(GML, "surfaceMember"))
    polygon = etree.SubElement(member, _q(GML, "Polygon"))
    for n, ring in enumerate(rings):
        boundary = etree.SubElement(polygon, _q(GML, "exterior" if n == 0 else "interior"))
        _pos_list(boundary, ring)


def _lod1_solid(parent, polygon, bottom: float, top: float, srs: str) -> None:
    """A closed shell: floor facing down, roof facing up, one wall facing out per ring edge."""
    import shapely
    from lxml import etree

    oriented = shapely.orient_polygons(polygon)  # exterior counter-clockwise, holes clockwise
    rings = [list(r.coords)[:-1] for r in (oriented.exterior, *oriented.interiors)]
    lod1 = etree.SubElement(parent, _q(BLDG, "lod1Solid"))
    solid = etree.SubElement(lod1, _q(GML, "Solid"), srsName=srs, srsDimension="3")
    shell = etree.SubElement(
        etree.SubElement(solid, _q(GML, "exterior")), _q(GML, "CompositeSurface")
    )
    _surface(shell, [[(x, y, bottom) for x, y in reversed(r)] for r in rings])
    _surface(shell, [[(x, y, top) for x, y in r] for r in rings])
    for ring in rings:
        for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1]):
            _surface(shell, [[(ax, ay, bottom), (bx, by, bottom), (bx, by, top), (ax, ay, top)]])


def _polygons(footprint) -> list:
    import shapely

    return [g for g in shapely.get_parts(footprint) if g.geom_type == "Polygon"]


def _attributes(parent, function: str | None, height_m: float, floors: int) -> None:
    """ALKIS function, measured height and storeys, in the order the schema wants them."""
    from lxml import etree

    if function is not None:
        etree.SubElement(parent, _q(BLDG, "function")).text = f"31001_{function}"
    etree.SubElement(parent, _q(BLDG, "measuredHeight"), uom="m").text = f"{height_m:g}"
    etree.SubElement(parent, _q(BLDG, "storeysAboveGround")).text = str(floors)


def export_design(doc: DesignDocument, session: Session, name: str) -> dict[str, bytes]:
    require_gis()
    import shapely
    from lxml import etree

    from game.io.design_features import proposals

    found, frame = proposals(session)
    model = etree.Element(_q(CORE, "CityModel"), nsmap=NAMESPACES)
    etree.SubElement(model, _q(GML, "name")).text = doc.title or str(doc.id)
    srs = f"urn:ogc:def:crs:EPSG::{frame.epsg}"
    buildings = [p for p in found if p.kind == "building"]
    if buildings:
        bounds = shapely.total_bounds([p.footprint for p in buildings])
        low = min(p.base_m for p in buildings)
        high = max(p.base_m + p.height_m for p in buildings)
        envelope = etree.SubElement(
            etree.SubElement(model, _q(GML, "boundedBy")),
            _q(GML, "Envelope"),
            srsName=srs,
            srsDimension="3",
        )
        etree.SubElement(
            envelope, _q(GML, "lowerCorner")
        ).text = f"{bounds[0]:.3f} {bounds[1]:.3f} {low:.3f}"
        etree.SubElement(
            envelope, _q(GML, "upperCorner")
        ).text = f"{bounds[2]:.3f} {bounds[3]:.3f} {high:.3f}"
    for n, p in enumerate(buildings, start=1):
        member = etree.SubElement(model, _q(CORE, "cityObjectMember"))
        building = etree.SubElement(member, _q(BLDG, "Building"), {_q(GML, "id"): f"quartier-{n}"})
        _attributes(building, FUNCTIONS.get(p.block, FUNCTIONS["housing"]), p.height_m, p.floors)
        steps = [(g, part) for part in p.parts for g in _polygons(part.footprint)]
        if len(steps) == 1:
            _lod1_solid(building, steps[0][0], p.base_m, p.base_m + p.height_m, srs)
            continue
        for k, (polygon, part) in enumerate(steps, start=1):
            piece = etree.SubElement(
                etree.SubElement(building, _q(BLDG, "consistsOfBuildingPart")),
                _q(BLDG, "BuildingPart"),
                {_q(GML, "id"): f"quartier-{n}-{k}"},
            )
            _attributes(piece, None, part.height_m, part.floors)
            _lod1_solid(piece, polygon, part.base_m, part.base_m + part.height_m, srs)
    return {name: etree.tostring(model, xml_declaration=True, encoding="UTF-8", pretty_print=True)}
