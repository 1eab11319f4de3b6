"""What a pseudonym may be: 2–24 characters, no e-mail, phone number or link, no rude words,
no invisible characters, and not one that looks like a classmate's.

The rules are hand-written because they are few and specific to children's workshops; the word
list is deliberately short (de/en). Words are found anywhere in the letters ("F.u.c.k"), except
a few short ones that hide in ordinary names, which count only on their own ("Skillz" stays
allowed).

Two names that look alike ("Max", "max", Cyrillic "Мах", wide "Ｍａｘ", bold "𝐌𝐚𝐱",
"Ma\u0301x") share one `skeleton`, in the spirit of Unicode's UTS #39: compatibility
normalisation (NFKC), accents and other combining marks dropped, every character that Unicode's
confusables table says looks like a Latin letter or digit replaced by it, and case folded. The
table comes from `confusable_homoglyphs` (a maintained copy of Unicode's confusables.txt); the
database holds the skeleton under a unique constraint, and the rude-word check reads it too.
"""

import functools
import re
import unicodedata

from confusable_homoglyphs import confusables

from game.core.text import DEFAULT_IGNORABLE

ALLOWED = re.compile(r"^[\w .\-']{2,24}$", re.UNICODE)
EMAIL = re.compile(r"\S+@\S+")
PHONE = re.compile(r"(\d[\s\-/]*){6,}")
LINK = re.compile(r"(https?:|www\.|\.(com|de|net|org|info|io)\b)", re.IGNORECASE)
RUDE = (
    "fuck",
    "shit",
    "bitch",
    "cunt",
    "nazi",
    "hitler",
    "arsch",
    "fotze",
    "hure",
    "wichser",
    "schlampe",
    "nutte",
    "penis",
    "vagina",
    "porno",
    "hurensohn",
    "spast",
    "missgeburt",
)
# Short words that hide inside ordinary names ("Alexander", "Skillz"): only refused on their own.
RUDE_ALONE = ("sex", "kill")


def problem(pseudonym: str) -> str | None:
    """The string-table code of what is wrong with a pseudonym, or None if it is fine."""
    name = unicodedata.normalize("NFKC", pseudonym).strip()
    if not 2 <= len(name) <= 24:
        return "pseudonym_length"
    if EMAIL.search(name) or PHONE.search(name) or LINK.search(name):
        return "pseudonym_contact"
    if not ALLOWED.match(name) or DEFAULT_IGNORABLE.search(name):
        return "pseudonym_characters"
    looks = skeleton(name)
    letters = "".join(c for c in looks if c.isalpha())
    words = set(re.split(r"[^a-zäöüß]+", looks))
    if any(word in letters for word in RUDE) or any(word in words for word in RUDE_ALONE):
        return "pseudonym_word"
    return None


def skeleton(pseudonym: str) -> str:
    """What a name looks like: equal for names a classmate could not tell apart (see above)."""
    name = unicodedata.normalize("NFKC", pseudonym).strip()
    bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return "".join(_latin(c) for c in bare).casefold()


@functools.lru_cache(maxsize=4096)
def _latin(character: str) -> str:
    """The ASCII letter or digit `character` is confusable with, or itself."""
    if character.isascii():
        return character
    found = confusables.is_confusable(character, greedy=True, preferred_aliases=["latin", "common"])
    for entry in found or []:
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalnum():
                return str(glyph["c"])
    return character
