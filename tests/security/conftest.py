"""Attacks on the collection server: the in-process `server` fixture (SQLite and PostgreSQL) comes
from tests/support/server_fixtures.py; `live_server` here is one real process."""

import pytest
from live_server import LiveServer


@pytest.fixture
def live_server(tmp_path, db_url):
    server = LiveServer(tmp_path / "live", db_url).start()
    try:
        yield server
    finally:
        server.kill()
