"""Text a pupil types that others will read: no characters that hide or reorder what is shown.

A right-to-left override (U+202E) makes "gpj.exe" read as "exe.jpg"; zero-width and filler
characters make two titles or names that look alike differ, or a title look empty. These are
refused rather than removed, so the pupil sees what is stored.
"""

import re
import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that show as
# nothing. Python's unicodedata has no such property, and some of them (the Hangul fillers)
# count as letters.
DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Ignorable, yet what makes "❤️" an emoji rather than a black glyph: allowed in titles.
_EMOJI_STYLE = frozenset("\ufe0e\ufe0f")
# Format (Cf: bidi controls, zero-width space/joiners, soft hyphen, BOM), control (Cc),
# private use, unassigned and surrogate code points, and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"})
_BRAILLE_BLANK = "\u2800"  # a symbol that shows as nothing, and not ignorable


def hidden_character(value: str, *, newlines: bool = False) -> str | None:
    """The first character of `value` that hides or reorders text, as "U+202E"; None if none.

    `newlines` allows line feeds (and tabs) in longer texts such as a description.
    """
    for char in value:
        if (newlines and char in "\n\t") or char in _EMOJI_STYLE:
            continue
        if (
            char == _BRAILLE_BLANK
            or unicodedata.category(char) in _HIDDEN_CATEGORIES
            or DEFAULT_IGNORABLE.match(char)
        ):
            return f"U+{ord(char):04X}"
    return None
