"""OBJ export with its `.mtl`, opened with trimesh: one material per block, metres, y up."""

import numpy as np
import trimesh

from game.cli import main
from game.core.mesh import greedy_mesh
from game.io.formats import grid_exporter


def test_student_exports_the_demo_design_as_obj_with_block_materials(
    demo_design, demo_session, tmp_path
):
    out = tmp_path / "my park.obj"
    assert main(["design", "export", str(demo_design), "--format", "obj", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.glob("my*")) == ["my park.obj", "my_park.mtl"]
    scene = trimesh.load(str(out), process=False, group_material=True)
    catalogue = demo_session.level.catalogue
    present = {catalogue.key(int(i)) for i in np.unique(demo_session.grid) if i}
    colours = {name: tuple(g.visual.material.diffuse[:3]) for name, g in scene.geometry.items()}
    assert set(colours) == present
    assert all(colours[key] == catalogue.block(key).rgb for key in present)
    expected = greedy_mesh(demo_session.grid, catalogue.colors)
    assert sum(len(g.faces) for g in scene.geometry.values()) == expected.triangle_count
    size, (x, y, _) = demo_session.level.doc.voxel_size_m, demo_session.grid.shape
    top = np.nonzero(demo_session.grid.any(axis=(0, 1)))[0].max() + 1
    assert np.allclose(scene.bounds, [[0, 0, -y * size], [x * size, top * size, 0]])


def test_obj_faces_point_outwards(catalogue, tmp_path):
    grid = np.zeros((3, 3, 3), np.uint8)
    grid[1, 1, 1] = catalogue.id("housing")
    for name, data in grid_exporter("obj")(grid, catalogue, 3.0, "cube.obj").items():
        (tmp_path / name).write_bytes(data)
    mesh = trimesh.load(str(tmp_path / "cube.obj"), force="mesh")
    assert np.isclose(mesh.volume, 27.0)  # a 3 m cube, positive: triangles wind outwards
