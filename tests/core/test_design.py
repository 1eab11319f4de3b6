import base64
import json
import zlib

import numpy as np
import pytest

from game.core.design import new_design, open_design, parse_design, save_changes, summary
from game.core.errors import QuartierError
from game.core.ops import Box, Place
from game.core.session import Session


def built(level) -> tuple[str, Session]:
    s = Session(level)
    s.apply(Box(from_=(4, 4, 1), to=(7, 6, 3), block="housing"))
    s.apply(Place(at=(9, 9, 0), block="air"))
    doc = save_changes(new_design(level, "test", title="Mein Park", pseudonym="Fox"), s, "test")
    return doc.to_json(), s


def test_a_design_round_trips_exactly(level):
    text, session = built(level)
    reopened = open_design(parse_design(text), level)
    assert np.array_equal(reopened.grid, session.grid)
    doc = parse_design(text)
    assert doc.title == "Mein Park" and doc.pseudonyms == ["Fox"]
    assert doc.level.id == level.id and doc.level.sha256 == level.sha256
    assert doc.changes.count == 4 * 3 * 3 + 1


def test_a_design_stores_only_the_changes_and_is_readable_json(level):
    text, _ = built(level)
    raw = json.loads(text)
    assert set(raw["changes"]) == {"encoding", "count", "palette", "data"}
    assert sorted(raw["changes"]["palette"]) == ["air", "housing"]
    assert len(text) < 2000


def test_summary_counts_added_removed_blocks_and_cost(level, catalogue):
    _, session = built(level)
    info = summary(session)
    assert info["added_voxels"] == 36 and info["removed_voxels"] == 1
    assert info["blocks"] == {"housing": 36}
    assert info["cost"] == 36 * catalogue.block("housing").cost


def test_a_version_1_design_with_one_author_is_migrated(level):
    text, _ = built(level)
    raw = json.loads(text)
    raw["schema_version"] = 1
    raw["author"] = raw.pop("pseudonyms")[0]
    doc = parse_design(json.dumps(raw))
    assert doc.schema_version == 2 and doc.pseudonyms == ["Fox"]


def _hostile(level, mutate) -> str:
    raw = json.loads(built(level)[0])
    mutate(raw)
    return json.dumps(raw)


BOMB = base64.b64encode(zlib.compress(bytes(20_000_000), 9)).decode()

HOSTILE = {
    "truncated": (lambda r: None, "not valid JSON"),
    "wrong types": (lambda r: r.update(title=5), "title"),
    "count as text": (lambda r: r["changes"].update(count="many"), "count"),
    "newer version": (lambda r: r.update(schema_version=3), "newer Quartier"),
    "not a design": (lambda r: r.update(format="quartier.level"), "not a quartier.design"),
    "huge count": (lambda r: r["changes"].update(count=10**12), "does not fit"),
    "zip bomb": (lambda r: r["changes"].update(data=BOMB, count=100), "does not fit"),
    "garbage payload": (lambda r: r["changes"].update(data="@@@@"), "damaged"),
    "wrong level hash": (lambda r: r["level"].update(sha256="0" * 64), "another version of level"),
    "other level": (lambda r: r["level"].update(id="berlin"), "belongs to level 'berlin'"),
    "unknown block key": (
        lambda r: r["changes"]["palette"].__setitem__(1, "dragon"),
        "Unknown block 'dragon'",
    ),
    "palette too short": (lambda r: r["changes"].update(palette=["air"]), "damaged"),
    "bad uuid": (lambda r: r.update(id="123"), "id"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_broken_and_hostile_designs_are_refused_with_a_clear_message(level, name):
    mutate, message = HOSTILE[name]
    text = _hostile(level, mutate)
    if name == "truncated":
        text = text[: len(text) // 2]
    with pytest.raises(QuartierError, match=message):
        open_design(parse_design(text, what="x.design.json"), level, what="x.design.json")


def test_messages_are_given_in_german_too(level):
    text = _hostile(level, lambda r: r["level"].update(sha256="0" * 64))
    with pytest.raises(QuartierError) as info:
        open_design(parse_design(text), level)
    assert "andere Version des Levels" in info.value.message("de")
