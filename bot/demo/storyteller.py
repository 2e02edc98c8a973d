"""What the demo's story lends the parts told inside it (the research registry, key results):
its terminal, its simulated workspace and clock, and where it keeps each message's Block Kit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from simulator import EphemeralMessage, Message, SimulatedWorkspace, SlackDriver, ViewRecord


class Storyteller(Protocol):
    sandbox: Sandbox
    clock: FrozenClock
    ws: SimulatedWorkspace
    driver: SlackDriver

    @property
    def output(self) -> Path: ...

    def section(self, title: str) -> None: ...

    def say(self, text: str) -> None:
        """A plain line."""
        ...

    def say_mrkdwn(self, text: str) -> None:
        """A line of Slack mrkdwn, shown as a terminal can."""
        ...

    def show(self, label: str, message: Message | EphemeralMessage) -> None:
        """A message as the person sees it, its Block Kit saved."""
        ...

    def modal(self, user: str, callback_id: str) -> ViewRecord: ...

    def name(self, user: str) -> str: ...

    def until(self, found: Callable[[], Any], step: timedelta = ...) -> Any: ...
