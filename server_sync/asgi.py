"""Several server processes (`--workers N`) on one socket; each builds its app from the settings
the parent handed over in the environment (see server_sync/settings.py)."""

import os
import socket
from typing import Any

from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from server_sync.app import create_app, ready_to_serve
from server_sync.connections import ConnectionLimits, ServerConfig
from server_sync.settings import Settings


def app() -> FastAPI:
    """Called once in every worker; the parent has already migrated the database and set the token."""
    application, _ = create_app(Settings.from_environment())
    ready_to_serve(application)
    return application


class _TcpConfig(ServerConfig):
    """uvicorn binds the workers' shared socket without naming the protocol, so asyncio does not
    see a TCP socket, never sets TCP_NODELAY, and each response waits ~40 ms for a delayed ACK."""

    def bind_socket(self) -> socket.socket:
        return socket.socket(
            fileno=super().bind_socket().detach()
        )  # the protocol is read from the descriptor


def serve_workers(
    settings: Settings,
    limits: ConnectionLimits,
    workers: int,
    sockets: list[socket.socket] | None = None,
    **options: Any,
) -> None:
    """Serve with `workers` processes, each building its app from `settings`, on `sockets`
    (`--classroom`'s) or one bound to the `host` option; the connection limits travel inside
    the configuration uvicorn hands to each worker."""
    os.environ.update(settings.environment())  # inherited by the workers uvicorn starts
    config = _TcpConfig(f"{__name__}:app", limits, factory=True, workers=workers, **options)
    Multiprocess(config, sockets=sockets or [config.bind_socket()]).run()
