import json

import pytest

from game.core.catalogue import Catalogue
from game.core.errors import QuartierError
from game.core.resources import data_dir

REQUIRED_CATEGORIES = {"housing", "work", "public", "streets", "nature", "leisure", "energy"}
REQUIRED_BLOCKS = {
    "school",
    "youth_club",
    "library",
    "road",
    "bike_lane",
    "footpath",
    "plaza",
    "bus_stop",
    "parking",
    "grass",
    "tree",
    "flower_bed",
    "water",
    "green_roof",
    "urban_garden",
    "playground",
    "sports_court",
    "skate_park",
    "bench",
    "cafe_seating",
    "stage",
    "solar_roof",
    "wind_turbine",
}


def test_catalogue_offers_at_least_30_blocks_in_the_required_categories(catalogue):
    assert len(catalogue.blocks) >= 30
    assert {c.key for c in catalogue.categories} >= REQUIRED_CATEGORIES
    assert {b.key for b in catalogue.blocks} >= REQUIRED_BLOCKS
    for category in REQUIRED_CATEGORIES:
        assert catalogue.in_category(category), category


def test_every_block_has_both_names_a_colour_and_indicator_properties(catalogue):
    for block in catalogue.blocks:
        assert block.name.de and block.name.en
        assert len(block.rgb) == 3
        assert 0 <= block.sealed <= 1 and 0 <= block.green <= 1
    housing = catalogue.block("housing")
    assert housing.building and housing.use == "housing"
    assert catalogue.block("playground").amenity == "playground"
    assert catalogue.block("footpath").walkable


def test_lookup_tables_follow_the_catalogue_ids(catalogue):
    tree = catalogue.block("tree")
    assert tuple(catalogue.colors[tree.id]) == tree.rgb
    assert catalogue.costs[tree.id] == tree.cost
    assert catalogue.id("air") == 0 and catalogue.key(0) == "air"


def test_unknown_block_key_is_a_clear_error(catalogue):
    with pytest.raises(QuartierError, match="Unknown block 'unicorn'"):
        catalogue.id("unicorn")


@pytest.mark.parametrize(
    "mutate, problem",
    [
        (lambda d: d["blocks"].append(dict(d["blocks"][0])), "unique"),
        (lambda d: d["blocks"][0].update(category="space"), "unknown category"),
        (lambda d: d["blocks"][0].update(color="red"), "color"),
        (lambda d: d["blocks"][0].update(sealed=1.5), "sealed"),
        (lambda d: d["blocks"][3].update(use="housing", building=False), "not a building"),
    ],
)
def test_a_broken_catalogue_is_refused_naming_the_problem(tmp_path, mutate, problem):
    raw = json.loads((data_dir("assets") / "blocks.json").read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "blocks.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(QuartierError, match=problem):
        Catalogue.load(path)
