"""What a block's walls look like, from the block alone: its surface kind and a kind's windows.

Generated detail (windows, roof edges, ripples, grass variation) is drawn in three media that
must agree: the editor's detail shader (`game.render.detail`, `game.app.scene`), the server's
pictures (`game.render.snapshot`) and the glTF export (`game.io.formats.gltf`, a window texture
per kind). `game.render` and `game.io` may not import each other, so the one table they all
read lives here, below both.
"""

import numpy as np

from game.core.catalogue import Catalogue

# Surface kinds (7 bits; 0 is "no pattern"). The shader's tables are indexed by these.
PLAIN, HOME, OFFICE, GLASS, SHOP, PUBLIC, WATER, GRASS, PAVING, ROAD = range(10)
KIND_COUNT = 10
CORNICE_ID = 0x40
"""Added to a block id for meshing the top row of a building (ids stay below it): the same
colour, but its walls never merge with the rows below, so the roof's edge can be drawn."""

_KIND_BY_USE = {
    "housing": HOME,
    "office": OFFICE,
    "industry": OFFICE,
    "retail": SHOP,
    "education": PUBLIC,
    "community": PUBLIC,
    "culture": PUBLIC,
    "health": PUBLIC,
}
_KIND_BY_KEY = {
    "wall_glass": GLASS,
    "water": WATER,
    "grass": GRASS,
    "urban_garden": GRASS,
    "green_roof": GRASS,
    "footpath": PAVING,
    "plaza": PAVING,
    "cafe_seating": PAVING,
    "road": ROAD,
    "parking": ROAD,
    "bike_lane": ROAD,
}

FACADES: dict[int, tuple[tuple[float, float, float, float], tuple[float, float, float]]] = {
    HOME: ((0.3, 0.7, 0.3, 0.8), (0.38, 0.5, 0.66)),
    OFFICE: ((0.06, 0.94, 0.35, 0.8), (0.42, 0.55, 0.72)),
    GLASS: ((0.04, 0.96, 0.06, 0.94), (0.62, 0.74, 0.86)),
    SHOP: ((0.2, 0.8, 0.3, 0.8), (0.42, 0.55, 0.7)),
    PUBLIC: ((0.15, 0.85, 0.25, 0.85), (0.4, 0.52, 0.68)),
}
"""Per surface kind, the window in each voxel of a wall (u0, u1, z0, z1 within the voxel's face)
and its glass as a tint of the wall's colour: the editor's detail shader reads them (its
`WINDOW` and `GLASS`, see `game.app.scene.SURFACE_TABLES`), the server's pictures draw them as
quads and the glTF export as a texture."""
CORNICE_EDGE = (0.88, 0.65)
"""The roof's edge on a building's top wall row: from this height within the voxel up, darkened
by this factor (the editor's shader: `1 - 0.35 * step(0.88, f.y)`)."""


def surface_kinds(catalogue: Catalogue) -> np.ndarray:
    """Surface kind per block id (256 entries): by the block's key, else by its use."""
    kinds = np.zeros(256, np.uint8)
    for block in catalogue.blocks:
        kind = _KIND_BY_KEY.get(block.key)
        if kind is None and block.building:
            kind = _KIND_BY_USE.get(block.use or "", PLAIN)
        kinds[block.id] = kind or PLAIN
    return kinds


def buildings(catalogue: Catalogue) -> np.ndarray:
    """Per block id (256 entries): a building, whose top wall row has a roof edge."""
    found = np.zeros(256, bool)
    found[[b.id for b in catalogue.blocks if b.building]] = True
    return found
