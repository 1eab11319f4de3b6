"""L10: a design's title, description and pseudonyms refuse characters that hide or reorder
text (bidi overrides, zero-width and filler characters), in `design validate` and on the server."""

import json

import pytest
from live_server import design_text

from game.cli import main
from game.core.design import parse_design
from game.core.errors import QuartierError

HIDDEN = {
    "rtl override": "Park\u202egpj.exe",
    "rtl isolate": "Park\u2067x\u2069",
    "left-to-right mark": "Park\u200e",
    "zero-width space": "Pa\u200brk",
    "zero-width joiner": "Pa\u200drk",
    "word joiner": "Pa\u2060rk",
    "byte order mark": "\ufeffPark",
    "soft hyphen": "Pa\u00adrk",
    "hangul filler": "Park\u3164",
    "braille blank": "\u2800",
    "combining grapheme joiner": "Pa\u034frk",
    "line separator": "Park\u2028",
    "private use": "Park\ue000",
    "escape": "Park\x1b[31m",
    "tag character": "Park\U000e0041",
    "hangul jungseong filler": "Park\u1160",
}


def with_fields(**fields) -> str:
    raw = json.loads(design_text())
    raw.update(fields)
    return json.dumps(raw)


@pytest.mark.parametrize("field", ["title", "description", "pseudonyms"])
@pytest.mark.parametrize("value", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_characters_are_refused_in_every_text_field(field, value):
    text = with_fields(**{field: [value] if field == "pseudonyms" else value})
    with pytest.raises(QuartierError) as refused:
        parse_design(text)
    assert refused.value.key == "error.hidden_character"
    assert field in refused.value.message("en") and "U+" in refused.value.message("de")


@pytest.mark.parametrize(
    "title",
    [
        "Unser Platz",
        "Grünfläche für alle",
        "Парк",
        "حديقة",
        "公园 🌳",
        "Café",
        "Ｐａｒｋ",
        "Park ❤️",
    ],
)
def test_ordinary_titles_in_any_script_are_kept(title):
    assert parse_design(with_fields(title=title, pseudonyms=[title[:8]])).title == title


def test_a_description_may_have_lines_and_tabs():
    description = "Mehr Bäume.\n\tUnd eine Bank.\n"
    assert parse_design(with_fields(description=description)).description == description
    with pytest.raises(QuartierError):
        parse_design(with_fields(title="Park\nWiese"))


def test_design_validate_refuses_an_rtl_override_title_with_one_line(tmp_path, capsys):
    path = tmp_path / "rtl.design.json"
    path.write_text(with_fields(title="Park\u202egpj.exe"), encoding="utf-8")
    assert main(["--lang", "de", "design", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "U+202E" in err and "Schreibrichtung" in err and "Traceback" not in err


def test_the_server_refuses_a_zero_width_title_with_422_and_the_reason(server):
    workshop = server.workshop()
    pupil = server.join(workshop, "Fox")
    text = with_fields(title="Pa\u200brk")
    uuid = json.loads(text)["id"]
    response = server.client.put(f"/api/v1/submissions/{uuid}", content=text, headers=pupil)
    assert response.status_code == 422
    assert "U+200B" in response.json()["error"]["message"]


def test_the_editor_refuses_a_pasted_rtl_override_before_saving_or_queueing(level):
    from game import __version__
    from game.app.editor import Editor
    from game.core.design import new_design
    from game.core.session import Session

    editor = Editor(Session(level), new_design(level, __version__), None, "de")
    try:
        assert not editor.submit("Park\u202egpj.exe", "", "Fox")
        assert "U+202E" in editor.current_toast()
        assert not editor.path.exists() and editor.outbox.pending() == []
        assert not editor.save(title="Pa\u200brk") and not editor.path.exists()
        assert editor.submit("Park", "Bäume\nund Bänke", "Fox")
    finally:
        editor.close()
