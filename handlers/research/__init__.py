"""Slack listeners of the research registry: `/research`, the log modal and its menus, the
message shortcut, the Home tab's button and going ahead against a rule.

Each listener is a module-level function taking the registry's services first; `register`
binds them, and Bolt fills in the rest by name.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import App

from handlers.registry import ListenerSpec
from handlers.research import commands, log, outreach
from research.home import HOME_LOG_ACTION
from research.log import menus, modal
from research.results import SEARCH_PAGE_ACTIONS
from research.services import ResearchServices
from research.views import GO_AHEAD_CALLBACK, PLAN_OVERRIDE_ACTION


def register(app: App, research: ResearchServices) -> list[ListenerSpec]:
    app.command(commands.COMMAND)(partial(commands.research_command, research))
    app.action(SEARCH_PAGE_ACTIONS)(partial(commands.search_page, research))
    app.action(HOME_LOG_ACTION)(partial(log.log_from_home, research))
    app.message_shortcut(log.LOG_SHORTCUT)(partial(log.log_from_message, research))
    app.options(menus.ACCOUNT_ACTION)(partial(log.suggest_accounts, research))
    app.options(menus.CONTACT_ACTION)(partial(log.suggest_contacts, research))
    app.action(menus.CONTACT_ACTION)(partial(log.contact_picked, research))
    app.view(modal.LOG_CALLBACK)(partial(log.submit_log, research))
    app.action(PLAN_OVERRIDE_ACTION)(partial(outreach.go_ahead_clicked, research))
    app.view(GO_AHEAD_CALLBACK)(partial(outreach.go_ahead_submitted, research))
    return [
        ListenerSpec("command", commands.COMMAND, frozenset({"commands"})),
        ListenerSpec("action", SEARCH_PAGE_ACTIONS.pattern),
        ListenerSpec("action", HOME_LOG_ACTION),
        ListenerSpec("shortcut", log.LOG_SHORTCUT, frozenset({"commands"})),
        ListenerSpec("options", menus.ACCOUNT_ACTION),
        ListenerSpec("options", menus.CONTACT_ACTION),
        ListenerSpec("action", menus.CONTACT_ACTION),
        ListenerSpec("view", modal.LOG_CALLBACK),
        ListenerSpec("action", PLAN_OVERRIDE_ACTION),
        ListenerSpec("view", GO_AHEAD_CALLBACK),
    ]
