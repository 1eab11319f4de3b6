"""User-visible text in German and English, read from the string tables in assets/strings.

Imports neither pydantic nor numpy: every command line starts here, `quartier --version` too.
The texts that levels and the catalogue carry in both languages are `game.core.bilingual.Text`.
"""

import json
import os
from functools import cache
from typing import Literal

from game.core.resources import data_dir

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")


@cache
def _table(lang: Language) -> dict[str, str]:
    with open(data_dir("assets") / "strings" / f"{lang}.json", encoding="utf-8") as f:
        table: dict[str, str] = json.load(f)
    return table


def text(lang: Language, key: str, /, **params: object) -> str:
    """The string `key` in `lang` with `params` filled in; an unknown key shows itself."""
    template = _table(lang).get(key, key)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def keys(lang: Language) -> set[str]:
    return set(_table(lang))


def detect_language(environ: dict[str, str] | None = None) -> Language:
    """The UI language: QUARTIER_LANG, else the system locale; German if it says German."""
    env = os.environ if environ is None else environ
    for var in ("QUARTIER_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"
