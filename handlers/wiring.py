"""Registers every listener exactly once and returns what each one needs."""

from __future__ import annotations

from slack_bolt import App

from handlers import commands, controls, home
from handlers.registry import ListenerSpec
from rituals.services import Services


def register_all(app: App, services: Services) -> list[ListenerSpec]:
    table = commands.CommandTable()
    specs: list[ListenerSpec] = []
    specs += commands.register(app, services, table)
    specs += controls.register(app, services, table)
    specs += home.register(app, services)
    return specs
