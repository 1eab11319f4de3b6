"""The participant file: which workshop this computer joined, and the token to send with.

Besides the login it keeps what the editor shows: the workshop's title, code and level, and the
personal code that signs a phone or a second computer in as the same participant.

The caller says where the file lives (`game.io.paths.participant_file()`). It is written with
mode 0600 from the first byte, so the token is never readable by other users, not even for an
instant. The token is never logged or printed: `Participant`'s repr leaves it out.
"""

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from game.core.errors import QuartierError
from game.sync.files import Storage, json_bytes, read_json

log = logging.getLogger(__name__)

FIELDS = ("server", "token", "participant_id", "workshop_id", "pseudonym")
# What the editor shows about the workshop; a file written before joining in the editor lacks them.
OPTIONAL = ("workshop_title", "workshop_code", "level_id", "personal_code")


@dataclass(frozen=True)
class Participant:
    """Credentials for one workshop. The token is left out of repr so it never lands in a log."""

    server: str
    token: str = field(repr=False)
    participant_id: str
    workshop_id: str
    pseudonym: str
    workshop_title: str = ""
    workshop_code: str = ""
    level_id: str = ""
    # Signs another device in as this participant, so it is kept out of logs like the token.
    personal_code: str = field(default="", repr=False)

    def phone_url(self) -> str:
        """The page a phone opens to vote as this participant; empty without a personal code."""
        return f"{self.server}/p/{self.personal_code}" if self.personal_code else ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def save_participant(participant: Participant, path: Path, storage: Storage) -> None:
    storage.write_atomic(path, json_bytes(participant.to_json()), keep_backup=False, mode=0o600)


def load_participant(path: Path) -> Participant | None:
    """The stored credentials, or None when this computer has not joined (or the file is damaged)."""
    if not path.is_file():
        return None
    data = read_json(path) or {}
    if not all(isinstance(data.get(name), str | int) and str(data[name]) for name in FIELDS):
        log.warning("%s is damaged; join the workshop again", path)
        return None
    extra = {name: data[name] for name in OPTIONAL if isinstance(data.get(name), str)}
    return Participant(**{name: str(data[name]) for name in FIELDS}, **extra)


def require_participant(path: Path) -> Participant:
    participant = load_participant(path)
    if participant is None:
        raise QuartierError("sync.not_joined")
    return participant
