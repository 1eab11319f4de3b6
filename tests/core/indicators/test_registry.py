"""The registry lists exactly the indicators the CLI prints, each named and explained in both languages."""

import re
from pathlib import Path

import game.core.indicators as package
from game.core.i18n import keys, text
from game.core.indicators import INDICATORS, by_key
from game.core.indicators.budget import Cost
from game.core.indicators.green import SealedShare
from game.core.indicators.uses import Dwellings

KEYS = [
    "grz",
    "gfz",
    "sealed_share",
    "green_factor",
    "landuse_mix",
    "dwellings",
    "jobs",
    "walk_playground",
    "walk_park",
    "walk_school",
    "walk_shop",
    "sun_open_space",
    "sun_hours",
    "cost",
    "budget",
]


def test_registry_lists_exactly_the_agreed_keys_once_each():
    assert [cls.key for cls in INDICATORS] == KEYS
    assert by_key("gfz").key == "gfz"


def test_every_indicator_has_a_name_and_an_explanation_in_german_and_english():
    for lang in ("de", "en"):
        table = keys(lang)
        for cls in INDICATORS:
            assert f"indicator.{cls.key}" in table and f"indicator.{cls.key}.explain" in table
            assert cls.name(lang) and cls.explain(lang) != cls.name(lang)
    assert text("de", "indicator.green_factor") == "Grünfaktor"


def test_only_walking_and_sunlight_are_expensive_and_units_are_known():
    expensive = {cls.key for cls in INDICATORS if cls.expensive}
    assert expensive == {
        "walk_playground",
        "walk_park",
        "walk_school",
        "walk_shop",
        "sun_open_space",
        "sun_hours",
    }
    assert {cls.unit for cls in INDICATORS} <= {"", "%", "m", "h", "€"}


def test_values_are_shown_the_way_a_student_reads_them_in_each_language():
    assert SealedShare.display(0.426, "en") == "43 %"
    assert Cost.display(1234567.4, "de") == "1.234.567 €"
    assert Cost.display(1234567.4, "en") == "1,234,567 €"
    assert Dwellings.display(12.0, "de") == "12"
    assert by_key("gfz").display(1.25, "de") == "1,25"
    assert by_key("sun_hours").display(7.25, "en") == "7.2 h"


def test_every_note_an_indicator_can_attach_exists_in_both_languages():
    used = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        used |= set(re.findall(r'"(indicator\.note\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert len(used) == 4
    assert used <= keys("en") and used <= keys("de")


def test_every_indicator_has_a_plain_name_an_icon_and_the_planning_term_only_in_the_explanation():
    terms = {"grz": "GRZ", "gfz": "GFZ", "green_factor": "Biotopflächenfaktor"}
    for lang in ("de", "en"):
        for cls in INDICATORS:
            assert cls.icon, cls.key
            assert not re.search(r"GRZ|GFZ|BFF|\(", cls.name(lang)), cls.name(lang)
        for key, term in terms.items():
            assert term in by_key(key).explain(lang)


def test_an_unchanged_value_has_no_trend_even_when_it_differs_below_what_is_shown():
    share = by_key("walk_playground")
    assert share.trend(0.5, None) == 0
    assert share.trend(0.5, 0.5) == 0
    assert share.trend(0.5012, 0.5) == 0  # both read "50 %": no arrow, no "+0 %" in red
    assert share.trend(0.52, 0.5) == 1 and share.trend(0.48, 0.5) == -1
    assert by_key("gfz").trend(1.004, 1.0) == 0 and by_key("gfz").trend(1.01, 1.0) == 1
