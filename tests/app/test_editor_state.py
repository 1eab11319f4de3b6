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
        assert editor.current_toast() == "The block 'road' cannot be used in this level."
    finally:
        editor.close()
