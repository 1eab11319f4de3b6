"""`.glb` export opened with trimesh: vertex count, bounds in metres (y up) and the block colours."""

import numpy as np
import trimesh
from glb import glb_parts

from game.cli import main
from game.io.formats import grid_exporter
from game.io.formats.gltf import detailed_mesh


def load(data: bytes) -> trimesh.Trimesh:
    (mesh,) = glb_parts(data).values()
    return mesh


def srgb(linear: np.ndarray) -> np.ndarray:
    c = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.rint(c * 255).astype(int)


def test_student_exports_the_demo_design_as_glb_that_trimesh_opens_in_metres(
    demo_design, demo_session, tmp_path
):
    out = tmp_path / "park.glb"
    assert main(["design", "export", str(demo_design), "--format", "glb", "--out", str(out)]) == 0
    mesh = load(out.read_bytes())
    # The blocks' greedy mesh and the props' boxes (trees, gardens, playgrounds: see test_props).
    expected = detailed_mesh(demo_session.grid, demo_session.level.catalogue, 1.0).mesh
    assert (
        len(mesh.vertices) == expected.vertex_count and len(mesh.faces) == expected.triangle_count
    )
    size = demo_session.level.doc.voxel_size_m  # 2 m: 128 × 128 voxels are 256 m by 256 m
    top = np.nonzero(demo_session.grid.any(axis=(0, 1)))[0].max() + 1
    x, y, _ = demo_session.grid.shape
    assert np.allclose(mesh.bounds, [[0, 0, -y * size], [x * size, top * size, 0]])


def test_each_block_keeps_its_colour_and_faces_point_outwards(catalogue):
    grid = np.zeros((7, 3, 3), np.uint8)
    keys = ("housing", "grass", "water")  # boxes, not props
    for i, key in enumerate(keys):  # three lone voxels: no ambient occlusion darkens them
        grid[2 * i, 1, 1] = catalogue.id(key)
    mesh = load(grid_exporter("glb")(grid, catalogue, 2.0, "three.glb")["three.glb"])
    assert len(mesh.vertices) == 3 * 6 * 4
    colours = {tuple(c) for c in srgb(mesh.vertex_attributes["color"][:, :3])}
    assert colours == {tuple(int(v) for v in catalogue.block(key).rgb) for key in keys}
    assert np.isclose(mesh.volume, 3 * 2.0**3)  # positive: triangles wind outwards
    assert np.allclose(mesh.bounds, [[0, 2, -4], [10, 4, -2]])  # x east, y up, z south
