"""One settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = Field(default=None, description="Bot token, xoxb-…")
    slack_signing_secret: SecretStr | None = Field(default=None, description="Signing secret (HTTP mode)")
    slack_app_token: SecretStr | None = Field(default=None, description="App-level token, xapp-… (Socket Mode)")
    database_url: str = "sqlite:///data/journey.db"
    slack_api_url: str = "https://slack.com/api/"
    port: int = Field(default=3000, ge=0, le=65535)
    host: str = "0.0.0.0"
    slash_command: str = "/journey"
    http_threads: int = Field(default=8, ge=1, le=256, description="Request threads of the HTTP server")
    slack_workers: int = Field(default=16, ge=1, le=256, description="Threads making outbound Slack calls")
    openai_api_key: SecretStr | None = Field(default=None, description="Enables the model synthesis")
    openai_base_url: str | None = Field(default=None, description="Any OpenAI-compatible server (Azure, vLLM, Ollama…)")
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    clock_in_process: bool = Field(default=True, description="Run the reminder clock inside the web/socket process")
    clock_interval_seconds: int = Field(default=20, ge=1, le=3600)
    log_level: str = "INFO"
    # A map's canvas (or pinned message) shows a change within this many seconds, with at most one edit per canvas
    # in that time (canvases.edit is Tier 3); 0: at once after each change.
    canvas_refresh_seconds: float = Field(default=30.0, ge=0, le=600)
    canvas_with_first_map: bool = Field(default=True, description="The first /journey map also makes the canvas")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, v: str) -> str:
        _require_http_url(v)
        return v if v.endswith("/") else v + "/"

    @field_validator("openai_base_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None:
            _require_http_url(v)
        return v

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, v: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        from bot.storage.db import normalise_url

        try:
            url = make_url(normalise_url(v))
            dialect = url.get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError):
            # Not the value itself: a database URL usually holds a password.
            raise ValueError("expected a database URL such as sqlite:///data/journey.db or "
                             "postgresql://user:password@host/db") from None
        try:
            dialect.import_dbapi()
        except ImportError:
            raise ValueError(f"no driver for {url.drivername} is installed; the bot ships SQLite and PostgreSQL "
                             "(psycopg)") from None
        return v

    def secret(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if value else None


def _require_http_url(v: str) -> None:
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http(s) URL such as https://slack.com/api/")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line telling what to set."""


def require(settings: Settings, *names: str) -> None:
    missing = [n.upper() for n in names if not settings.secret(n)]
    if missing:
        raise ConfigError(
            f"Missing {' and '.join(missing)}: set {'them' if len(missing) > 1 else 'it'} in the environment or in .env "
            "(see README, 'Settings')."
        )
    prefixes = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}
    for n in names:
        p = prefixes.get(n)
        if p and not settings.secret(n).startswith(p):
            raise ConfigError(f"{n.upper()} should start with {p}; check you copied the right token.")
