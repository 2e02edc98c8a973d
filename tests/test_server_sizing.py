"""The server is sized for a deadline rush from settings: waitress threads and connection limit,
Bolt's listener workers (one per request thread, which waits for its listener's ack) and the
database pool (a connection for every worker, and some for the tick, the sender and health)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from bot.server import HttpServer
from bot.settings import Settings
from core.clock import FrozenClock
from storage.database import BACKGROUND_CONNECTIONS, create_database_engine


def test_sizes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RITUALBOT_HTTP_THREADS", "24")
    monkeypatch.setenv("RITUALBOT_HTTP_CONNECTION_LIMIT", "400")
    settings = Settings.load()
    assert (settings.http_threads, settings.http_connection_limit) == (24, 400)


def test_a_server_without_threads_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RITUALBOT_HTTP_THREADS", "0")
    with pytest.raises(ValidationError, match="RITUALBOT_HTTP_THREADS"):
        Settings.load()


def test_waitress_gets_the_threads_and_the_connection_limit() -> None:
    server = HttpServer(
        lambda environ, start_response: [], host="127.0.0.1", port=0, threads=3, connection_limit=7
    )
    try:
        adjustments = server._server.adj
        assert (adjustments.threads, adjustments.connection_limit) == (3, 7)
    finally:
        server.stop()


def test_the_pool_has_a_connection_for_every_worker(database_url: str, engine: Engine) -> None:
    sized = create_database_engine(database_url, workers=5)
    try:
        assert sized.pool.size() == 5 + BACKGROUND_CONNECTIONS  # type: ignore[attr-defined]
    finally:
        sized.dispose()


def test_the_app_has_a_listener_worker_for_every_request_thread(database_url: str, engine: Engine) -> None:
    with Sandbox(database_url, FrozenClock(datetime(2027, 1, 4, tzinfo=UTC)), migrate=False) as sandbox:
        threads = sandbox.settings.http_threads
        assert sandbox.app.bolt.listener_runner.listener_executor._max_workers == threads  # type: ignore[attr-defined]
        assert sandbox.engine.pool.size() == threads + BACKGROUND_CONNECTIONS  # type: ignore[attr-defined]
