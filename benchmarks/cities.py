"""A synthetic but realistic city for benchmarks: streets, perimeter blocks of varied height, courtyards, trees."""

import numpy as np

from game.core.catalogue import default_catalogue
from game.core.level import Level, build_level_document


def city_grid(shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    cat = default_catalogue()
    rng = np.random.default_rng(seed)
    grid = np.zeros(shape, np.uint8)
    grid[:, :, 0] = cat.id("grass")
    pitch, street = 40, 8
    for start in range(0, max(shape[:2]), pitch):
        grid[start : start + street, :, 0] = cat.id("footpath")
        grid[:, start : start + street, 0] = cat.id("footpath")
        grid[start + 2 : start + street - 2, :, 0] = cat.id("road")
        grid[:, start + 2 : start + street - 2, 0] = cat.id("road")
    uses = ["housing", "housing", "housing_affordable", "office", "school"]
    roofs = ["roof", "roof", "green_roof", "solar_roof"]
    for bx in range(street, shape[0] - 6, pitch):
        for by in range(street, shape[1] - 6, pitch):
            x1, y1 = min(bx + pitch - street, shape[0]), min(by + pitch - street, shape[1])
            depth = 6
            for x0w, y0w, x1w, y1w in (
                (bx, by, x1, by + depth),
                (bx, y1 - depth, x1, y1),
                (bx, by, bx + depth, y1),
                (x1 - depth, by, x1, y1),
            ):
                # Each wing in a few houses of different heights, like a real street front.
                cuts = (
                    np.sort(rng.integers(x0w + 1, max(x0w + 2, x1w - 1), 2))
                    if x1w - x0w > y1w - y0w
                    else None
                )
                segments = (
                    [(x0w, cuts[0]), (cuts[0], cuts[1]), (cuts[1], x1w)]
                    if cuts is not None
                    else [(x0w, x1w)]
                )
                for sx0, sx1 in segments:
                    if sx1 <= sx0:
                        continue
                    top = int(rng.integers(4, min(shape[2] - 2, 16)))
                    grid[sx0:sx1, y0w:y1w, 1:top] = cat.id(str(rng.choice(uses)))
                    grid[sx0:sx1, y0w:y1w, top] = cat.id(str(rng.choice(roofs)))
            trees = rng.integers(
                [bx + depth + 1, by + depth + 1],
                [max(bx + depth + 2, x1 - depth - 1), max(by + depth + 2, y1 - depth - 1)],
                (6, 2),
            )
            for tx, ty in trees:
                grid[tx, ty, 1:3] = cat.id("tree")
    return grid


def city_level(shape: tuple[int, int, int], seed: int = 0) -> Level:
    cat = default_catalogue()
    grid = city_grid(shape, seed)
    zone = np.zeros(shape[:2], bool)
    zone[shape[0] // 4 : shape[0] * 3 // 4, shape[1] // 4 : shape[1] * 3 // 4] = True
    doc = build_level_document(
        city=grid,
        zone_columns=zone,
        zone_top=shape[2],
        catalogue=cat,
        id="bench",
        title={"de": "Stadt", "en": "City"},
        description={"de": "", "en": ""},
        voxel_size_m=2,
        budget=1e9,
        source="benchmarks/cities.py",
        licence="CC0-1.0",
    )
    return Level(doc, cat)
