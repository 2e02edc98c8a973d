"""Registers every listener exactly once and returns what each one needs."""

from __future__ import annotations

from slack_bolt import App

from handlers import home
from handlers.home import HomeTab
from handlers.insights import okrs
from handlers.registry import ListenerSpec
from handlers.rituals import answer_form, approval, commands, controls, export, prompt_actions, runs
from insights.services import Insights
from rituals.services import Services


def register_all(
    app: App, services: Services, home_tab: HomeTab, insights: Insights | None = None
) -> list[ListenerSpec]:
    table = commands.CommandTable()
    specs: list[ListenerSpec] = []
    specs += commands.register(app, services, table)
    specs += controls.register(app, services, table)
    specs += runs.register(app, services, table, home_tab)
    specs += prompt_actions.register(app, services)
    specs += answer_form.register(app, services)
    specs += home.register(app, home_tab)
    specs += export.register(app, services)
    specs += approval.register(app, services, services.publisher)
    if insights is not None:
        specs += okrs.register(table, insights)
    return specs
