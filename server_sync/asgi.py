"""The app for uvicorn's worker processes (`--workers N`): configured by the parent through the environment."""

import os
from pathlib import Path

from server_sync.app import create_app


def app():
    """Called once in every worker; the parent has already migrated the database and set the token."""
    made, _ = create_app(Path(os.environ["QUARTIER_SERVER_DATA"]), os.environ.get("QUARTIER_SERVER_DB") or None,
                         rate_limit=int(os.environ.get("QUARTIER_SERVER_RATE", "600")))
    return made
