import re

from game.core.i18n import detect_language, keys, text


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"{(\w+)", template))


def test_german_and_english_tables_have_the_same_keys_and_placeholders():
    assert keys("de") == keys("en")
    for key in keys("en"):
        assert _placeholders(text("de", key)) == _placeholders(text("en", key)), key


def test_language_follows_quartier_lang_then_the_system_locale():
    assert detect_language({"QUARTIER_LANG": "de"}) == "de"
    assert detect_language({"LANG": "de_DE.UTF-8"}) == "de"
    assert detect_language({"LANG": "fr_FR.UTF-8"}) == "en"
    assert detect_language({}) == "en"


def test_a_message_with_a_missing_parameter_still_shows_its_template():
    assert "{path}" in text("en", "error.file_not_found")
