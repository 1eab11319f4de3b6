"""The truth of a building given as closed shells of planar rings, for the import tests that
compare what a reader made of a file (CityGML written by the tests, CityJSON samples) with it."""

from collections.abc import Iterable

import numpy as np
import shapely


def solid_truth(surfaces: Iterable[list[np.ndarray]]) -> tuple[shapely.Geometry, float, np.ndarray]:
    """For surfaces, each its rings of x/y/z corners (the outer ring first): the footprint (the
    union of every polygon not standing on edge, seen from above), the volume (the divergence
    theorem over the shells, fanning each ring from its first corner: exact for planar rings)
    and every corner."""
    shapes, volume, points = [], 0.0, []
    for rings in surfaces:
        for p in rings:
            points.append(p)
            volume += (
                np.einsum(
                    "ij,ij->i", np.broadcast_to(p[0], p[1:-1].shape), np.cross(p[1:-1], p[2:])
                ).sum()
                / 6
            )
        poly = shapely.Polygon(rings[0][:, :2], [r[:, :2] for r in rings[1:]])
        if poly.area > 1e-6:
            shapes.append(shapely.make_valid(poly))
    return shapely.union_all(shapes), abs(volume), np.concatenate(points)
