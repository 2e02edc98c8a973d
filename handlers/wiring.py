"""Registers every listener exactly once and returns what each one needs.

Listeners are module-level functions. What they work with reaches them the way Bolt hands a
listener anything: by parameter name from the request's context, which one global middleware
fills (`services`, `home`), after another refuses bodies without Slack's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext

from handlers import home
from handlers.home import HomeTab
from handlers.payloads import check_envelope
from handlers.registry import ListenerSpec
from handlers.rituals import (
    answer_form,
    approval,
    commands,
    export,
    prompt_actions,
    run_commands,
    schedule_commands,
)
from rituals.services import Services

MODULES = (commands, schedule_commands, run_commands, prompt_actions, answer_form, home, export, approval)


def refuse_malformed(body: Mapping[str, Any], next: Callable[[], None]) -> None:
    """Before routing: a click, submission or command without Slack's shape is a 400 (see payloads)."""
    check_envelope(body)
    next()


@dataclass(frozen=True)
class ListenerContext:
    """A global middleware putting what the listeners need into every request's context."""

    services: Services
    home: HomeTab

    def __call__(self, context: BoltContext, next: Callable[[], None]) -> None:
        context["services"] = self.services
        context["home"] = self.home
        next()


def register_all(app: App, services: Services, home_tab: HomeTab) -> list[ListenerSpec]:
    app.use(refuse_malformed)
    app.use(ListenerContext(services, home_tab))
    return [spec for module in MODULES for spec in module.register(app)]
