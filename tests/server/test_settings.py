"""The settings given on the command line are what the server's app runs with, in one process
and in each worker process of `--workers N` (which reads them from the environment)."""

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import uvicorn
from live_server import MODERATOR, free_port

import server_sync.asgi
from server_sync.cli import main
from server_sync.connections import ConnectionLimits
from server_sync.db import SQLITE_KEPT_CONNECTIONS
from server_sync.settings import Settings
from server_sync.web import TEMPLATES

# Every variable the parent writes for its workers, so that none leaks into later tests.
HANDED_OVER = tuple(Settings(data_dir=Path("unused")).environment())
LIMITS = ("--header-timeout", "3", "--body-timeout", "4", "--keep-alive", "5")
UPLOADS = (
    "--cpu-workers",
    "3",
    "--cpu-queue",
    "0",
    "--cpu-pool",
    "threads",
    "--revisions-per-minute",
    "4",
)
# What a worker process reports about the app it built (it is started afresh, like uvicorn's).
WORKER = """
from server_sync.asgi import app
state = app().state.server
print(state.settings.model_dump_json(), state.token_limit.limit, state.address_limit.limit)
"""


def serve(tmp_path, monkeypatch, *options: str) -> None:
    # Recorded by monkeypatch, so whatever the command puts into the environment is undone.
    for name in HANDED_OVER:
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("QUARTIER_MODERATOR_TOKEN", MODERATOR)
    argv = ["serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "data")]
    assert main([*argv, "--rate-limit", "7", *options]) == 0


def test_the_command_lines_settings_reach_the_app(tmp_path, monkeypatch):
    served = []

    class Server:
        """Instead of uvicorn's server: notes what it would serve."""

        def __init__(self, config) -> None:
            self.config, self.started = config, True

        def run(self) -> None:
            served.append(self.config)

    monkeypatch.setattr(uvicorn, "Server", Server)
    serve(tmp_path, monkeypatch, *LIMITS, "--max-connections", "40")
    app = served[0].app
    settings = app.state.server.settings
    assert settings.data_dir == tmp_path / "data" and settings.rate_limit == 7
    assert app.state.server.token_limit.limit == 7
    assert served[0].limits == ConnectionLimits(3, 4, 5, 40, served[0].limits.backlog)
    assert served[0].timeout_keep_alive == 5


def test_the_command_lines_settings_reach_every_worker_process(tmp_path, monkeypatch):
    workers = []

    class Started:
        """Instead of uvicorn's supervisor: one worker, started as a fresh process."""

        def __init__(self, config, sockets) -> None:
            for sock in sockets:
                sock.close()
            assert config.workers == 2
            # uvicorn pickles the configuration for each worker it spawns
            assert pickle.loads(pickle.dumps(config)).limits.header_timeout == 3

        def run(self) -> None:
            worker = subprocess.run(
                [sys.executable, "-c", WORKER],
                env=dict(os.environ),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert worker.returncode == 0, worker.stderr
            workers.append(worker.stdout.split())

    monkeypatch.setattr(server_sync.asgi, "Multiprocess", Started)
    serve(
        tmp_path,
        monkeypatch,
        "--workers",
        "2",
        *LIMITS,
        *UPLOADS,
        "--participant-mb",
        "1.5",
        "--public-url",
        "http://10.1.2.3:8765/",
    )
    settings, token_limit, address_limit = workers[0]
    assert json.loads(settings) == {
        "data_dir": str(tmp_path / "data"),
        "db_url": None,
        "rate_limit": 7,
        "cpu_workers": 3,
        "cpu_queue": 0,
        "cpu_pool": "threads",
        "revisions_per_minute": 4,
        "participant_bytes": 1_500_000,
        "moderator_token": "**********",
        "header_timeout": 3,
        "body_timeout": 4,
        "keep_alive": 5,
        "max_connections": 1000,
        "public_url": "http://10.1.2.3:8765",
    }
    assert (token_limit, address_limit) == ("7", "70")


def test_the_server_compiles_every_page_and_opens_its_pool_before_it_takes_requests(
    tmp_path, monkeypatch
):
    """A fresh server once made the first visitors of each page wait for Jinja to compile it
    and for a database connection of their own: a class opening the gallery at once was the
    gallery's slowest 1 % (benchmarks/workshop.py)."""
    ready = []

    class Server:
        def __init__(self, config) -> None:
            self.started, self.pool = True, config.app.state.server.engine.pool

        def run(self) -> None:
            ready.append((len(TEMPLATES.env.cache or {}), self.pool.checkedin()))

    monkeypatch.setattr(uvicorn, "Server", Server)
    assert TEMPLATES.env.cache is not None
    TEMPLATES.env.cache.clear()
    serve(tmp_path, monkeypatch)
    templates, connections = ready[0]
    assert templates == len(TEMPLATES.env.list_templates()) and templates >= 10
    assert connections == SQLITE_KEPT_CONNECTIONS
