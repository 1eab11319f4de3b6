"""`find_level` decodes a level once per process and picks up a level file that changed."""

import json

from game.io import levels
from game.io.levels import KEPT_LEVELS, find_level
from game.io.paths import levels_dir
from game.io.storage import write_atomic


def user_level(level_id: str, title: str = "Test") -> None:
    """A copy of the demo level under another id (and title) in the user's level folder."""
    doc = json.loads((levels.data_dir("levels") / "demo.level.json").read_text())
    doc.update(id=level_id, title={"de": title, "en": title})
    levels_dir().mkdir(parents=True, exist_ok=True)
    write_atomic(levels_dir() / f"{level_id}.level.json", json.dumps(doc).encode())


def test_a_level_is_decoded_once_and_shared_until_its_file_changes():
    user_level("mine", "Before")
    first = find_level("mine")
    assert find_level("mine") is first  # no second decoding
    user_level("mine", "After")
    changed = find_level("mine")
    assert changed is not first and changed.doc.title.en == "After"
    assert find_level("mine") is changed


def test_a_level_written_twice_within_its_timestamps_granularity_is_still_picked_up():
    """Same size, same second: the stamp alone cannot tell, the content hash does."""
    user_level("quick", "Aaaa")
    assert find_level("quick").doc.title.en == "Aaaa"
    path = levels_dir() / "quick.level.json"
    path.write_text(path.read_text().replace("Aaaa", "Bbbb"))  # in place: same inode and size
    assert find_level("quick").doc.title.en == "Bbbb"


def test_only_the_last_few_levels_are_kept_decoded():
    ids = [f"level{n}" for n in range(KEPT_LEVELS + 1)]
    for level_id in ids:
        user_level(level_id)
    first = find_level(ids[0])
    for level_id in ids[1:]:
        find_level(level_id)
    assert find_level(ids[-1]) is find_level(ids[-1])
    assert find_level(ids[0]) is not first  # the least recently used was dropped


def test_another_catalogue_gets_its_own_level_not_the_shared_one(catalogue):
    assert find_level("demo", catalogue) is not find_level("demo")
