"""The server's settings in one typed object, built once and handed to `create_app`.

`quartier-server serve` builds it from its command line. A worker process of `--workers N` is
started afresh by uvicorn, which calls the factory `server_sync.asgi:app` and can hand it no
object, so the parent writes the settings into its environment (`Settings.environment`) and
each worker reads them back with `Settings.from_environment()`: that hand-over is the only
reason the environment is read. The moderator token is the one setting a person may put there
(`QUARTIER_MODERATOR_TOKEN`), so that it never shows in a process list.
"""

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server_sync.db import sqlite_url
from server_sync.network import public_url

Kind = Literal["processes", "threads"]
"""Where the CPU work runs (services/workers.py)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, populate_by_name=True, env_ignore_empty=True, extra="ignore"
    )

    data_dir: Path = Field(validation_alias="QUARTIER_SERVER_DATA")
    #: A database URL, e.g. postgresql+psycopg://user@host/db; None: SQLite in `data_dir`.
    db_url: str | None = Field(default=None, validation_alias="QUARTIER_SERVER_DB")
    #: Requests per minute per token; per client address (every request, a class behind one
    #: school address included) ten times as many.
    rate_limit: int = Field(default=600, validation_alias="QUARTIER_SERVER_RATE")
    #: Processes (or threads) that parse, check, compute indicators and render pictures
    #: (services/workers.py).
    cpu_workers: int = Field(default=2, ge=1, le=64, validation_alias="QUARTIER_SERVER_CPU_WORKERS")
    #: Worker processes (the default) or threads in the web process, to compare the two.
    cpu_pool: Kind = Field(default="processes", validation_alias="QUARTIER_SERVER_CPU_POOL")
    #: Such jobs that may wait for a free worker; one more is refused with 503 and Retry-After.
    cpu_queue: int = Field(default=8, ge=0, le=1000, validation_alias="QUARTIER_SERVER_CPU_QUEUE")
    #: New revisions one participant may store per minute (more: 429 with Retry-After).
    revisions_per_minute: int = Field(
        default=10, ge=1, validation_alias="QUARTIER_SERVER_REVISIONS_PER_MINUTE"
    )
    #: Bytes of stored revisions one participant may have in all (more: 413). The largest design
    #: the rules allow on the Berlin level is ~43 KB stored, a big realistic one ~5 KB: 20 MB is
    #: some 4,000 realistic revisions, a whole workshop day of saving every minute many times over.
    participant_bytes: int = Field(
        default=20_000_000, ge=1, validation_alias="QUARTIER_SERVER_PARTICIPANT_BYTES"
    )
    #: Set as the moderator token at start; None keeps the stored one (or makes one on first start).
    moderator_token: SecretStr | None = Field(
        default=None, validation_alias="QUARTIER_MODERATOR_TOKEN"
    )

    #: The address pupils open, for join links and QR codes (`--public-url`, or the LAN address
    #: `--classroom` found); None: the address the visitor's browser used (a plain local server).
    public_url: str | None = Field(default=None, validation_alias="QUARTIER_SERVER_PUBLIC_URL")

    # Connections (server_sync/connections.py), for a class of 30 with phones and a projector:
    #: Seconds for a request's headers to arrive, from its first byte or from connecting.
    header_timeout: int = Field(default=10, ge=1, validation_alias="QUARTIER_SERVER_HEADER_TIMEOUT")
    #: Seconds for a request's body after its headers (2 MB, the largest upload, at 35 KB/s).
    body_timeout: int = Field(default=60, ge=1, validation_alias="QUARTIER_SERVER_BODY_TIMEOUT")
    #: Seconds an answered connection is kept open for the next request.
    keep_alive: int = Field(default=15, ge=1, validation_alias="QUARTIER_SERVER_KEEP_ALIVE")
    #: Open connections per server process (a browser keeps up to 6 per server).
    max_connections: int = Field(
        default=1000, ge=1, validation_alias="QUARTIER_SERVER_MAX_CONNECTIONS"
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return None if value is None else public_url(value)

    @classmethod
    def from_environment(cls) -> Self:
        """The settings a `--workers N` parent handed over (see the module docstring)."""
        return cls()

    @property
    def database_url(self) -> str:
        return self.db_url or sqlite_url(self.data_dir)

    def environment(self) -> dict[str, str]:
        """The settings as the environment variables `from_environment` reads ("" for none)."""
        token = self.moderator_token
        return {
            "QUARTIER_SERVER_DATA": str(self.data_dir),
            "QUARTIER_SERVER_DB": self.db_url or "",
            "QUARTIER_SERVER_RATE": str(self.rate_limit),
            "QUARTIER_SERVER_HEADER_TIMEOUT": str(self.header_timeout),
            "QUARTIER_SERVER_BODY_TIMEOUT": str(self.body_timeout),
            "QUARTIER_SERVER_KEEP_ALIVE": str(self.keep_alive),
            "QUARTIER_SERVER_MAX_CONNECTIONS": str(self.max_connections),
            "QUARTIER_SERVER_CPU_WORKERS": str(self.cpu_workers),
            "QUARTIER_SERVER_CPU_QUEUE": str(self.cpu_queue),
            "QUARTIER_SERVER_CPU_POOL": self.cpu_pool,
            "QUARTIER_SERVER_REVISIONS_PER_MINUTE": str(self.revisions_per_minute),
            "QUARTIER_SERVER_PARTICIPANT_BYTES": str(self.participant_bytes),
            "QUARTIER_SERVER_PUBLIC_URL": self.public_url or "",
            "QUARTIER_MODERATOR_TOKEN": token.get_secret_value() if token else "",
        }
