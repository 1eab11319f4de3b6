"""A level file lying anywhere, as city staff hand it out: `design new --level PATH`, then every
later command on the design finds the level by the id the design names."""

import json
from pathlib import Path

from game.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "levels" / "demo.level.json"
OPS = [{"op": "box", "from": [50, 52, 1], "to": [55, 55, 4], "block": "housing"}]


def level_file(folder: Path, level_id: str, title: str = "Mein Viertel") -> Path:
    """The demo level under another id (and title), in a folder of its own."""
    doc = json.loads(DEMO.read_text())
    doc["id"], doc["title"]["de"] = level_id, title
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{level_id}.level.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_design_made_on_a_level_file_can_be_edited_and_exported_afterwards(
    tmp_path, quartier_home, capsys
):
    level = level_file(tmp_path / "from-the-city", "mein-viertel")
    design, ops, out = tmp_path / "d.design.json", tmp_path / "ops.json", tmp_path / "d.obj"
    ops.write_text(json.dumps(OPS))
    assert main(["design", "new", "--level", str(level), "--out", str(design)]) == 0
    copy = quartier_home / "levels" / "mein-viertel.level.json"
    assert f"copied to {copy}" in capsys.readouterr().out
    assert copy.read_bytes() == level.read_bytes()
    assert main(["design", "edit", str(design), "--ops", str(ops)]) == 0
    assert main(["design", "export", str(design), "--format", "obj", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    # the same file again: found as it is, nothing copied a second time
    assert main(["design", "new", "--level", str(level), "--out", str(tmp_path / "e.json")]) == 0
    assert "copied" not in capsys.readouterr().out


def test_a_bundled_level_named_by_its_path_is_not_copied(tmp_path, quartier_home, capsys):
    assert main(["design", "new", "--level", str(DEMO), "--out", str(tmp_path / "d.json")]) == 0
    assert "copied" not in capsys.readouterr().out
    assert not (quartier_home / "levels").exists()


def test_another_level_with_the_same_id_is_refused_and_named(tmp_path, quartier_home, capsys):
    first = level_file(tmp_path / "a", "mein-viertel")
    second = level_file(tmp_path / "b", "mein-viertel", title="Ein anderes Viertel")
    assert main(["design", "new", "--level", str(first), "--out", str(tmp_path / "1.json")]) == 0
    capsys.readouterr()
    assert main(["design", "new", "--level", str(second), "--out", str(tmp_path / "2.json")]) == 1
    err = capsys.readouterr().err
    copy = quartier_home / "levels" / "mein-viertel.level.json"
    assert str(copy) in err and "--id" in err and err.count("\n") == 1
    assert not (tmp_path / "2.json").exists() and copy.read_bytes() == first.read_bytes()


def test_an_unknown_level_names_the_folder_for_level_files(tmp_path, quartier_home, capsys):
    assert main(["design", "new", "--level", "atlantis", "--out", str(tmp_path / "d.json")]) == 1
    assert str(quartier_home / "levels") in capsys.readouterr().err
