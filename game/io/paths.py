"""Where Quartier keeps a user's files: platformdirs, or QUARTIER_HOME for USB sticks and shared accounts."""

import os
from pathlib import Path

import platformdirs


def home() -> Path:
    override = os.environ.get("QUARTIER_HOME")
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path("quartier", appauthor=False)


def _folder(name: str) -> Path:
    return home() / name


def cache_dir() -> Path:
    """Files Quartier can always rebuild (the level list's index): safe to delete."""
    if os.environ.get("QUARTIER_HOME"):
        return _folder("cache")
    return platformdirs.user_cache_path("quartier", appauthor=False)


def levels_dir() -> Path:
    """Levels the user added (city staff's own districts)."""
    return _folder("levels")


def logs_dir() -> Path:
    """The rotating log files a teacher sends when something went wrong (game.io.logs)."""
    return _folder("logs")


def designs_dir() -> Path:
    return _folder("designs")


def autosave_dir() -> Path:
    return _folder("autosave")


def outbox_dir() -> Path:
    """Submissions waiting to be sent to the collection server."""
    return _folder("outbox")


def participant_file() -> Path:
    """The workshop this computer joined, with its login token (see game.sync.credentials)."""
    return home() / "participant.json"
