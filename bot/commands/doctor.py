"""`ritualbot doctor`: one line per problem between the configuration and the workspace."""

from __future__ import annotations

import click

from bot.configuration import load_configuration
from bot.logging_setup import configure_logging
from bot.settings import Settings
from bot.slack_client import create_web_client
from bot.slack_gateway import WebClientGateway
from bot.slack_scopes import required_scopes
from core.clock import SystemClock
from messaging.doctor import Doctor, Finding
from messaging.people import PeopleDirectory
from rituals.definition.needs import RitualNeeds
from rituals.definition.people import with_user_ids


def examine(settings: Settings, *, join: bool = True) -> list[Finding]:
    """The checks, on the token and rituals of `settings` (people's names asked of Slack afresh)."""
    gateway = WebClientGateway(create_web_client(settings))
    library = load_configuration(settings.rituals_path, live=True).live_library
    directory = PeopleDirectory(gateway, SystemClock())
    doctor = Doctor(gateway, required_scopes(), [RitualNeeds(library)])
    # With a refused token this resolves nothing (quietly); examine() then reports the token.
    library.use(lambda loaded: with_user_ids(loaded, directory.resolve))
    return doctor.examine(join=join)


@click.command("doctor")
@click.option("--no-join", is_flag=True, help="Report channels the bot is not in instead of joining them.")
def doctor_command(no_join: bool) -> None:
    """Check the token, its scopes, and every person, user group and channel the rituals name.

    Prints one line per problem with its fix and exits 1 if there is any.
    """
    settings = Settings.load()
    configure_logging("WARNING")
    settings.require("SLACK_BOT_TOKEN")
    findings = examine(settings, join=not no_join)
    for finding in findings:
        click.echo(str(finding))
    problems = [finding for finding in findings if not finding.fixed]
    if problems:
        raise SystemExit(1)
    click.echo("ok: the workspace has everything the rituals need", err=True)


def attach(group: click.Group) -> None:
    group.add_command(doctor_command)
