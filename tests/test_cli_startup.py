"""`quartier --version` and `quartier levels` start without the heavy libraries (issue 15).

Checked in a fresh interpreter by what it imported, never by how long it took: numpy,
pydantic and pyglet are most of a cold start, and a top-level import slipped into `game.cli`
or a module it needs would bring them back unnoticed.
"""

import json
import subprocess
import sys

from game import __version__

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
    assert not modules & (set(HEAVY) - {"pydantic"})  # the files are checked as ever


def test_the_package_metadata_carries_the_version_of_the_package():
    from importlib.metadata import version

    assert version("quartier") == __version__
