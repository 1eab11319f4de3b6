"""Builds the hand-made bundled levels `tutorial` and `demo` (run: `make levels`).

The output is deterministic, and a test checks that the committed files match this script.
"""

import sys
from pathlib import Path

import numpy as np

from game.core.catalogue import Catalogue, default_catalogue
from game.core.level import LevelDocument, build_level_document

HERE = Path(__file__).resolve().parent
SOURCE = "Hand-made by the Quartier team with levels/generate.py"
LICENCE = "CC0-1.0"
STOREY_M, VOXEL_M = 3.0, 2.0


class Builder:
    """Small drawing helpers over a grid, by block key."""

    def __init__(self, shape: tuple[int, int, int], catalogue: Catalogue) -> None:
        self.grid = np.zeros(shape, np.uint8)
        self.locked = np.zeros(shape, bool)
        self.cat = catalogue

    def ground(self, x0, y0, x1, y1, key):
        self.grid[x0:x1, y0:y1, 0] = self.cat.id(key)

    def box(self, x0, y0, z0, x1, y1, z1, key):
        self.grid[x0:x1, y0:y1, z0:z1] = self.cat.id(key)

    def building(self, x0, y0, x1, y1, floors, key, roof="roof"):
        top = 1 + int(floors * STOREY_M / VOXEL_M + 0.5)
        self.box(x0, y0, 1, x1, y1, top, key)
        self.box(x0, y0, top, x1, y1, top + 1, roof)

    def perimeter(self, x0, y0, x1, y1, depth, floors, key, roof="roof"):
        """A Berlin-style perimeter block: four wings around a courtyard."""
        for wing in (
            (x0, y0, x1, y0 + depth),
            (x0, y1 - depth, x1, y1),
            (x0, y0, x0 + depth, y1),
            (x1 - depth, y0, x1, y1),
        ):
            self.building(*wing, floors, key, roof)

    def trees(self, points):
        for x, y in points:
            self.grid[x, y, 1:3] = self.cat.id("tree")


def _streets(b: Builder, bands: list[int], size: int, width: int) -> None:
    """Streets as bands across the whole quarter: footpath, road, footpath."""
    for start in bands:
        for axis in (0, 1):
            sl = [slice(0, size), slice(0, size)]
            sl[axis] = slice(start, start + width)
            b.grid[sl[0], sl[1], 0] = b.cat.id("footpath")
            sl[axis] = slice(start + 2, start + width - 2)
            b.grid[sl[0], sl[1], 0] = b.cat.id("road")


def demo(cat: Catalogue) -> LevelDocument:
    size, height = 128, 32
    b = Builder((size, size, height), cat)
    b.ground(0, 0, size, size, "grass")
    _streets(b, [0, 40, 80, 120], size, 8)
    b.ground(81, 0, 82, size, "bike_lane")
    b.ground(86, 0, 87, size, "bike_lane")
    b.ground(87, 58, 88, 64, "bus_stop")
    b.box(87, 58, 1, 88, 64, 2, "bus_stop")

    # South-west: perimeter housing with a green courtyard.
    b.perimeter(8, 8, 40, 40, 6, 5, "housing")
    b.trees([(20, 20), (26, 24), (22, 28)])
    # South: shops on the ground floor, flats above.
    b.perimeter(48, 8, 80, 40, 6, 4, "housing_affordable", roof="solar_roof")
    b.box(48, 8, 1, 80, 14, 3, "shop")
    b.ground(56, 16, 72, 32, "urban_garden")
    # South-east: the school with its yard and a sports court.
    b.building(88, 8, 120, 18, 3, "school", roof="solar_roof")
    b.building(88, 18, 98, 40, 3, "school")
    b.ground(98, 18, 120, 40, "plaza")
    b.ground(104, 24, 118, 36, "sports_court")
    # West: the park with a pond, a playground and benches.
    b.ground(8, 48, 40, 80, "grass")
    b.ground(12, 52, 22, 60, "water")
    b.ground(26, 66, 36, 76, "playground")
    b.ground(8, 62, 40, 64, "footpath")
    b.ground(23, 48, 25, 80, "footpath")
    b.box(22, 63, 1, 23, 64, 2, "bench")
    b.box(26, 63, 1, 27, 64, 2, "bench")
    b.trees([(10, 70), (14, 76), (18, 66), (30, 52), (36, 58), (12, 64), (34, 78)])
    # Centre: the empty lot students redesign, a former car park with an old workshop.
    b.ground(48, 48, 80, 80, "parking")
    b.ground(48, 48, 80, 50, "footpath")
    b.ground(66, 66, 80, 80, "grass")
    b.building(70, 70, 78, 78, 2, "workshop")
    b.trees([(52, 74), (60, 76)])
    b.locked[70:78, 70:78, :] = b.grid[70:78, 70:78, :] != 0
    for x, y in ((52, 74), (60, 76)):
        b.locked[x, y, 1:3] = True
    # East: offices and the market hall.
    b.building(88, 48, 104, 62, 6, "office", roof="green_roof")
    b.building(106, 48, 120, 62, 6, "office")
    b.building(88, 66, 120, 80, 2, "market_hall", roof="solar_roof")
    # North-west: rows of flats with lawns between them.
    for y0 in (88, 100, 112):
        b.building(10, y0, 38, y0 + 6, 4, "housing")
    # North: a taller perimeter block with a kindergarten in the courtyard.
    b.perimeter(48, 88, 80, 120, 6, 6, "housing", roof="green_roof")
    b.building(58, 98, 70, 110, 1, "kindergarten")
    # North-east: youth club, library and community centre around a small square.
    b.building(88, 88, 100, 100, 2, "youth_club")
    b.building(106, 88, 120, 100, 3, "library")
    b.building(88, 106, 104, 120, 2, "community_centre")
    b.ground(100, 100, 120, 120, "plaza")
    b.box(108, 108, 1, 114, 112, 2, "cafe_seating")

    zone = np.zeros((size, size), bool)
    zone[48:80, 48:80] = True
    return build_level_document(
        city=b.grid,
        zone_columns=zone,
        zone_top=24,
        locked=b.locked,
        catalogue=cat,
        id="demo",
        title={"de": "Das Viertel am alten Parkplatz", "en": "The quarter by the old car park"},
        description={
            "de": "Mitten im Viertel liegt ein großer Parkplatz. Die Stadt will ihn neu gestalten. "
            "Was braucht die Nachbarschaft hier: Wohnungen, einen Park, einen Treffpunkt?",
            "en": "A large car park lies in the middle of the quarter. The city wants to redesign it. "
            "What does the neighbourhood need here: homes, a park, a place to meet?",
        },
        voxel_size_m=VOXEL_M,
        storey_height_m=STOREY_M,
        budget=12_000_000,
        goals=[
            {
                "id": "green",
                "rule": {"kind": "threshold", "indicator": "green_factor", "at_least": 0.4},
                "text": {"de": "Grünfaktor mindestens 0,4", "en": "Green factor at least 0.4"},
            },
            {
                "id": "playground",
                "rule": {"kind": "count", "amenity": "playground", "at_least": 1},
                "text": {"de": "Ein Spielplatz", "en": "A playground"},
            },
            {
                "id": "bench-bus",
                "rule": {"kind": "placement", "block": "bench", "near": "bus_stop", "within_m": 20},
                "text": {
                    "de": "Eine Bank höchstens 20 m von der Bushaltestelle",
                    "en": "A bench within 20 m of the bus stop",
                },
            },
            {
                "id": "homes",
                "rule": {"kind": "threshold", "indicator": "dwellings", "at_least": 60},
                "text": {"de": "Mindestens 60 Wohnungen", "en": "At least 60 homes"},
            },
            {
                "id": "height",
                "rule": {"kind": "limit", "max_floors": 6},
                "text": {
                    "de": "Kein Gebäude höher als 6 Geschosse",
                    "en": "No building over 6 floors",
                },
            },
        ],
        markers=[
            {
                "position": [64, 60, 1],
                "text": {
                    "de": "Hier parken heute 300 Autos. Was soll hier entstehen?",
                    "en": "Today 300 cars park here. What should be built instead?",
                },
            },
            {
                "position": [74, 74, 6],
                "text": {
                    "de": "Die alte Werkstatt steht unter Denkmalschutz und bleibt.",
                    "en": "The old workshop is a listed building and stays.",
                },
            },
            {
                "position": [87, 60, 2],
                "text": {
                    "de": "Bushaltestelle: Hier warten viele Menschen. Gibt es eine Bank?",
                    "en": "Bus stop: many people wait here. Is there a bench?",
                },
            },
        ],
        source=SOURCE,
        licence=LICENCE,
    )


def tutorial(cat: Catalogue) -> LevelDocument:
    size, height = 32, 16
    b = Builder((size, size, height), cat)
    b.ground(0, 0, size, size, "grass")
    b.ground(0, 0, size, 6, "road")
    b.ground(0, 6, size, 8, "footpath")
    b.building(0, 10, 8, 30, 3, "housing")
    b.trees([(4, 8)])
    zone = np.zeros((size, size), bool)
    zone[10:30, 10:30] = True
    step = lambda key, de, en, rule: {"id": key, "text": {"de": de, "en": en}, "rule": rule}  # noqa: E731
    return build_level_document(
        city=b.grid,
        zone_columns=zone,
        zone_top=12,
        catalogue=cat,
        id="tutorial",
        title={"de": "Erste Schritte", "en": "First steps"},
        description={
            "de": "Lerne die Werkzeuge kennen: Jedes Ziel übt ein Werkzeug. Schaffst du alle sieben?",
            "en": "Learn the tools: each goal practises one tool. Can you reach all seven?",
        },
        voxel_size_m=VOXEL_M,
        storey_height_m=STOREY_M,
        budget=1_500_000,
        goals=[
            step(
                "place",
                "Bauen: Pflanze 3 Bäume",
                "Build: plant 3 trees",
                {"kind": "count", "block": "tree", "at_least": 3},
            ),
            step(
                "box",
                "Quader: Ein Spielplatz aus 12 Feldern",
                "Box: a playground of 12 squares",
                {"kind": "count", "block": "playground", "at_least": 12},
            ),
            step(
                "line",
                "Linie: Eine Reihe aus 6 Bänken",
                "Line: a row of 6 benches",
                {"kind": "count", "block": "bench", "at_least": 6},
            ),
            step(
                "fill",
                "Füllen: 100 Felder Gemeinschaftsgarten",
                "Fill: 100 squares of urban garden",
                {"kind": "count", "block": "urban_garden", "at_least": 100},
            ),
            step(
                "building",
                "Gebäude: Wohnungen für 4 Familien",
                "Building: homes for 4 families",
                {"kind": "threshold", "indicator": "dwellings", "at_least": 4},
            ),
            step(
                "paint",
                "Anmalen: Ein Dach wird Gründach",
                "Paint: turn a roof into a green roof",
                {"kind": "count", "block": "green_roof", "at_least": 1},
            ),
            step(
                "stamp",
                "Stempel: Kopiere dein Haus – Wohnungen für 8 Familien",
                "Stamp: copy your house – homes for 8 families",
                {"kind": "threshold", "indicator": "dwellings", "at_least": 8},
            ),
        ],
        markers=[
            {
                "position": [20, 20, 1],
                "text": {
                    "de": "Klicke hier, um deinen ersten Baustein zu setzen.",
                    "en": "Click here to place your first block.",
                },
            }
        ],
        source=SOURCE,
        licence=LICENCE,
    )


def write_all(folder: Path = HERE) -> list[Path]:
    cat = default_catalogue()
    paths = []
    for doc in (tutorial(cat), demo(cat)):
        path = folder / f"{doc.id}.level.json"
        path.write_text(doc.model_dump_json(indent=1, exclude_none=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"wrote {p} ({p.stat().st_size:,} bytes)")
