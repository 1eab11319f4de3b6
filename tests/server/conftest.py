"""The collection server under test as a real process; the `server` fixture (SQLite and PostgreSQL)
is in tests/support/server_fixtures.py, shared with the export tests."""

import pytest
from live_server import LiveServer, design_text


@pytest.fixture
def make_design():
    return design_text


@pytest.fixture(params=[1, 2], ids=["1 process", "2 processes"])
def live_server(tmp_path, db_url, request):
    server = LiveServer(tmp_path / "live", db_url, workers=request.param)
    try:
        yield server
    finally:
        server.kill()
