"""`/ritual reload` and `/ritual doctor`: the configuration's upkeep, from Slack."""

from __future__ import annotations

from slack_bolt import App

from handlers.registry import ListenerSpec
from handlers.rituals.commands import CommandTable, Invocation, Reply, Subcommand
from handlers.rituals.help import SubcommandHelp
from rituals.definition.upkeep import doctor_report, reload_now
from rituals.services import Services


def _reload(invocation: Invocation) -> Reply:
    return Reply(reload_now(invocation.services, invocation.user_id))


def _doctor(invocation: Invocation) -> Reply:
    return Reply(doctor_report(invocation.services, invocation.user_id))


def register(app: App, services: Services, table: CommandTable) -> list[ListenerSpec]:
    table.add(
        Subcommand(
            "reload", SubcommandHelp("reload", "read the ritual files again now", True), _reload, slow=True
        )
    )
    table.add(
        Subcommand(
            "doctor",
            SubcommandHelp("doctor", "check the token, people, groups and channels the rituals need", True),
            _doctor,
            slow=True,
        )
    )
    return []
