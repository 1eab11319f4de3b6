"""Builds the bundled levels made from real data (run: `make levels`), with `quartier level import`.

The arguments here are the command recorded in levels/README.md; a test checks that the
committed level is exactly what this import makes from `levels/sources/` (sources and licences
in its README).
"""

import sys
from pathlib import Path

from game.cli import main

HERE = Path(__file__).resolve().parent
DATA = HERE / "sources"
BERLIN = [
    "level",
    "import",
    str(DATA / "berlin-potsdamer-platz-osm.geojson"),
    "--voxel-size",
    "2",
    "--id",
    "berlin-potsdamer-platz",
    "--title-de",
    "Am Potsdamer Platz",
    "--title-en",
    "At Potsdamer Platz",
    "--licence",
    "ODbL-1.0, © OpenStreetMap contributors",
    "--zone",
    str(HERE / "berlin-potsdamer-platz.zone.geojson"),
    "--settings",
    str(HERE / "berlin-potsdamer-platz.settings.json"),
]


def write_all(folder: Path = HERE) -> list[Path]:
    path = folder / "berlin-potsdamer-platz.level.json"
    if main([*BERLIN, "--out", str(path)]) != 0:
        raise SystemExit(1)
    return [path]


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
