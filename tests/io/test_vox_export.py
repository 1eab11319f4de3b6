"""`.vox` export read back by independent parsers: py-vox-io (one model) and midvoxio (a scene)."""

import numpy as np
import pytest
from midvoxio.parser import Parser as MidvoxioParser
from pyvox.parser import VoxParser

from game.cli import main
from game.core.errors import QuartierError
from game.io.formats import grid_exporter


def test_student_exports_the_demo_design_as_one_model_that_py_vox_io_reads(
    demo_design, demo_session, tmp_path
):
    out = tmp_path / "park.vox"
    assert main(["design", "export", str(demo_design), "--format", "vox", "--out", str(out)]) == 0
    vox = VoxParser(str(out)).parse()
    assert len(vox.models) == 1
    model = vox.models[0]
    assert tuple(model.size) == demo_session.grid.shape
    voxels = np.array([tuple(v) for v in model.voxels])
    rebuilt = np.zeros(demo_session.grid.shape, np.uint8)
    rebuilt[voxels[:, 0], voxels[:, 1], voxels[:, 2]] = voxels[:, 3]
    assert np.array_equal(rebuilt, demo_session.grid)


def test_the_palette_holds_each_block_colour_at_its_index(demo_design, demo_session, tmp_path):
    out = tmp_path / "park.vox"
    assert main(["design", "export", str(demo_design), "--format", "vox", "--out", str(out)]) == 0
    palette = (
        VoxParser(str(out)).parse().palette
    )  # py-vox-io: file entry k is at k (colour index k + 1)
    catalogue = demo_session.level.catalogue
    for block_id in np.unique(demo_session.grid[demo_session.grid > 0]):
        assert tuple(palette[block_id - 1])[:3] == tuple(catalogue.colors[block_id])
        assert palette[block_id - 1].a == 255


def _reassemble_with_midvoxio(path, shape) -> np.ndarray:
    """Place each model at its nTRN translation minus half its size, as MagicaVoxel does (spec, nTRN)."""
    vox = MidvoxioParser(str(path)).parse()
    shape_of = {shp.node_id: shp.models[0].id for shp in vox.nshps}
    grid = np.zeros(shape, np.uint8)
    placed = 0
    for trn in vox.ntrns:
        if trn.child_node_id not in shape_of:
            continue
        model = shape_of[trn.child_node_id]
        size = np.array(vox.sizes[model])
        t = np.array([int(v) for v in trn.frames[0]["_t"].split()])
        voxels = np.array(vox.voxels[model])
        world = voxels[:, :3] + t - size // 2
        assert (size <= 256).all()
        grid[tuple(world.T)] = voxels[:, 3]
        placed += 1
    assert placed == len(vox.voxels)
    return grid


def test_a_level_larger_than_256_becomes_a_scene_of_models_that_midvoxio_reassembles(
    demo_session, tmp_path
):
    grid = np.tile(demo_session.grid, (3, 3, 1))[
        :300, :270
    ]  # a city wider than one MagicaVoxel model
    files = grid_exporter("vox")(grid, demo_session.level.catalogue, 2.0, "big.vox")
    (tmp_path / "big.vox").write_bytes(files["big.vox"])
    vox = MidvoxioParser(str(tmp_path / "big.vox")).parse()
    assert len(vox.voxels) == 4 and len(vox.ngrps) == 1  # 256 + 44 by 256 + 14
    assert np.array_equal(_reassemble_with_midvoxio(tmp_path / "big.vox", grid.shape), grid)


def test_empty_tiles_are_left_out_and_the_rest_stays_in_place(catalogue, tmp_path):
    grid = np.zeros((520, 20, 10), np.uint8)
    grid[515, 3, 2] = catalogue.id("tree")  # only the third tile along x holds anything
    path = tmp_path / "lonely.vox"
    path.write_bytes(grid_exporter("vox")(grid, catalogue, 1.0, path.name)[path.name])
    assert np.array_equal(_reassemble_with_midvoxio(path, grid.shape), grid)


@pytest.mark.parametrize("format_name", ["glb", "obj", "vox"])
def test_a_grid_without_any_block_is_refused_in_every_format(catalogue, format_name):
    with pytest.raises(QuartierError) as caught:
        grid_exporter(format_name)(np.zeros((4, 4, 4), np.uint8), catalogue, 1.0, "empty")
    assert caught.value.key == "error.export_empty"
