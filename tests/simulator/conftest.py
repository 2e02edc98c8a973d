"""Fixtures for the simulated workspace: a started workspace on a frozen clock, a real WebClient.

The clock only drives what the *simulator* times (message ts, trigger age, rate budgets), so
tests move it instead of sleeping. Request signing between driver and bot uses real time, as
Bolt's verifier does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from core.clock import FrozenClock
from simulator import SimulatedWorkspace, default_roster

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def workspace(clock: FrozenClock) -> Iterator[SimulatedWorkspace]:
    ws = SimulatedWorkspace(default_roster(at=START), bot_token=TOKEN, signing_secret=SECRET, clock=clock)
    with ws:
        yield ws


@pytest.fixture
def client(workspace: SimulatedWorkspace) -> WebClient:
    """A plain WebClient: no retry handlers, so every fault surfaces as the bot would see it."""
    return WebClient(token=TOKEN, base_url=workspace.api_url, timeout=5, retry_handlers=[])
