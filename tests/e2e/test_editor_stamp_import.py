"""A student loads a MagicaVoxel model into the stamp tool (Ctrl+I) and pastes it with a click."""

import json

import numpy as np

from game.core.catalogue import default_catalogue
from game.io.vox import write_vox


def test_student_imports_a_vox_model_as_a_stamp_and_pastes_it(play, tmp_path):
    catalogue = default_catalogue()
    model = np.zeros((2, 3, 2), np.uint8)
    model[:, :, :] = catalogue.id("housing")
    (tmp_path / "hut.vox").write_bytes(write_vox(model, catalogue.colors))
    out = tmp_path / "saved.design.json"
    result = play(
        [
            {"do": "key", "key": "I", "mods": ["ctrl"]},
            {"do": "text", "text": str(tmp_path / "hut.vox")},
            {"do": "key", "key": "ENTER"},
            {"do": "camera", "preset": "bird"},
            {"do": "click", "voxel": [55, 55, 0]},
        ],
        "--save",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["changes"]["count"] == model.size


def test_a_broken_vox_file_says_why_and_keeps_the_stamp_tool_empty(window, tmp_path):
    (tmp_path / "broken.vox").write_bytes(b"VOX \x96\x00\x00\x00MAIN")
    window.run_action("import_stamp")
    window.dialog.on_ok({"path": str(tmp_path / "broken.vox")})
    assert "broken.vox" in window.editor.current_toast()
    assert window.editor.tools["stamp"].clipboard is None
