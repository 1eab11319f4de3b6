"""Props in the `.glb`: the editor's boxes (`game.core.props.prop_boxes`), read back with trimesh."""

import numpy as np
import pytest
import trimesh
from glb import glb_json, glb_parts

from game.core.catalogue import Catalogue
from game.core.mesh import greedy_mesh
from game.core.props import prop_boxes, prop_ids
from game.io.formats import grid_exporter
from game.io.formats.gltf import export_zone

SIZE_M = 2.0


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def exported(grid: np.ndarray, catalogue: Catalogue) -> bytes:
    return grid_exporter("glb")(grid, catalogue, SIZE_M, "props.glb")["props.glb"]


def srgb(linear: np.ndarray) -> np.ndarray:
    c = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.rint(c * 255).astype(int)


def test_trees_and_benches_are_their_boxes_five_faces_each_in_one_material(catalogue):
    grid = np.zeros((6, 5, 4), np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    grid[1, 1, 1] = grid[4, 3, 1] = catalogue.id("tree")
    grid[3, 1, 1] = catalogue.id("bench")
    data = exported(grid, catalogue)
    (mesh,) = glb_parts(data).values()
    ids = prop_ids(catalogue)
    boxes = prop_boxes(grid, (0, 0, 0), catalogue, ids)
    ground = greedy_mesh(np.where(ids[grid], 0, grid).astype(np.uint8), catalogue.colors)
    # Every box shows five faces (no bottom), two triangles each, beside the blocks' mesh.
    assert len(mesh.faces) == ground.triangle_count + 10 * len(boxes.boxes)
    assert len(glb_json(data)["materials"]) == 1  # no wall with windows here
    colours = {tuple(c) for c in srgb(mesh.vertex_attributes["color"][:, :3])}
    assert {tuple(int(v) for v in rgb) for rgb in boxes.rgb} <= colours  # unshaded tops
    # A tree with air above is taller than its voxel, as in the editor (y is up, in metres).
    assert mesh.bounds[1, 1] > 2 * SIZE_M
    assert np.isclose(mesh.volume, trimesh.Trimesh(mesh.vertices, mesh.faces).volume)


def test_a_playground_s_sand_is_merged_like_blocks_not_one_box_per_voxel(catalogue):
    grid = np.zeros((8, 8, 3), np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    grid[2:6, 2:6, 1] = catalogue.id("playground")
    (mesh,) = glb_parts(exported(grid, catalogue)).values()
    boxes = prop_boxes(grid, (0, 0, 0), catalogue, prop_ids(catalogue))
    plates = (boxes.boxes[:, 3:5] >= 1).all(axis=1)
    assert plates.sum() == 16
    ground = greedy_mesh(np.where(grid == catalogue.id("playground"), 0, grid), catalogue.colors)
    # The 16 voxels of sand: one top and four sides as a block of 4 × 4 would have.
    assert len(mesh.faces) == ground.triangle_count + 10 * int((~plates).sum()) + 2 * 5
    heights = np.unique(np.round(mesh.vertices[:, 1] / SIZE_M, 3))
    assert 1.05 in heights and 1.0 in heights  # the sand a few centimetres on the ground


def test_the_3d_view_draws_props_as_boxes_in_the_zone_and_as_voxels_around_it(catalogue):
    grid = np.zeros((12, 12, 4), np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    zone = np.zeros((12, 12), bool)
    zone[4:8, 4:8] = True
    grid[5, 5, 1] = grid[1, 1, 1] = catalogue.id("tree")  # one in the zone, one around it
    data = export_zone(grid, zone, 4, catalogue, SIZE_M, margin=4)
    meshes = glb_parts(data)
    ids = prop_ids(catalogue)
    inside = np.where(zone[:, :, None], grid, 0).astype(np.uint8)
    boxes = prop_boxes(inside, (0, 0, 0), catalogue, ids)
    ground = greedy_mesh(np.where(ids[inside], 0, inside).astype(np.uint8), catalogue.colors)
    assert len(meshes["zone"].faces) == ground.triangle_count + 10 * len(boxes.boxes)
    around = np.where(zone[:, :, None], 0, grid).astype(np.uint8)
    assert len(meshes["context"].faces) == greedy_mesh(around, catalogue.colors).triangle_count


def test_a_playground_in_the_ground_layer_is_ground_with_its_equipment_standing_on_it(catalogue):
    """Imported levels put playgrounds into the ground layer: no pit, the sand at ground level."""
    grid = np.zeros((6, 6, 3), np.uint8)
    grid[:, :, 0] = catalogue.id("grass")
    grid[1:5, 1:5, 0] = catalogue.id("playground")
    (mesh,) = glb_parts(exported(grid, catalogue)).values()
    boxes = prop_boxes(grid, (0, 0, 0), catalogue, prop_ids(catalogue))
    assert len(boxes.boxes) and (boxes.boxes[:, 2] >= 1).all()  # on the ground, not in it
    assert not (boxes.boxes[:, 3:5] >= 1).all(axis=1).any()  # the voxel is the sand
    # The ground is one flat block mesh (sand and grass at one height) plus the equipment.
    flat = greedy_mesh(grid, catalogue.colors)
    assert len(mesh.faces) == flat.triangle_count + 10 * len(boxes.boxes)
    assert mesh.vertices[:, 1].min() == 0
