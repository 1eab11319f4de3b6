"""L9: `quartier level validate` refuses goals that name an unknown block, amenity or indicator,
and an EPSG code no registry has, each in one line in German and English."""

import json

import pytest

from game.cli import main
from game.core.resources import data_dir

GOALS = {
    "unknown indicator": (
        {"kind": "threshold", "indicator": "happiness", "at_least": 1},
        "happiness",
    ),
    "unknown count block": ({"kind": "count", "block": "castle", "at_least": 1}, "castle"),
    "air counted": ({"kind": "count", "block": "air", "at_least": 1}, "air"),
    "unknown amenity": ({"kind": "count", "amenity": "casino", "at_least": 1}, "casino"),
    "unknown placement block": (
        {"kind": "placement", "block": "statue", "near": "bus_stop", "within_m": 20},
        "statue",
    ),
    "unknown placement target": (
        {"kind": "placement", "block": "bench", "near": "volcano", "within_m": 20},
        "volcano",
    ),
}


def demo_level(tmp_path, **changes) -> str:
    raw = json.loads((data_dir("levels") / "demo.level.json").read_text(encoding="utf-8"))
    raw.update(changes)
    path = tmp_path / "evil.level.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return str(path)


def refused(argv: list[str], capsys) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("name", GOALS)
def test_a_goal_naming_something_unknown_is_refused(name, lang, tmp_path, capsys):
    rule, unknown = GOALS[name]
    goal = {"id": "bad-goal", "text": {"de": "Ziel", "en": "Goal"}, "rule": rule}
    err = refused(["--lang", lang, "level", "validate", demo_level(tmp_path, goals=[goal])], capsys)
    assert "bad-goal" in err and unknown in err and "evil.level.json" in err
    assert ("Ziel" if lang == "de" else "goal") in err


def test_the_bundled_levels_goals_all_pass(capsys):
    levels = ("demo", "tutorial", "berlin-potsdamer-platz", "kaiserslautern-innenstadt")
    for level in levels:
        assert main(["level", "validate", str(data_dir("levels") / f"{level}.level.json")]) == 0
    assert capsys.readouterr().out.count("OK") == len(levels)


GEOREF = {"origin": [392000.0, 5820000.0, 0.0], "rotation_deg": 0.0}


@pytest.mark.parametrize("epsg", [999999, 32768, 900913, 1023])
@pytest.mark.parametrize("gis", [True, False], ids=["with pyproj", "without pyproj"])
def test_an_epsg_code_outside_the_registry_is_refused(epsg, gis, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("game.io.gis.has_gis", lambda: gis)
    path = demo_level(tmp_path, georeference={"epsg": epsg, **GEOREF})
    err = refused(["--lang", "de", "level", "validate", path], capsys)
    assert f"EPSG:{epsg}" in err and "Register" in err


def test_an_epsg_code_pyproj_does_not_know_is_refused_where_pyproj_is_installed(tmp_path, capsys):
    pytest.importorskip("pyproj")
    path = demo_level(tmp_path, georeference={"epsg": 9999, **GEOREF})
    assert "EPSG:9999" in refused(["level", "validate", path], capsys)
    good = demo_level(tmp_path, georeference={"epsg": 25833, **GEOREF})
    assert main(["level", "validate", good]) == 0
