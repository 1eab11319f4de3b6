"""What a pseudonym may be: 2–24 characters, no e-mail, phone number or link, no rude words.

Hand-written because the rules are few and specific to children's workshops; the word list is
deliberately short (de/en). Words are found anywhere in the letters ("F.u.c.k"), except a few
short ones that hide in ordinary names, which count only on their own ("Skillz" stays allowed).
"""

import re
import unicodedata

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
    if not ALLOWED.match(name):
        return "pseudonym_characters"
    letters = "".join(c for c in name.lower() if c.isalpha())
    words = set(re.split(r"[^a-zäöüß]+", name.lower()))
    if any(word in letters for word in RUDE) or any(word in words for word in RUDE_ALONE):
        return "pseudonym_word"
    return None
