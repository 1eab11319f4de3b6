"""An answered write is on disk: SQLite syncs its write-ahead log at every commit
(synchronous=FULL), on every connection the server opens."""

from sqlalchemy import Engine

from server_sync.app import create_app
from server_sync.settings import Settings

FULL = 2  # what PRAGMA synchronous reports for FULL (NORMAL is 1)


def synchronous(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar_one()


def test_every_sqlite_connection_of_the_server_syncs_each_commit(tmp_path):
    app, _ = create_app(Settings(data_dir=tmp_path, moderator_token="m" * 40))
    state = app.state.server
    assert synchronous(state.engine) == FULL
    assert synchronous(state.ballots.engine) == FULL  # the votes' own connection
    with state.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
