"""`.vox` files as stamps: MagicaVoxel scenes land with their models in place; broken files change nothing."""

import contextlib
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from midvoxio.parser import Parser as MidvoxioParser
from sample_data import VOX_SCENE
from vox_files import chunk, group, model, shape, string, transform, vox_file

from game.cli import main
from game.core.errors import QuartierError
from game.core.i18n import text
from game.core.ops.stamp import PasteStamp
from game.core.session import Session
from game.io.designs import open_design_file
from game.io.vox import default_palette, nearest_blocks, read_stamp, read_vox, write_vox


def test_default_palette_is_the_one_an_independent_reader_uses():
    from pyvox.defaultpalette import default_palette as pyvox_palette

    # py-vox-io keeps the specification's table as 0xAABBGGRR words
    expected = np.array(pyvox_palette, "<u4").view(np.uint8).reshape(256, 4)
    assert np.array_equal(default_palette(), expected)


def test_opengametools_scene_imports_as_a_stamp_with_its_models_where_the_scene_graph_puts_them(
    catalogue,
):
    every_block = {b.key for b in catalogue.blocks}
    stamp, scene = read_stamp(VOX_SCENE, catalogue, every_block)
    _, origin = scene.assemble()
    # An independent parser gives the models and the transforms (nTRN) that point at shapes (nSHP).
    vox = MidvoxioParser(str(VOX_SCENE)).parse()
    model_of = {shp.node_id: shp.models[0].id for shp in vox.nshps}
    placements = [
        (model_of[t.child_node_id], t.frames[0]) for t in vox.ntrns if t.child_node_id in model_of
    ]
    assert len(placements) == len(scene.instances) == 104 and len(vox.voxels) == 41
    assert (stamp.blocks > 0).sum() == sum(
        len(vox.voxels[model_id]) for model_id, _ in placements
    )  # no overlaps here
    colour_block = nearest_blocks(read_vox(VOX_SCENE.read_bytes()).palette, catalogue, every_block)
    unrotated = [(model_id, frame) for model_id, frame in placements if "_r" not in frame]
    assert len(unrotated) == 17
    for model_id, frame in unrotated:
        voxels = np.array(vox.voxels[model_id])
        t = np.array([int(v) for v in frame["_t"].split()])
        at = voxels[:, :3] + t - np.array(vox.sizes[model_id]) // 2 - origin
        assert np.array_equal(stamp.blocks[tuple(at.T)], colour_block[voxels[:, 3]])


def test_scene_stamp_pastes_into_a_level_where_it_is_allowed(level_factory):
    level = level_factory(shape=(120, 120, 24), zone=(slice(0, 120), slice(0, 120)), zone_top=23)
    stamp, _ = read_stamp(VOX_SCENE, level.catalogue, level.allowed)
    session = Session(level)
    session.apply(PasteStamp.of(stamp, (5, 6, 1)))
    region = session.grid[
        5 : 5 + stamp.blocks.shape[0], 6 : 6 + stamp.blocks.shape[1], 1 : 1 + stamp.blocks.shape[2]
    ]
    solid = stamp.blocks > 0
    assert np.array_equal(region[solid], stamp.blocks[solid])


def test_colours_become_the_nearest_block_the_level_allows(catalogue):
    palette = np.zeros((256, 4), np.uint8)
    palette[1, :3] = catalogue.block("tree").rgb
    palette[2, :3] = np.array(catalogue.block("housing").rgb) + 3
    allowed = {"tree", "housing", "grass"}
    table = nearest_blocks(palette, catalogue, allowed)
    assert (
        table[0] == 0 and table[1] == catalogue.id("tree") and table[2] == catalogue.id("housing")
    )
    assert set(table[1:].tolist()) <= {catalogue.id(k) for k in allowed}


def test_student_pastes_a_vox_model_into_a_design_from_the_command_line(
    demo_design, demo_session, tmp_path, capsys
):
    vox = tmp_path / "bench.vox"
    model = np.zeros((3, 2, 2), np.uint8)
    model[:, :, 0] = demo_session.level.catalogue.id("housing")
    vox.write_bytes(write_vox(model, demo_session.level.catalogue.colors))
    before = demo_session.grid.copy()
    assert (
        main(["stamp", "import", str(vox), "--design", str(demo_design), "--at", "50", "60", "1"])
        == 0
    )
    assert "Imported" in capsys.readouterr().out
    after = open_design_file(demo_design)[1].grid
    assert (after != before).sum() == 6
    assert (after[50:53, 60:62, 1] == model[:, :, 0]).all()


# -- broken and hostile files -------------------------------------------------------------------


HOSTILE = {
    "empty file": (b"", "error.vox_not_vox"),
    "wrong magic": (vox_file(model(), magic=b"RIFF"), "error.vox_not_vox"),
    "a PNG": (b"\x89PNG\r\n\x1a\n" + bytes(40), "error.vox_not_vox"),
    "huge model size": (vox_file(model(size=(100000, 2, 2))), "error.vox_model_size"),
    "negative model size": (vox_file(model(size=(-1, 2, 2))), "error.vox_model_size"),
    "voxel count lies": (vox_file(model(count=10**9)), "error.vox_truncated"),
    "negative voxel count": (vox_file(model(count=-5)), "error.vox_truncated"),
    "chunk size lies": (
        vox_file(chunk(b"SIZE", struct.pack("<3i", 2, 2, 2), size=2**31 - 1)),
        "error.vox_chunk_size",
    ),
    "negative chunk size": (vox_file(chunk(b"RGBA", bytes(1024), size=-8)), "error.vox_chunk_size"),
    "main claims more": (
        b"VOX " + struct.pack("<i", 150) + b"MAIN" + struct.pack("<ii", 0, 10**6),
        "error.vox_truncated",
    ),
    "voxel outside its model": (vox_file(model(voxels=((5, 0, 0, 1),))), "error.vox_voxel_outside"),
    "no models": (vox_file(chunk(b"RGBA", bytes(1024))), "error.vox_empty"),
    "only empty models": (vox_file(model(voxels=())), "error.vox_empty"),
    "only voxels of colour 0": (vox_file(model(voxels=((0, 0, 0, 0),))), "error.vox_empty"),
    "scene loops": (vox_file(model(), transform(0, 1), group(1, 0)), "error.vox_scene"),
    "missing node": (vox_file(model(), transform(0, 7)), "error.vox_scene"),
    "shape of a missing model": (
        vox_file(model(), transform(0, 1), shape(1, 3)),
        "error.vox_scene",
    ),
    "bad translation": (
        vox_file(model(), transform(0, 1, "a b c"), shape(1, 0)),
        "error.vox_transform",
    ),
    "huge scene": (
        vox_file(
            model(),
            transform(0, 1),
            group(1, 2, 4),
            transform(2, 3, "0 0 0"),
            shape(3, 0),
            transform(4, 5, "5000 0 0"),
            shape(5, 0),
        ),
        "error.vox_too_large",
    ),
    "huge box of few voxels": (
        vox_file(
            model(),
            transform(0, 1),
            group(1, 2, 4),
            transform(2, 3, "0 0 0"),
            shape(3, 0),
            transform(4, 5, "1000 1000 1000"),
            shape(5, 0),
        ),
        "error.vox_too_large",
    ),
    # groups that reuse each other 40 levels deep, ending in hidden transforms: 2**40 paths
    "exploding scene": (
        vox_file(
            model(),
            transform(0, 1),
            *(group(k, 100, k + 1, k + 1) for k in range(1, 40)),
            group(40, 100),
            chunk(
                b"nTRN",
                struct.pack("<ii", 100, 1)
                + string("_hidden")
                + string("1")
                + struct.pack("<4i", 0, -1, 0, 1)
                + struct.pack("<i", 0),
            ),
        ),
        "error.vox_scene",
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_broken_or_hostile_vox_file_is_refused_with_a_message_in_german_and_english(
    name, catalogue, tmp_path
):
    data, key = HOSTILE[name]
    path = tmp_path / "evil.vox"
    path.write_bytes(data)
    with pytest.raises(QuartierError) as caught:
        read_stamp(path, catalogue, {"housing"})
    assert caught.value.key == key
    for lang in ("de", "en"):
        message = caught.value.message(lang)
        assert "evil.vox" in message or key == "error.vox_no_blocks"
        assert message != text("en" if lang == "de" else "de", key, **caught.value.params)


def test_every_truncation_of_a_scene_file_is_refused_cleanly(catalogue):
    data = write_vox(np.tile(np.arange(1, 4, dtype=np.uint8), (300, 2, 1)), catalogue.colors)
    for end in range(0, len(data), 7):
        with pytest.raises(QuartierError):
            read_vox(data[:end]).assemble()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_flipped_bytes_never_escape_as_anything_but_a_clear_message(catalogue, data):
    blob = bytearray(
        write_vox(np.tile(np.arange(1, 4, dtype=np.uint8), (260, 2, 1)), catalogue.colors)
    )
    for _ in range(data.draw(st.integers(1, 4))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(QuartierError):
        read_vox(bytes(blob)).assemble()


def test_importing_a_broken_file_leaves_the_design_untouched(demo_design, tmp_path, capsys):
    before = demo_design.read_bytes()
    broken = tmp_path / "broken.vox"
    broken.write_bytes(HOSTILE["voxel count lies"][0])
    assert (
        main(
            [
                "--lang",
                "de",
                "stamp",
                "import",
                str(broken),
                "--design",
                str(demo_design),
                "--at",
                "50",
                "60",
                "1",
            ]
        )
        == 1
    )
    assert "beschädigt" in capsys.readouterr().err
    assert demo_design.read_bytes() == before


def test_a_design_exported_as_vox_and_imported_into_a_fresh_design_comes_back_identical(
    demo_design, demo_session, tmp_path
):
    vox, fresh = tmp_path / "park.vox", tmp_path / "fresh.design.json"
    assert main(["design", "export", str(demo_design), "--format", "vox", "--out", str(vox)]) == 0
    assert main(["design", "new", "--level", "demo", "--out", str(fresh)]) == 0
    assert main(["stamp", "import", str(vox), "--design", str(fresh), "--at", "0", "0", "0"]) == 0
    assert np.array_equal(open_design_file(fresh)[1].grid, demo_session.grid)
