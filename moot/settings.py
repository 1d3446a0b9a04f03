"""Settings from the environment and `.env`. Every setting is listed in `.env.example`."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DISCORD_TOKEN = re.compile(r"^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$")
DISCORD_PUBLIC_KEY = re.compile(r"^[0-9a-fA-F]{64}$")  # Ed25519, as the Developer Portal shows it
TELEGRAM_TOKEN = re.compile(r"^\d{5,}:[\w-]{30,}$")
# What fits in an Authorization header as it is, and is too long to guess.
METRICS_TOKEN = re.compile(r"^[A-Za-z0-9._-]{16,}$")
# What Telegram allows in a webhook's secret token, and too long to guess.
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
SECRET_KEY_MIN = 32


class SettingsError(Exception):
    """A setting is wrong; the message is one sentence for whoever runs Moot."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="forbid", case_sensitive=False)

    database_url: str = "sqlite:///./data/moot.db"
    discord_token: str | None = None
    # The application's public key: Discord's HTTP interactions endpoint (/discord/interactions
    # on the web server) is there only with it.
    discord_public_key: str | None = None
    # Where discord.py's REST calls go: Discord's, unless a test or a proxy stands in for it.
    discord_api_base: str = "https://discord.com/api/v10"
    telegram_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Required with a webhook: Telegram sends it with every update, and a post without it is
    # refused (anyone who finds the address could otherwise post updates as anyone).
    telegram_webhook_secret: str | None = Field(default=None, validate_default=True)
    # How many connections Telegram may open to the webhook at once (1-100): several Moot
    # processes behind a load balancer share them.
    telegram_webhook_max_connections: int = Field(default=40, ge=1, le=100)
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object a line (moot/logs.py)
    console_files_dir: str = "./data/console-files"
    # None: repair photos go in a `photos` folder beside the SQLite file (PostgreSQL has none).
    photo_folder: Path | None = None
    # k: secret ballots are sealed at least this many at a time (see bot/polls/sealing.py).
    secret_ballot_batch: int = Field(default=5, ge=5, le=1000)
    # The web pages (adapters/web): where they listen (port 0: no web pages), and the public
    # address links point to (None: http://WEB_HOST:WEB_PORT, for a machine of one's own).
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    web_base_url: str | None = None
    # Prometheus metrics at /metrics, for requests carrying it as a bearer token (None: none).
    metrics_token: str | None = None
    # A long random string all Moot processes share: signs the web pages' forms (None: each
    # process draws its own key; see adapters/web/security.py).
    secret_key: str | None = None

    @field_validator(
        "discord_token",
        "discord_public_key",
        "telegram_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "web_base_url",
        "metrics_token",
        "secret_key",
    )
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("photo_folder", mode="before")
    @classmethod
    def _blank_folder_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def web_address(self) -> str:
        """The public address of the web pages, without a trailing slash."""
        if self.web_base_url is not None:
            return self.web_base_url
        host = f"[{self.web_host}]" if ":" in self.web_host else self.web_host
        return f"http://{host}:{self.web_port}"

    def secrets(self) -> list[str]:
        """What must never appear in a log."""
        found = (
            self.discord_token,
            self.telegram_token,
            self.telegram_webhook_secret,
            self.metrics_token,
            self.secret_key,
        )
        return [secret for secret in found if secret]

    @field_validator("discord_token")
    @classmethod
    def _discord_token(cls, value: str | None) -> str | None:
        if value is not None and not DISCORD_TOKEN.match(value):
            raise ValueError("DISCORD_TOKEN does not look like a Discord bot token")
        return value

    @field_validator("discord_public_key")
    @classmethod
    def _discord_public_key(cls, value: str | None) -> str | None:
        if value is not None and not DISCORD_PUBLIC_KEY.match(value):
            raise ValueError(
                "DISCORD_PUBLIC_KEY must be the Public Key from the Developer Portal's General "
                "Information page (64 hexadecimal digits)"
            )
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _discord_api_base(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "DISCORD_API_BASE must be an http or https address, such as "
                "https://discord.com/api/v10"
            )
        return value.strip().rstrip("/")

    @field_validator("telegram_token")
    @classmethod
    def _telegram_token(cls, value: str | None) -> str | None:
        if value is not None and not TELEGRAM_TOKEN.match(value):
            raise ValueError(
                "TELEGRAM_TOKEN does not look like a token from @BotFather (digits:letters)"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _a_store_moot_runs_on(cls, value: str) -> str:
        try:
            return store_url(value)
        except ValueError as error:
            raise ValueError(f"DATABASE_URL {error}") from error

    @field_validator("web_base_url")
    @classmethod
    def _web_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.username is not None
            or parts.path not in ("", "/")  # the pages' own links start at the root
            or parts.query
            or parts.fragment
        ):
            raise ValueError(
                "WEB_BASE_URL must be the address people open the web pages at, such as "
                "https://moot.example.org (http or https, with no path or query)"
            )
        return value.rstrip("/")

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: str | None) -> str | None:
        if value is not None and not METRICS_TOKEN.match(value):
            raise ValueError(
                "METRICS_TOKEN must be at least 16 letters, digits, '-', '_' or '.' (such as "
                "the output of `openssl rand -hex 32`)"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("telegram_webhook_url"):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL, so that only "
                "Telegram can post updates (such as the output of `openssl rand -hex 32`)"
            )
        if value is not None and not WEBHOOK_SECRET.match(value):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be 16 to 256 letters, digits, '_' or '-' (such as "
                "the output of `openssl rand -hex 32`)"
            )
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: str | None) -> str | None:
        if value is not None and len(value) < SECRET_KEY_MIN:
            raise ValueError(
                f"SECRET_KEY must be a long random string, at least {SECRET_KEY_MIN} characters "
                "(such as the output of `openssl rand -hex 32`)"
            )
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.strip().lower() not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be text or json")
        return value.strip().lower()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()


def store_url(value: str) -> str:
    """A SQLite file, or PostgreSQL through psycopg 3 (a plain postgresql:// URL, as managed
    databases hand them out, means the same); ValueError for anything else."""
    for plain in ("postgresql://", "postgres://"):
        if value.startswith(plain):
            value = "postgresql+psycopg://" + value.removeprefix(plain)
    sqlite_file = value.startswith("sqlite:///") and value.removeprefix("sqlite:///").strip()
    if not sqlite_file and not value.startswith("postgresql+psycopg://"):
        raise ValueError(
            "must be a SQLite file URL such as sqlite:///./data/moot.db, or a PostgreSQL one "
            "such as postgresql://moot@localhost/moot"
        )
    return value


def load_settings() -> Settings:
    """Read the settings, turning any problem into one clear sentence."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        if first["type"] == "extra_forbidden":
            raise SettingsError(
                f"Unknown setting {name} in .env; see .env.example for the settings Moot knows."
            ) from error
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Bad setting {name}: {message}.") from error
