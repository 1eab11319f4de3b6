"""L8: `.vox` files that cost minutes and gigabytes, or that crash on a huge number, are refused
quickly with a message in German and English (through the `stamp import` command pupils use)."""

import time

import pytest
from vox_files import group, model, shape, transform, vox_file

from game.cli import main
from game.core.errors import QuartierError
from game.io.vox import INSTANCES_MAX, MODELS_MAX, NODES_MAX, read_vox

ONE_VOXEL = model(size=(1, 1, 1), voxels=((0, 0, 0, 1),))


def many_models(count: int) -> bytes:
    return vox_file(ONE_VOXEL * count)


def refused(data: bytes) -> QuartierError:
    started = time.monotonic()
    with pytest.raises(QuartierError) as caught:
        read_vox(data, "evil.vox").assemble("evil.vox")
    assert time.monotonic() - started < 5.0
    for lang in ("de", "en"):
        assert "evil.vox" in caught.value.message(lang)
    return caught.value


def test_a_million_one_voxel_models_are_refused_at_once():
    assert refused(many_models(1_000_000)).key == "error.vox_too_many_models"


def test_the_most_models_allowed_still_import():
    scene = read_vox(many_models(MODELS_MAX))
    assert len(scene.models) == MODELS_MAX


def test_a_flood_of_scene_nodes_is_refused():
    nodes = b"".join(shape(k, 0) for k in range(NODES_MAX + 1))
    assert refused(vox_file(ONE_VOXEL, nodes)).key == "error.vox_too_many_nodes"


def test_a_group_placing_one_model_too_often_is_refused():
    count = INSTANCES_MAX + 1
    placed = [transform(0, 1), group(1, *range(2, 2 + count))]
    placed += [transform(2 + k, 2 + count, f"{k % 100} 0 0") for k in range(count)]
    data = vox_file(ONE_VOXEL, *placed, shape(2 + count, 0))
    assert refused(data).key == "error.vox_too_many_placed"


@pytest.mark.parametrize(
    "t", ["99999999999999999999 0 0", "0 -99999999999999999999999999 0", "1e400 0 0", "1 2"]
)
def test_a_huge_or_odd_translation_is_a_message_not_an_overflow(t):
    data = vox_file(ONE_VOXEL, transform(0, 1, t), shape(1, 0))
    error = refused(data)
    assert error.key == "error.vox_transform"


def test_stamp_import_of_a_huge_transform_says_so_in_one_line(tmp_path, capsys):
    demo_design = tmp_path / "park.design.json"
    assert main(["design", "new", "--level", "demo", "--out", str(demo_design)]) == 0
    path = tmp_path / "evil.vox"
    path.write_bytes(vox_file(ONE_VOXEL, transform(0, 1, "9" * 30 + " 0 0"), shape(1, 0)))
    before = demo_design.read_bytes()
    argv = ["stamp", "import", str(path), "--design", str(demo_design), "--at", "50", "60", "1"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "evil.vox" in err and "Traceback" not in err and "Overflow" not in err
    assert demo_design.read_bytes() == before


def test_a_scene_with_one_model_placed_twice_still_imports():
    data = vox_file(
        ONE_VOXEL,
        transform(0, 1),
        group(1, 2, 4),
        transform(2, 3, "0 0 0"),
        shape(3, 0),
        transform(4, 5, "3 0 0"),
        shape(5, 0),
    )
    grid, _ = read_vox(data).assemble()
    assert grid.shape == (4, 1, 1) and (grid > 0).sum() == 2
