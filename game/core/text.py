"""Text a pupil types that others will read: no characters that hide or reorder what is shown.

A right-to-left override (U+202E) makes "gpj.exe" read as "exe.jpg"; zero-width and filler
characters make two titles or names that look alike differ, or a title look empty. These are
refused rather than removed, so the pupil sees what is stored.
"""

import unicodedata

# Invisible letters and marks that Unicode does not class as format or control characters:
# the Hangul fillers, the Braille blank, the combining grapheme joiner, the Mongolian free
# variation selectors and vowel separator, and the Khmer inherent vowels.
_INVISIBLE = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u180b\u180c\u180d\u180e\u180f\u17b4\u17b5"
)
# Format (Cf: bidi controls, zero-width space/joiners, soft hyphen, BOM), control (Cc),
# private use, unassigned and surrogate code points, and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"})


def hidden_character(value: str, *, newlines: bool = False) -> str | None:
    """The first character of `value` that hides or reorders text, as "U+202E"; None if none.

    `newlines` allows line feeds (and tabs) in longer texts such as a description.
    """
    for char in value:
        if newlines and char in "\n\t":
            continue
        if char in _INVISIBLE or unicodedata.category(char) in _HIDDEN_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None
