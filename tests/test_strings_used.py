"""Every string key the code asks for exists in both tables (a missing one would show its key)."""

import re
from pathlib import Path

from game.core.i18n import keys
from server_sync.pages.gallery import NOTICES

API_ERROR = re.compile(r"""ApiError\(\d+, ["']([a-z_]+)["']""")
ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(
    r"""(?:\bt|\btext|notify|QuartierError|\.t)\(\s*(?:lang,\s*|self\.lang,\s*|editor\.lang,\s*)?["']([a-z_]+\.[a-z_.]+)["']"""
)


def test_every_literal_string_key_in_the_code_exists_in_german_and_english():
    used = set()
    for path in (ROOT / "game").rglob("*.py"):
        used |= set(CALL.findall(path.read_text(encoding="utf-8")))
    for path in [
        *(ROOT / "server_sync").rglob("*.py"),
        *(ROOT / "server_sync" / "templates").glob("*.html"),
    ]:
        source = path.read_text(encoding="utf-8")
        used |= set(CALL.findall(source)) | {f"server.{code}" for code in API_ERROR.findall(source)}
    # Keys the templates build from a prefix and a value
    used = {key for key in used if not key.endswith(".")}
    used |= {f"web.phase.{p}" for p in ("building", "voting", "closed")}
    used |= {f"web.status.{s}" for s in ("pending", "approved", "hidden", "rejected", "late")}
    phases = ("building", "voting", "closed")
    used |= {f"web.confirm.{k}.{p}" for k in ("title", "yes") for p in phases}
    steps = {f"{a}_{b}" for a in phases for b in phases if a != b}
    used |= {f"web.confirm.{k}.{s}" for k in ("step", "undo") for s in steps}
    used |= {f"web.moderate.{m}" for m in ("pre", "post")}
    used |= {f"web.notice.{n}" for n in NOTICES}
    assert len(used) > 200
    assert used - keys("en") == set()
    assert used - keys("de") == set()
