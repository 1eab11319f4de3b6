"""Every edit operation, on a 16×16×8 level whose zone is columns 4..11 up to height 6."""

import numpy as np
import pytest

from game.core.errors import QuartierError
from game.core.ops import (
    Box,
    Building,
    Fill,
    Line,
    Paint,
    Place,
    Remove,
    Stamp,
    StampOp,
    parse_script,
)
from game.core.session import Session


def ids(session, key):
    return session.level.catalogue.id(key)


def test_place_then_remove_a_single_voxel(level):
    s = Session(level)
    assert s.apply(Place(at=(5, 5, 1), block="tree")).changed == 1
    assert s.grid[5, 5, 1] == ids(s, "tree")
    assert s.apply(Remove(at=(5, 5, 1))).changed == 1
    assert s.grid[5, 5, 1] == 0


def test_paint_recolours_blocks_and_leaves_air_alone(level):
    s = Session(level)
    s.apply(Box(from_=(4, 4, 1), to=(5, 4, 1), block="housing"))
    result = s.apply(Paint(at=(4, 4, 1), to=(6, 4, 1), block="office"))
    assert result.changed == 2
    assert s.grid[6, 4, 1] == 0 and s.grid[5, 4, 1] == ids(s, "office")


def test_filled_box_sets_every_voxel_between_corners_in_any_order(level):
    s = Session(level)
    result = s.apply(
        Box.model_validate({"op": "box", "from": [7, 6, 3], "to": [5, 4, 1], "block": "housing"})
    )
    assert result.changed == 27
    assert (s.grid[5:8, 4:7, 1:4] == ids(s, "housing")).all()


def test_hollow_box_sets_only_the_shell(level):
    s = Session(level)
    result = s.apply(Box(from_=(4, 4, 1), to=(8, 8, 5), block="housing", hollow=True))
    assert result.changed == 125 - 27
    assert s.grid[6, 6, 3] == 0 and s.grid[4, 6, 3] == ids(s, "housing")


def test_line_is_one_voxel_per_step_and_includes_both_ends(level):
    s = Session(level)
    assert s.apply(Line(from_=(4, 4, 1), to=(10, 7, 1), block="bench")).changed == 7
    assert s.grid[4, 4, 1] and s.grid[10, 7, 1]
    diagonal = s.apply(Line(from_=(4, 11, 1), to=(11, 4, 1), block="tree"))
    assert diagonal.changed == 8


def test_fill_spreads_over_the_same_block_on_one_layer_inside_the_zone(level):
    s = Session(level)
    s.apply(Line(from_=(4, 8, 0), to=(11, 8, 0), block="road"))  # splits the zone's lawn in two
    result = s.apply(Fill(at=(5, 5, 0), block="plaza"))
    assert result.changed == 8 * 4 and result.skipped == 0
    assert (s.grid[4:12, 4:8, 0] == ids(s, "plaza")).all()
    assert (s.grid[4:12, 9:12, 0] == ids(s, "grass")).all()
    assert (s.grid[0:4, :, 0] == ids(s, "grass")).all()


def test_fill_follows_a_winding_corridor_and_stops_at_walls(level):
    s = Session(level)
    s.apply(Box(from_=(4, 4, 1), to=(11, 11, 1), block="housing"))
    corridor = np.zeros((16, 16), bool)
    corridor[4, 4:12] = corridor[4:8, 11] = corridor[7, 4:12] = corridor[7:11, 4] = corridor[
        10, 4:12
    ] = True
    s.grid[:, :, 1][corridor] = 0
    result = s.apply(Fill(at=(4, 4, 1), block="footpath"))
    assert result.changed == corridor.sum()
    assert np.array_equal(s.grid[:, :, 1] == ids(s, "footpath"), corridor)


def test_building_from_rectangle_has_walls_and_a_roof(level):
    s = Session(level)
    s.apply(Building(from_=(4, 4), to=(8, 5), floors=1, block="housing", roof="green_roof"))
    wall_height = level.floors_to_voxels(1)
    assert (s.grid[4:9, 4:6, 1 : 1 + wall_height] == ids(s, "housing")).all()
    assert (s.grid[4:9, 4:6, 1 + wall_height] == ids(s, "green_roof")).all()


def test_building_from_polygon_fills_the_cells_inside(level):
    s = Session(level)
    s.apply(Building(polygon=[(4, 4), (10, 4), (4, 10)], floors=1, roof="air"))
    footprint = s.grid[:, :, 1] == ids(s, "housing")
    assert footprint[4, 4] and footprint[8, 4] and not footprint[9, 9]
    # Cells whose centre lies on or beyond the hypotenuse x + y = 14 stay empty.
    assert footprint.sum() == 5 + 4 + 3 + 2 + 1


def test_a_building_taller_than_the_level_is_refused(level):
    with pytest.raises(QuartierError, match="does not fit"):
        Session(level).apply(Building(from_=(4, 4), to=(5, 5), floors=40))


def test_stamp_copies_rotates_and_mirrors(level):
    s = Session(level)
    s.apply(Box(from_=(4, 4, 1), to=(6, 4, 1), block="housing"))
    s.apply(Place(at=(4, 4, 2), block="roof"))
    stamp = Stamp.copy(s.grid, (4, 4, 1), (6, 4, 2))
    assert stamp.blocks.shape == (3, 1, 2)
    assert stamp.rotated(1).blocks.shape == (1, 3, 2)
    assert stamp.mirrored("x").blocks[2, 0, 1] == ids(s, "roof")
    result = s.apply(StampOp(from_=(4, 4, 1), to=(6, 4, 2), at=(8, 6, 1), rotate=90))
    assert result.changed == 4
    assert (s.grid[8, 6:9, 1] == ids(s, "housing")).all()


def test_edits_outside_the_zone_or_on_locked_voxels_are_clipped_and_reported(level_factory):
    locked = np.zeros((16, 16, 8), bool)
    locked[6, 6, 1] = True
    level = level_factory(locked=locked)
    s = Session(level)
    result = s.apply(Box(from_=(2, 6, 1), to=(6, 6, 1), block="housing"))
    assert result.skipped_outside_zone == 2
    assert result.skipped_locked == 1
    assert result.changed == 2
    above = s.apply(Box(from_=(5, 5, 5), to=(5, 5, 7), block="housing"))
    assert above.skipped_outside_zone == 2 and above.changed == 1


def test_a_block_the_level_does_not_allow_is_refused_and_nothing_changes(level_factory):
    level = level_factory(allowed=["grass", "tree"])
    s = Session(level)
    with pytest.raises(QuartierError, match="cannot be used"):
        s.apply(Box(from_=(4, 4, 1), to=(6, 6, 1), block="housing"))
    assert np.array_equal(s.grid, level.city)


def test_positions_outside_the_level_are_a_clear_error(level):
    with pytest.raises(QuartierError, match=r"\(20, 1, 1\) is outside the level \(16×16×8\)"):
        Session(level).apply(Place(at=(20, 1, 1), block="tree"))


def test_scripts_parse_every_operation_plus_undo_and_redo():
    script = parse_script("""[
        {"op": "place", "at": [1, 2, 3], "block": "tree"}, {"op": "remove", "at": [1, 2, 3]},
        {"op": "paint", "at": [1, 1, 1], "block": "office"},
        {"op": "box", "from": [0, 0, 0], "to": [1, 1, 1], "block": "housing", "hollow": true},
        {"op": "line", "from": [0, 0, 0], "to": [3, 3, 0], "block": "footpath"},
        {"op": "fill", "at": [0, 0, 0], "block": "grass"},
        {"op": "building", "from": [0, 0], "to": [2, 2], "floors": 3},
        {"op": "stamp", "from": [0, 0, 0], "to": [1, 1, 1], "at": [5, 5, 1], "rotate": 270, "mirror": "y"},
        {"op": "undo"}, {"op": "redo"}]""")
    assert [s.op for s in script] == [
        "place",
        "remove",
        "paint",
        "box",
        "line",
        "fill",
        "building",
        "stamp",
        "undo",
        "redo",
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ('[{"op": "explode"}]', "op"),
        ('[{"op": "box", "from": [0, 0], "to": [1, 1, 1], "block": "x"}]', "from"),
        ('[{"op": "building", "floors": 2}]', "either 'from' and 'to' or 'polygon'"),
        ('{"op": "place"}', "list"),
        ('[{"op": "place", "at": [1, 2, 3], "block": "tree"', "not valid JSON"),
    ],
)
def test_broken_scripts_are_refused_naming_the_field(text, message):
    with pytest.raises(QuartierError, match=message):
        parse_script(text)


def test_a_stamp_cannot_smuggle_in_blocks_the_level_does_not_allow(level_factory):
    level = level_factory(allowed=["grass", "tree"])
    s = Session(level)
    s.grid[1, 1, 1] = s.level.catalogue.id("school")  # part of the existing city, outside the zone
    with pytest.raises(QuartierError, match="'school' cannot be used"):
        s.apply(StampOp(from_=(1, 1, 1), to=(1, 1, 1), at=(5, 5, 1)))
