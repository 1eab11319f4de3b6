"""The editor's state without a window: what a student sees when a choice is refused."""

from game import __version__
from game.app.editor import Editor
from game.core.design import new_design
from game.core.session import Session


def test_a_block_the_level_does_not_allow_is_refused_with_a_message(level_factory):
    """The eyedropper picks any block of the city; one the level forbids must not crash."""
    level = level_factory(allowed=["housing", "grass"])
    editor = Editor(Session(level), new_design(level, __version__), None, "en")
    try:
        editor.select_block("road")
        assert editor.block == "housing"
        assert editor.current_toast() == (
            "The block 'road' cannot be used in this level. Choose another block."
        )
    finally:
        editor.close()


def _demo_editor(lang="en"):
    from game.core.catalogue import default_catalogue
    from game.core.level import Level, parse_level
    from game.core.resources import data_dir

    path = data_dir("levels") / "demo.level.json"
    level = Level(parse_level(path.read_text(encoding="utf-8")), default_catalogue())
    return Editor(Session(level), new_design(level, __version__), None, lang)


def test_blocks_above_the_height_limit_are_left_out_with_the_limit_named_not_the_zone():
    from game.core.ops import Box

    editor = _demo_editor()
    try:
        result = editor.apply(Box(from_=(60, 60, 1), to=(60, 60, 30), block="housing"))
        assert result is not None and result.changed == 23 and result.skipped_too_high == 7
        toast = editor.current_toast()
        assert "7 blocks too high: this level allows 15 floors (46 m)" in toast, toast
        assert "outside" not in toast
    finally:
        editor.close()


def test_a_building_taller_than_the_floor_goal_is_built_with_a_warning():
    from game.core.ops import Building

    editor = _demo_editor()
    try:
        op = Building(from_=(60, 60), to=(63, 63), floors=10, block="housing", roof="roof")
        assert editor.apply(op).changed > 0
        assert editor.current_toast() == (
            "Careful: this building has 10 floors; the goal allows 6."
            " Take floors away to reach the goal."
        )
        editor.apply(Building(from_=(70, 70), to=(72, 72), floors=4, block="housing", roof="roof"))
        assert "Careful" not in (editor.current_toast() or "")
    finally:
        editor.close()


def test_a_goal_reached_is_celebrated_once_with_a_sound_that_can_be_muted():
    from game.core.ops import Box, Place

    editor = _demo_editor()
    chimes = []
    editor.on_celebrate = lambda: chimes.append(1)
    try:
        editor.check_goals()
        assert editor.current_celebration() is None  # what the level starts with is no news
        editor.apply(Box(from_=(68, 52, 0), to=(72, 56, 0), block="playground"))
        editor.check_goals()
        message, phase = editor.current_celebration()
        assert message == "★ A new star! You have 1 of 3."  # 2 of 5 goals met
        assert 0 <= phase < 1 and chimes == [1]
        editor.undo()
        editor.check_goals()
        editor.redo()
        editor.check_goals()
        assert chimes == [1]  # the same goal again is not news
        editor.toggle_sound()
        assert "F6" in editor.current_toast()
        editor.apply(Place(at=(79, 60, 1), block="bench"))
        editor.check_goals()
        assert (
            editor.current_celebration()[0] == "✓ Goal reached: A bench within 20 m of the bus stop"
        )
        assert chimes == [1]  # muted
    finally:
        editor.close()
