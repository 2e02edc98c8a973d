"""`/ritual okrs [OBJECTIVE]`: where every key result stands, shown only to the person who asked."""

from __future__ import annotations

from functools import partial

from handlers.registry import ListenerSpec
from handlers.rituals.commands import CommandTable, Invocation, Reply, Subcommand
from handlers.rituals.help import SubcommandHelp
from insights.services import Insights


def show_key_results(insights: Insights, invocation: Invocation) -> Reply:
    objective = invocation.args[0] if invocation.args else None
    text, blocks = insights.status(objective)
    return Reply(text=text, blocks=blocks)


def register(table: CommandTable, insights: Insights) -> list[ListenerSpec]:
    """A subcommand of `/ritual` (its listener is the command's own, in handlers.rituals)."""
    table.add(
        Subcommand(
            "okrs",
            SubcommandHelp("okrs [OBJECTIVE]", "where every key result stands, worst first"),
            partial(show_key_results, insights),
        )
    )
    return []
