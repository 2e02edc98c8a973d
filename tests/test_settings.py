from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import MissingSetting, Settings


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DATABASE_URL", "SLACK_API_URL", "RITUALS_PATH"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.load()
    assert settings.database_url == "sqlite:///ritualbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.socket_mode is False
    assert settings.rituals_path == []


def test_environment_and_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("RITUALS_PATH", "/srv/rituals:/srv/more")
    monkeypatch.setenv("RITUALBOT_ADMINS", "U1, U2")
    settings = Settings.load()
    assert settings.socket_mode is True
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.rituals_path == [Path("/srv/rituals"), Path("/srv/more")]
    assert settings.admins == ["U1", "U2"]


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    assert Settings.load().require("SLACK_BOT_TOKEN") == "xoxb-from-dotenv"


def test_missing_token_names_the_variable_and_where_to_get_it() -> None:
    settings = Settings(SLACK_BOT_TOKEN=None)
    with pytest.raises(MissingSetting) as caught:
        settings.require("SLACK_BOT_TOKEN")
    message = str(caught.value)
    assert message.startswith("SLACK_BOT_TOKEN is not set")
    assert "OAuth & Permissions" in message
