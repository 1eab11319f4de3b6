import json

import numpy as np
import pytest

from game.core.errors import QuartierError
from game.core.level import Level, parse_level
from game.core.resources import data_dir


def demo_text() -> str:
    return (data_dir("levels") / "demo.level.json").read_text(encoding="utf-8")


def test_the_demo_level_decodes_with_a_zone_locked_voxels_goals_and_markers(catalogue):
    level = Level(parse_level(demo_text()), catalogue)
    assert level.shape == (128, 128, 32)
    assert level.zone_columns.sum() == 32 * 32
    assert level.locked.any() and not level.editable[level.locked].any()
    assert len(level.doc.goals) >= 3 and level.doc.markers
    assert level.doc.source and level.doc.licence
    assert not level.city.flags.writeable


def test_floors_become_voxels_by_storey_height_and_voxel_size(level_factory):
    assert level_factory(voxel_size_m=1.0).floors_to_voxels(2) == 6
    assert level_factory(voxel_size_m=3.0).floors_to_voxels(2) == 2
    assert level_factory(voxel_size_m=2.0).floors_to_voxels(1) == 2  # 1.5 rounds up


def test_the_level_hash_ignores_texts_but_not_voxels(catalogue):
    raw = json.loads(demo_text())
    base = Level(parse_level(json.dumps(raw)), catalogue).sha256
    raw["description"]["en"] = "A typo fixed."
    raw["budget"] = 1
    assert Level(parse_level(json.dumps(raw)), catalogue).sha256 == base
    raw["zone"]["top"] = 10
    assert Level(parse_level(json.dumps(raw)), catalogue).sha256 != base


def _mutated(mutate) -> str:
    raw = json.loads(demo_text())
    mutate(raw)
    return json.dumps(raw)


@pytest.mark.parametrize(
    "text, message",
    [
        (demo_text()[:5000], "not valid JSON"),
        ("[]", "must contain a JSON object"),
        (_mutated(lambda r: r.update(schema_version=99)), "newer Quartier"),
        (_mutated(lambda r: r.pop("schema_version")), "schema_version"),
        (_mutated(lambda r: r.update(format="quartier.design")), "not a quartier.level"),
        (
            _mutated(lambda r: r.update(dimensions=[100000, 100000, 100000])),
            "dimension x must be 1..512",
        ),
        (_mutated(lambda r: r.update(voxel_size_m="big")), "voxel_size_m"),
        (_mutated(lambda r: r["markers"][0].update(position=[500, 1, 1])), "outside the level"),
        (_mutated(lambda r: r.update(licence="")), "licence"),
    ],
)
def test_broken_level_files_are_refused_with_a_clear_message(text, message):
    with pytest.raises(QuartierError, match=message):
        parse_level(text, what="demo.level.json")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r["city"]["palette"].append("unicorn"), "Unknown block 'unicorn'"),
        (lambda r: r["city"].update(data=r["zone"]["columns"]["data"]), "does not fit"),
        (
            lambda r: r.update(dimensions=[128, 128, 31], zone=dict(r["zone"], top=20)),
            "does not fit",
        ),
        (lambda r: r.update(allowed_blocks=["grass", "dragon"]), "Unknown block 'dragon'"),
    ],
)
def test_levels_whose_voxels_do_not_decode_are_refused(catalogue, mutate, message):
    with pytest.raises(QuartierError, match=message):
        Level(parse_level(_mutated(mutate)), catalogue)


def test_unchanged_city_voxels_outside_the_zone_stay_read_only(level):
    with pytest.raises(ValueError):
        level.city[0, 0, 0] = 1
    assert np.array_equal(level.editable[:, :, 6:], np.zeros_like(level.editable[:, :, 6:]))
