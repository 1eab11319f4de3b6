"""`quartier --version` and `quartier levels` start without the heavy libraries (issue 15).

Checked in a fresh interpreter by what it imported, never by how long it took: numpy,
pydantic and pyglet are most of a cold start, and a top-level import slipped into `game.cli`
or a module it needs would bring them back unnoticed.
"""

import json
import subprocess
import sys
from pathlib import Path

from game import __version__
from game.core.resources import data_dir
from game.io.level_index import INDEX, level_summaries

HEAVY = ("numpy", "pydantic", "pyglet", "sqlalchemy", "shapely", "pyproj")
PROBE = """
import json, sys
from game.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


def _run(argv: list[str]) -> tuple[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    *output, modules = result.stdout.rstrip("\n").split("\n")
    return "\n".join(output), set(json.loads(modules))


def test_the_version_is_printed_without_numpy_pydantic_or_pyglet():
    output, modules = _run(["--version"])
    assert output == f"quartier {__version__}"
    assert not modules & set(HEAVY)


def test_the_levels_are_listed_without_numpy_or_pyglet():
    output, modules = _run(["levels"])
    assert "demo" in output and "berlin-potsdamer-platz" in output
    assert not modules & (set(HEAVY) - {"pydantic"})  # the first time, every file is checked


def test_unchanged_level_files_are_listed_from_the_index_without_pydantic():
    first, _ = _run(["levels"])
    again, modules = _run(["levels"])
    assert again == first
    assert not modules & set(HEAVY)


def _user_level(home: Path, name: str) -> Path:
    folder = home / "levels"
    folder.mkdir(parents=True, exist_ok=True)
    raw = json.loads((data_dir("levels") / "tutorial.level.json").read_text())
    raw["id"] = name
    path = folder / f"{name}.level.json"
    path.write_text(json.dumps(raw))
    return path


def test_an_unchanged_index_is_not_written_again(quartier_home):
    level_summaries()
    index = quartier_home / "cache" / INDEX
    index.write_text(index.read_text() + " ")  # still the same JSON
    level_summaries()
    assert index.read_text().endswith(" ")


def test_a_level_file_changed_after_it_was_indexed_is_checked_again(quartier_home):
    path = _user_level(quartier_home, "my-street")
    entries, broken = level_summaries()
    assert "my-street" in [summary.id for _, summary, _ in entries] and not broken
    raw = json.loads(path.read_text())
    raw["budget"] = -1  # now refused: a budget below zero
    path.write_text(json.dumps(raw))
    entries, broken = level_summaries()
    assert "my-street" not in [summary.id for _, summary, _ in entries]
    assert [p for p, _ in broken] == [path]


def test_a_broken_file_is_reported_every_time_never_indexed(quartier_home):
    (quartier_home / "levels").mkdir(parents=True)
    broken_file = quartier_home / "levels" / "broken.level.json"
    broken_file.write_text("{")
    for _ in range(2):
        assert [p for p, _ in level_summaries()[1]] == [broken_file]
    assert str(broken_file) not in (quartier_home / "cache" / INDEX).read_text()


def test_the_list_is_right_with_a_damaged_or_forged_index_and_without_a_cache_folder(
    quartier_home,
):
    _user_level(quartier_home, "my-street")
    expected = level_summaries()
    index = quartier_home / "cache" / INDEX
    for damaged in ("{", "[]", '{"schema": 1}', index.read_text().replace('"title_en"', '"x"')):
        index.write_text(damaged)
        assert level_summaries() == expected
    data = json.loads(index.read_text())
    for entry in data["levels"].values():
        entry["summary"]["dimensions"] = ["1", 2, 3]
    index.write_text(json.dumps(data))
    assert level_summaries() == expected
    index.unlink()
    index.parent.rmdir()
    index.parent.write_text("")  # a file where the cache folder should be: nothing to write to
    assert level_summaries() == expected


def test_the_package_metadata_carries_the_version_of_the_package():
    from importlib.metadata import version

    assert version("quartier") == __version__
