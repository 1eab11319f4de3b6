"""Every string key the code asks for exists in both tables (a missing one would show its key)."""

import re
from pathlib import Path

from game.core.i18n import keys

ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(r"""(?:\bt|\btext|notify|QuartierError|\.t)\(\s*(?:lang,\s*|self\.lang,\s*|editor\.lang,\s*)?["']([a-z_]+\.[a-z_.]+)["']""")


def test_every_literal_string_key_in_the_code_exists_in_german_and_english():
    used = set()
    for path in (ROOT / "game").rglob("*.py"):
        used |= set(CALL.findall(path.read_text(encoding="utf-8")))
    used |= set(CALL.findall((ROOT / "server_sync" / "cli.py").read_text(encoding="utf-8")))
    assert len(used) > 40
    assert used - keys("en") == set()
    assert used - keys("de") == set()
