"""`/ritual reload` and `/ritual doctor`: the configuration's upkeep, from Slack."""

from __future__ import annotations

from handlers.rituals.command_table import Invocation, Reply, Subcommand, lines_reply
from messaging.replies import HelpEntry
from rituals.definition.upkeep import doctor_report, reload_now


def reload_rituals(invocation: Invocation) -> Reply:
    return lines_reply(reload_now(invocation.services, invocation.user_id))


def check_workspace(invocation: Invocation) -> Reply:
    return lines_reply(doctor_report(invocation.services, invocation.user_id))


SUBCOMMANDS = (
    # Both read files or ask Slack: answer through response_url.
    Subcommand(
        "reload",
        HelpEntry("reload", "read the ritual files again now", restricted=True),
        reload_rituals,
        slow=True,
    ),
    Subcommand(
        "doctor",
        HelpEntry("doctor", "check the token, people, groups and channels the rituals need", restricted=True),
        check_workspace,
        slow=True,
    ),
)
