"""The `quartier` command as teachers and tests drive it: exit codes, messages, files."""

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_edit_above_the_height_limit_names_the_limit_not_the_zone(tmp_path, design, capsys):
    """A tower in the middle of the zone is cut at the zone's top: the reason is the height
    limit, said as the editor says it, never "outside the building zone"."""
    tower = [{"op": "box", "from": [56, 60, 1], "to": [57, 61, 30], "block": "housing"}]
    assert run_ops(tmp_path, design, tower) == 0
    out = capsys.readouterr().out
    assert "outside the building zone" not in out
    assert "28 blocks too high: this level allows 15 floors (46 m). Build lower." in out
    assert (
        main(["--lang", "de", "design", "edit", str(design), "--ops", str(tmp_path / "ops.json")])
        == 0
    )
    assert "höchstens 15 Stockwerke (46 m)" in capsys.readouterr().out


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


def bundled_level_ids() -> list[str]:
    from game.io.levels import available_levels

    return [entry.doc.id for entry in available_levels()[0] if entry.bundled]


@pytest.mark.parametrize("level_id", bundled_level_ids())
def test_level_info_json_of_every_bundled_level_is_plain_json(level_id, capsys):
    assert main(["level", "info", level_id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == level_id and isinstance(data["buildings"], int) and data["buildings"] > 0


def pipe_closed_by_reader(argv: list[str], read_lines: int = 0, **env) -> tuple[int, str]:
    """Run `python -m game.cli ARGV` into a real pipe whose reader stops after `read_lines` lines
    (like `| head -3`) and closes its end; the exit code and what the command wrote to stderr."""
    command = (
        [sys.executable, "-m", "game.cli", *argv] if argv[0] != "-c" else [sys.executable, *argv]
    )
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **env}
    ) as child:
        assert child.stdout and child.stderr
        lines = [child.stdout.readline() for _ in range(read_lines)]
        assert all(lines)
        child.stdout.close()
        err = child.stderr.read().decode()
        return child.wait(), err


LEVEL_FILE = Path(__file__).resolve().parents[1] / "levels" / "kaiserslautern-innenstadt.level.json"

# A command that prints far more than a pipe holds, so it is still printing when the reader
# leaves; main() is what ends it.
CHATTY = (
    "import sys, game.cli as cli; "
    "cli.cmd_levels = lambda args, lang: [print(f'line {i}') for i in range(200_000)] and 0; "
    "sys.exit(cli.main(['levels']))"
)


def test_a_reader_that_stops_after_three_lines_ends_the_command_quietly():
    code, err = pipe_closed_by_reader(["-c", CHATTY], read_lines=3)
    assert (code, err) == (141, "")


@pytest.mark.parametrize(
    "argv",
    [
        ["levels"],
        ["level", "info", "demo"],
        ["level", "info", "tutorial", "--json"],
        ["level", "info", str(LEVEL_FILE)],  # a file's path, as city staff name their own
        ["doctor"],
    ],
)
def test_a_closed_pipe_ends_every_printing_command_quietly(argv):
    code, err = pipe_closed_by_reader(argv)
    assert (code, err) == (141, "")


def test_an_unexpected_error_names_the_log_file_that_holds_its_traceback(
    monkeypatch, quartier_home, capsys
):
    import game.cli

    def broken(args, lang):
        raise RuntimeError("boom")

    monkeypatch.setattr(game.cli, "cmd_levels", broken)
    assert main(["levels"]) == 1
    err = capsys.readouterr().err
    log = quartier_home / "logs" / "quartier.log"
    assert "RuntimeError: boom" in err and str(log) in err and "Traceback" not in err
    written = log.read_text(encoding="utf-8")
    assert "unexpected error in levels" in written and "Traceback" in written
    assert 'raise RuntimeError("boom")' in written


def doctor(capsys, *argv: str) -> str:
    """What `quartier [ARGV] doctor` prints."""
    capsys.readouterr()
    assert main([*argv, "doctor"]) == 0
    return capsys.readouterr().out


def test_doctor_json_names_versions_opengl_folders_and_the_log(quartier_home, capsys):
    from importlib.metadata import version

    capsys.readouterr()
    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["quartier"] == version("quartier") and report["python"].endswith(
        ".".join(map(str, sys.version_info[:2])) + "." + str(sys.version_info[2])
    )
    assert report["libraries"]["base"]["numpy"] == version("numpy")
    assert report["libraries"]["server"]["fastapi"] == version("fastapi")
    assert "test" not in report["libraries"]
    assert report["folders"]["logs"] == str(quartier_home / "logs")
    assert report["folders"]["designs"] == str(quartier_home / "designs")
    assert report["log_file"] == str(quartier_home / "logs" / "quartier.log")
    assert report["workshop"] is None
    gl = report["opengl"]
    assert bool(gl["renderer"]) != bool(gl["problem"])
    if os.environ.get("QUARTIER_CI"):  # CI installs Mesa's EGL: a real renderer must answer
        assert gl["renderer"] and gl["version"]


def test_doctor_names_the_joined_workshop_but_never_its_token(quartier_home, capsys):
    quartier_home.mkdir(parents=True, exist_ok=True)
    (quartier_home / "participant.json").write_text(
        json.dumps(
            {
                "server": "http://127.0.0.1:9",
                "token": "secret-token-0123",
                "participant_id": "7",
                "workshop_id": "3",
                "pseudonym": "Fox",
            }
        )
    )
    out = doctor(capsys)
    assert "Workshop: joined as Fox at http://127.0.0.1:9 (workshop 3)" in out
    assert "secret-token" not in out and "cli.doctor" not in out


def test_doctor_in_german_says_why_opengl_is_missing(monkeypatch, quartier_home, capsys):
    import game.doctor

    monkeypatch.setattr(game.doctor, "GL_PROBE", "raise SystemExit('no OpenGL driver here')")
    out = doctor(capsys, "--lang", "de")
    assert "OpenGL: nicht verfügbar (no OpenGL driver here)" in out
    assert "Workshop: nicht beigetreten" in out
    assert f"Logdatei: {quartier_home / 'logs' / 'quartier.log'}" in out
    assert "Entwürfe" in out and "numpy" in out and "cli.doctor" not in out
