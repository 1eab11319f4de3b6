"""Test support: cutting a mesh back into unit faces, so meshers can be compared exactly."""

from collections import Counter

import numpy as np

from game.core.mesh import Mesh


def unit_faces(mesh: Mesh) -> Counter:
    """Every quad cut into unit faces: (owner voxel, normal, corner colours in (u, w) order)."""
    faces: Counter = Counter()
    for i in range(0, mesh.vertex_count, 4):
        pos, normal, rgba = (
            mesh.positions[i : i + 4].astype(int),
            mesh.normals[i],
            mesh.colors[i : i + 4],
        )
        axis = int(np.flatnonzero(normal)[0])
        u, w = (axis + 1) % 3, (axis + 2) % 3
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        by_corner = {(p[u] == hi[u], p[w] == hi[w]): tuple(c) for p, c in zip(pos, rgba)}
        colours = tuple(
            by_corner[k] for k in [(False, False), (True, False), (True, True), (False, True)]
        )
        for cu in range(lo[u], hi[u]):
            for cw in range(lo[w], hi[w]):
                voxel = lo.copy()
                voxel[u], voxel[w] = cu, cw
                voxel[axis] -= normal[axis] > 0
                faces[tuple(voxel), tuple(normal), colours] += 1
    return faces
