"""Typed settings, read from the environment (and a `.env` file) only when asked for.

Nothing here runs at import time: `Settings.load()` is called by the CLI, and tests build
`Settings(...)` directly, so two apps with different settings can live in one process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rituals.away.time_off import DEFAULT_AWAY_EMOJI, DEFAULT_AWAY_WORDS

SLACK_API_DEFAULT = "https://slack.com/api/"
DATABASE_DEFAULT = "sqlite:///ritualbot.db"

# Where each secret comes from, so a command that lacks one can say exactly what to do.
TOKEN_HELP = {
    "SLACK_BOT_TOKEN": (
        "the Bot User OAuth Token (xoxb-…) from your app's page at https://api.slack.com/apps "
        "→ OAuth & Permissions, after installing the app to the workspace"
    ),
    "SLACK_SIGNING_SECRET": "the Signing Secret from your app's page → Basic Information → App Credentials",
    "SLACK_APP_TOKEN": (
        "an app-level token (xapp-…) with the connections:write scope, from your app's page → "
        "Basic Information → App-Level Tokens (only needed for Socket Mode)"
    ),
}


class MissingSetting(RuntimeError):
    """A command needs a setting that is not set; the message says which and where to get it."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"{name} is not set. Set it to {TOKEN_HELP.get(name, 'a value')}.")


class Settings(BaseSettings):
    """Everything ritualbot reads from its environment. Names are a public contract."""

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_API_DEFAULT, alias="SLACK_API_URL")
    database_url: str = Field(default=DATABASE_DEFAULT, alias="DATABASE_URL")
    rituals_path: Annotated[list[Path], NoDecode] = Field(default_factory=list, alias="RITUALS_PATH")
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="RITUALBOT_ADMINS")
    # Shared with the systems that receive audience webhooks, to check our signature.
    webhook_secret: str | None = Field(default=None, alias="RITUALBOT_WEBHOOK_SECRET")
    tick_seconds: float = Field(default=20.0, alias="RITUALBOT_TICK_SECONDS", gt=0)
    log_level: str = Field(default="INFO", alias="RITUALBOT_LOG_LEVEL")
    # HTTP mode: requests handled at once (also the listener workers and the database pool), and
    # connections held open; a deadline brings every PM's submission within the same minutes.
    http_threads: int = Field(default=8, alias="RITUALBOT_HTTP_THREADS", ge=1, le=256)
    http_connection_limit: int = Field(default=200, alias="RITUALBOT_HTTP_CONNECTION_LIMIT", ge=1)
    # A custom status with one of these emoji, or one of these words, means "away" (time off).
    away_emoji: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_AWAY_EMOJI), alias="RITUALBOT_AWAY_EMOJI"
    )
    away_words: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_AWAY_WORDS), alias="RITUALBOT_AWAY_WORDS"
    )

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    @classmethod
    def load(cls) -> Settings:
        """Read the process environment and `.env`; the only place that does."""
        return cls()

    @field_validator("rituals_path", mode="before")
    @classmethod
    def _split_folders(cls, value: object) -> object:
        # Several folders are separated like PATH.
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @field_validator("admins", "away_emoji", "away_words", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins base_url and method name by plain concatenation.
        return value if value.endswith("/") else value + "/"

    def require(self, name: str) -> str:
        """The value of a setting a command cannot do without, or a `MissingSetting` saying why."""
        value = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }.get(name)
        if not value:
            raise MissingSetting(name)
        return value

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)
