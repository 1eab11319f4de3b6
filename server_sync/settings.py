"""The server's settings in one typed object, built once and handed to `create_app`.

`quartier-server serve` builds it from its command line. A worker process of `--workers N` is
started afresh by uvicorn, which calls the factory `server_sync.asgi:app` and can hand it no
object, so the parent writes the settings into its environment (`Settings.environment`) and
each worker reads them back with `Settings.from_environment()`: that hand-over is the only
reason the environment is read. The moderator token is the one setting a person may put there
(`QUARTIER_MODERATOR_TOKEN`), so that it never shows in a process list.
"""

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from server_sync.db import sqlite_url


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
    #: Set as the moderator token at start; None keeps the stored one (or makes one on first start).
    moderator_token: SecretStr | None = Field(
        default=None, validation_alias="QUARTIER_MODERATOR_TOKEN"
    )

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
            "QUARTIER_MODERATOR_TOKEN": token.get_secret_value() if token else "",
        }
