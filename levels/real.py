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

KAISERSLAUTERN = [
    "level",
    "import",
    str(DATA / "kaiserslautern-city-centre.osm.gz"),
    "--voxel-size",
    "2",
    "--bbox",
    "7.764,49.437,7.777,49.446",
    "--id",
    "kaiserslautern-innenstadt",
    "--title-de",
    "Kaiserslautern, Innenstadt",
    "--title-en",
    "Kaiserslautern city centre",
    "--licence",
    "ODbL-1.0, © OpenStreetMap contributors",
    "--zone",
    str(HERE / "kaiserslautern-innenstadt.zone.geojson"),
    "--settings",
    str(HERE / "kaiserslautern-innenstadt.settings.json"),
]
COMMANDS = {
    "berlin-potsdamer-platz": BERLIN,
    "kaiserslautern-innenstadt": KAISERSLAUTERN,
}


def write_all(folder: Path = HERE) -> list[Path]:
    paths = []
    for name, command in COMMANDS.items():
        path = folder / f"{name}.level.json"
        if main([*command, "--out", str(path)]) != 0:
            raise SystemExit(1)
        paths.append(path)
    return paths


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
