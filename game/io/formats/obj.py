"""Wavefront OBJ with a companion `.mtl`: one material per block, named by its key.

Colours go in the `.mtl` (`Kd`), not in the non-standard `v x y z r g b` extension, because
material files are what every viewer opens (Blender, Windows 3D Viewer, MeshLab, online
viewers) and let a planner restyle a block kind at once. Keep both files in one folder.
Units are metres, y is up (what OBJ importers assume), triangles of the greedy mesh.
"""

import re
from pathlib import PurePath

import numpy as np

from game import __version__
from game.core.catalogue import Catalogue
from game.core.mesh import greedy_mesh
from game.io.formats.metres import Y_UP, quad_blocks


def _lines(template: str, values: np.ndarray) -> str:
    """`template` filled with each row of `values`, formatted in one call (no loop per vertex)."""
    return (template * len(values)) % tuple(values.ravel().tolist())


def export_grid(
    grid: np.ndarray, catalogue: Catalogue, voxel_size_m: float, name: str
) -> dict[str, bytes]:
    mtl_name = re.sub(r"\s+", "_", PurePath(name).stem) + ".mtl"
    mesh = greedy_mesh(grid, catalogue.colors)
    blocks = np.repeat(quad_blocks(grid, mesh), 2)  # two triangles per quad
    triangles = mesh.indices.reshape(-1, 3).astype(np.int64)
    order = np.argsort(blocks, kind="stable")
    triangles, blocks = triangles[order], blocks[order]
    normal_ids = np.unique(mesh.normals, axis=0, return_inverse=True)
    normals, normal_of = normal_ids[0], normal_ids[1].ravel()
    faces = np.stack([triangles + 1, normal_of[triangles] + 1], axis=2).reshape(-1, 6)
    header = f"# Quartier {__version__}: 1 unit = 1 m, y up\nmtllib {mtl_name}\no design\n"
    parts = [
        header,
        _lines("v %.6g %.6g %.6g\n", mesh.positions @ Y_UP.T * voxel_size_m),
        _lines("vn %d %d %d\n", normals @ Y_UP.T),
    ]
    ids, starts = np.unique(blocks, return_index=True)
    mtl = [f"# Quartier {__version__}: block colours\n"]
    for block_id, start, end in zip(ids.tolist(), starts, [*starts[1:], len(blocks)]):
        block = catalogue.block(catalogue.key(block_id))
        parts.append(f"usemtl {block.key}\n" + _lines("f %d//%d %d//%d %d//%d\n", faces[start:end]))
        r, g, b = (c / 255 for c in block.rgb)
        mtl.append(
            f"newmtl {block.key}\nKa {r:.4f} {g:.4f} {b:.4f}\nKd {r:.4f} {g:.4f} {b:.4f}\n"
            "Ks 0 0 0\nd 1\nillum 1\n"
        )
    return {mtl_name: "".join(mtl).encode("utf-8"), name: "".join(parts).encode("utf-8")}
