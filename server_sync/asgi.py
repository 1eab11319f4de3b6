"""Several server processes (`--workers N`) on one socket; each builds its app from the environment."""

import os
import socket
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess

from server_sync.app import create_app


def app():
    """Called once in every worker; the parent has already migrated the database and set the token."""
    made, _ = create_app(
        Path(os.environ["QUARTIER_SERVER_DATA"]),
        os.environ.get("QUARTIER_SERVER_DB") or None,
        rate_limit=int(os.environ.get("QUARTIER_SERVER_RATE", "600")),
    )
    return made


class _TcpConfig(uvicorn.Config):
    """uvicorn binds the workers' shared socket without naming the protocol, so asyncio does not
    see a TCP socket, never sets TCP_NODELAY, and each response waits ~40 ms for a delayed ACK."""

    def bind_socket(self) -> socket.socket:
        return socket.socket(
            fileno=super().bind_socket().detach()
        )  # the protocol is read from the descriptor


def serve_workers(workers: int, **options) -> None:
    config = _TcpConfig(f"{__name__}:app", factory=True, workers=workers, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
