"""The `quartier` command as teachers and tests drive it: exit codes, messages, files."""

import json
import subprocess
import sys

import pytest

from game.cli import main

OPS = [
    {"op": "box", "from": [50, 52, 1], "to": [55, 55, 4], "block": "housing"},
    {"op": "box", "from": [40, 52, 1], "to": [49, 52, 1], "block": "housing"},
    {"op": "place", "at": [70, 70, 1], "block": "tree"},
]


@pytest.fixture
def design(tmp_path):
    path = tmp_path / "mine.design.json"
    assert (
        main(
            [
                "design",
                "new",
                "--level",
                "demo",
                "--out",
                str(path),
                "--title",
                "Park",
                "--author",
                "Fox",
            ]
        )
        == 0
    )
    return path


def run_ops(tmp_path, design, ops, *extra):
    ops_path = tmp_path / "ops.json"
    ops_path.write_text(json.dumps(ops))
    return main(["design", "edit", str(design), "--ops", str(ops_path), *extra])


def info(design, capsys) -> dict:
    capsys.readouterr()
    assert main(["design", "info", str(design), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_levels_lists_the_bundled_levels_with_title_and_size(capsys):
    assert main(["levels"]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "128×128×32" in out and "tutorial" in out


def test_levels_in_german(capsys):
    assert main(["--lang", "de", "levels"]) == 0
    assert "Erste Schritte" in capsys.readouterr().out


def test_levels_lists_the_users_own_levels_and_names_broken_ones(capsys, quartier_home):
    from game.core.resources import data_dir

    folder = quartier_home / "levels"
    folder.mkdir(parents=True)
    raw = json.loads((data_dir("levels") / "tutorial.level.json").read_text())
    raw["id"] = "my-street"
    (folder / "my-street.level.json").write_text(json.dumps(raw))
    (folder / "broken.level.json").write_text("{")
    assert main(["levels"]) == 0
    captured = capsys.readouterr()
    assert "my-street" in captured.out and "(yours)" in captured.out
    assert "broken.level.json" in captured.err


def test_edit_applies_operations_and_reports_clipped_voxels(tmp_path, design, capsys):
    assert run_ops(tmp_path, design, OPS) == 0
    out = capsys.readouterr().out
    assert "outside the building zone" in out and "protected" in out
    data = info(design, capsys)
    assert data["level_id"] == "demo" and data["title"] == "Park"
    assert data["blocks"] == {"housing": 6 * 4 * 4 + 2}
    assert data["changed_voxels"] == data["added_voxels"] == 98
    assert data["removed_voxels"] == 0 and data["cost"] > 0
    assert set(data) >= {
        "id",
        "level_id",
        "title",
        "changed_voxels",
        "added_voxels",
        "removed_voxels",
        "blocks",
        "cost",
    }


def test_undo_in_a_script_takes_back_the_last_edit(tmp_path, design, capsys):
    assert run_ops(tmp_path, design, OPS[:1] + [{"op": "undo"}]) == 0
    assert info(design, capsys)["changed_voxels"] == 0


def test_edit_to_another_file_leaves_the_original_alone(tmp_path, design, capsys):
    before = design.read_bytes()
    out = tmp_path / "copy.design.json"
    assert run_ops(tmp_path, design, OPS, "--out", str(out)) == 0
    assert design.read_bytes() == before
    assert info(out, capsys)["changed_voxels"] == 98


def test_a_bad_step_changes_nothing_and_names_the_step(tmp_path, design, capsys):
    before = design.read_bytes()
    assert (
        run_ops(tmp_path, design, OPS + [{"op": "place", "at": [999, 0, 0], "block": "tree"}]) == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("Step 4:") and err.count("\n") == 1
    assert design.read_bytes() == before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["design", "info", "missing.design.json"], "File not found"),
        (["level", "validate", "missing.level.json"], "File not found"),
        (["design", "new", "--level", "atlantis", "--out", "x.json"], "No level 'atlantis'"),
    ],
)
def test_bad_input_exits_1_with_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_wrong_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["design", "edit"])
    assert exit_.value.code == 2


def test_validate_accepts_good_files_and_refuses_a_tampered_design(tmp_path, design, capsys):
    assert main(["level", "validate", "levels/demo.level.json"]) == 0
    assert main(["design", "validate", str(design)]) == 0
    raw = json.loads(design.read_text())
    raw["level"]["sha256"] = "f" * 64
    design.write_text(json.dumps(raw))
    assert main(["design", "validate", str(design)]) == 1
    assert "another version of level 'demo'" in capsys.readouterr().err


def test_the_installed_command_never_shows_a_traceback(tmp_path):
    broken = tmp_path / "broken.design.json"
    broken.write_bytes(b"\xff\xfe not json")
    result = subprocess.run(
        [sys.executable, "-m", "game.cli", "design", "info", str(broken)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_run_without_an_editor_lists_levels_and_what_to_try(capsys):
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "quartier design new" in out


def test_info_json_has_indicators_now_and_at_the_start_goals_and_stars(tmp_path, design, capsys):
    assert (
        run_ops(
            tmp_path,
            design,
            [
                {"op": "box", "from": [52, 52, 0], "to": [60, 60, 0], "block": "grass"},
                {"op": "box", "from": [54, 54, 1], "to": [55, 55, 1], "block": "playground"},
            ],
        )
        == 0
    )
    data = info(design, capsys)
    keys = {
        "grz",
        "gfz",
        "sealed_share",
        "green_factor",
        "landuse_mix",
        "dwellings",
        "jobs",
        "walk_playground",
        "walk_park",
        "walk_school",
        "walk_shop",
        "sun_open_space",
        "sun_hours",
        "cost",
        "budget",
    }
    assert keys <= set(data["metrics"]) and keys <= set(data["metrics_start"])
    assert data["metrics"]["green_factor"] > data["metrics_start"]["green_factor"]
    assert data["metrics"]["cost"] == data["cost"] and data["metrics"]["budget"] == 12_000_000
    playground = next(g for g in data["goals"] if g["id"] == "playground")
    assert playground["met"] and playground["text"]["de"] == "Ein Spielplatz"
    assert 0 <= data["stars"] <= 3


def test_info_in_words_shows_goals_and_stars(design, capsys):
    capsys.readouterr()
    assert main(["--lang", "de", "design", "info", str(design)]) == 0
    out = capsys.readouterr().out
    assert "Grünfaktor" in out and "✓ Kein Gebäude höher als 6 Geschosse" in out


def test_a_script_that_goes_over_the_budget_is_refused_and_changes_nothing(
    tmp_path, design, capsys
):
    before = design.read_bytes()
    huge = [{"op": "building", "from": [48, 48], "to": [79, 79], "floors": 7, "block": "office"}]
    assert run_ops(tmp_path, design, huge) == 1
    assert capsys.readouterr().err.startswith("Step 1: Too expensive")
    assert design.read_bytes() == before


def test_export_to_an_unknown_format_names_the_known_ones_and_writes_nothing(
    design, tmp_path, capsys
):
    out = tmp_path / "mine.xyz"
    assert (
        main(
            ["--lang", "en", "design", "export", str(design), "--format", "xyz", "--out", str(out)]
        )
        == 1
    )
    assert "Unknown export format 'xyz'" in capsys.readouterr().err
    assert not out.exists()
