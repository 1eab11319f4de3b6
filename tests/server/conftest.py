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


def pytest_collection_modifyitems(config, items):
    """Real servers run as one process on SQLite and as two on both databases, not as one on
    PostgreSQL: that combination checks nothing the other three leave out (the same SQL as two
    processes, without their race), and each real-server test costs seconds of a suite that
    must stay under 15 minutes. Deselected, not skipped: it is not a test that could not run."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        lone_postgres = params.get("live_server") == 1 and params.get("db_url") == "postgres"
        (drop if lone_postgres else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
