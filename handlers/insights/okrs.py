"""`/ritual okrs [OBJECTIVE]`: where every key result stands, shown only to the person who asked.

A subcommand of `/ritual`: it joins the command's table (`handlers.rituals.commands`), and
the command's listener hands it the key results' services with the invocation.
"""

from __future__ import annotations

from handlers.rituals.command_table import Invocation, Reply, Subcommand
from messaging.replies import HelpEntry


def show_key_results(invocation: Invocation) -> Reply:
    objective = invocation.args[0] if invocation.args else None
    text, blocks = invocation.insights.status(objective)
    return Reply(text=text, blocks=blocks)


SUBCOMMANDS = (
    Subcommand(
        "okrs", HelpEntry("okrs [OBJECTIVE]", "where every key result stands, worst first"), show_key_results
    ),
)
