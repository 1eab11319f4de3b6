"""What the server benchmarks start and stop: free loopback ports, server processes, a
throwaway PostgreSQL.

Shared by benchmarks/server.py and benchmarks/workshop.py, so both measure against a cluster
set up the same way (tests/support/server_fixtures.py does the same for the tests).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(server: subprocess.Popen, url: str) -> None:
    """Until `url`/healthz answers (the server has started)."""
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            if server.poll() is not None:
                raise RuntimeError(f"the server stopped with {server.returncode}") from None
            time.sleep(0.1)


def stop_server(server: subprocess.Popen) -> None:
    """Stop a server started in its own process group (`start_new_session`), workers and all."""
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(30)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """A PostgreSQL 15 cluster for this run on 127.0.0.1 and a free port (as root: as the user
    postgres), removed afterwards; its URL, or None where PostgreSQL 15 is not installed."""
    if not (PG_BIN / "initdb").exists():
        yield None
        return
    base = Path(tempfile.mkdtemp(prefix="quartier-bench-pg-"))
    os.chmod(base, 0o777)
    data, port = base / "data", free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(*command: object) -> None:
        subprocess.run(
            [*as_postgres, *map(str, command)], check=True, capture_output=True, timeout=120
        )

    run(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c max_connections=200"
    run(PG_BIN / "pg_ctl", "-D", data, "-l", base / "log.txt", "-w", "-o", options, "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
