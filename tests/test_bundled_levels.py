"""The bundled levels are valid, and the committed files are exactly what their generator or import makes."""

import importlib.util

import pytest

from game.core.resources import data_dir
from game.io.levels import load_level


@pytest.mark.parametrize("script", ["generate.py", "real.py"], ids=["hand-made", "imported"])
def test_committed_levels_match_the_command_that_made_them(tmp_path, script):
    spec = importlib.util.spec_from_file_location(script[:-3], data_dir("levels") / script)
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for path in generate.write_all(tmp_path):
        assert path.read_bytes() == (data_dir("levels") / path.name).read_bytes(), path.name


def test_tutorial_and_demo_have_the_promised_sizes_and_content():
    tutorial = load_level(data_dir("levels") / "tutorial.level.json")
    demo = load_level(data_dir("levels") / "demo.level.json")
    assert tutorial.shape == (32, 32, 16) and len(tutorial.doc.goals) >= 3
    assert all(s >= t for s, t in zip(demo.shape, (128, 128, 32)))
    keys = {demo.catalogue.key(int(i)) for i in set(demo.city.ravel().tolist())}
    assert {
        "road",
        "housing",
        "school",
        "grass",
        "tree",
        "playground",
        "bus_stop",
        "parking",
    } <= keys
    assert demo.editable.any() and demo.locked.any()
