"""Ritual commands: `validate`, `next`, `trigger`, and the owners' `pause`, `resume`, `skip-next`."""

from __future__ import annotations

from pathlib import Path

import click

from bot.app import wire_domain
from bot.configuration import configuration_problems, load_configuration
from bot.database import open_database, open_existing_database
from bot.logging_setup import configure_logging
from bot.settings import Settings
from bot.slack_client import create_web_client
from bot.slack_gateway import WebClientGateway
from core.clock import SystemClock
from core.config_files import Problem
from messaging.gateway import SlackError
from messaging.people import PeopleDirectory
from rituals.definition.loading import (
    BUILTIN_LIBRARY,
    RitualLibrary,
    UnknownRitual,
    load_library,
)
from rituals.definition.people import with_user_ids
from rituals.definition.schema import RitualDefinition
from rituals.runs.trigger import open_run, trigger_run
from rituals.schedule import pause_and_skip
from storage.models import RitualState

CLI_ACTOR = "cli"


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check ritual, research rules and objectives files (default: the built-in library and
    RITUALS_PATH).

    Prints every problem as `file:line: message` and exits 1 if there is any. With
    SLACK_BOT_TOKEN set, people named by email or @handle are looked up in Slack too.
    """
    settings = Settings.load()
    targets = list(paths) or [BUILTIN_LIBRARY, *settings.rituals_path]
    problems = configuration_problems(targets)
    if not problems and settings.slack_bot_token:
        problems = _unknown_people(settings, targets)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    click.echo(f"ok: {', '.join(str(target) for target in targets)}", err=True)


def _unknown_people(settings: Settings, targets: list[Path]) -> list[Problem]:
    """Names in the files that nobody in the token's workspace has."""
    gateway = WebClientGateway(create_web_client(settings))
    directory = PeopleDirectory(gateway, SystemClock())
    found: list[Problem] = []
    for target in targets:
        try:
            found += with_user_ids(load_library([target]), directory.resolve)[1]
        except SlackError as error:
            raise click.ClickException(f"could not look people up in Slack: {error}") from error
    # The built-in library is loaded under every target; report each finding once.
    return sorted(set(found))


@click.command("next")
@click.argument("ritual")
@click.option(
    "-n", "count", default=5, show_default=True, type=click.IntRange(1, 500), help="How many openings."
)
def next_command(ritual: str, count: int) -> None:
    """Print the next openings of RITUAL, ISO 8601 in the ritual's time zone."""
    settings = Settings.load()
    definition = ritual_named(load_configuration(settings.rituals_path).library, ritual)
    state = _schedule_state(settings, definition.id)
    plan = pause_and_skip.upcoming(definition, state, SystemClock().now(), count)
    if plan.paused:
        click.echo(f"{definition.id} is paused: nothing opens until resumed", err=True)
    if plan.skipped is not None:
        click.echo(f"{definition.id} skips {plan.skipped.opens_at.isoformat()} (skip-next)", err=True)
    for occurrence in plan.openings:
        click.echo(occurrence.opens_at.isoformat())


def _schedule_state(settings: Settings, ritual_id: str) -> RitualState | None:
    """The owners' pause and skip-next, when the database has been set up (else there are none)."""
    with open_existing_database(settings.database_url) as database:
        if database is None:
            return None
        with database.session_factory() as session:
            return pause_and_skip.schedule_state(session, ritual_id)


@click.command("trigger")
@click.argument("ritual")
@click.option(
    "--yes",
    "--force",
    "confirmed",
    is_flag=True,
    help="Open another run even when one is open (everyone is prompted again).",
)
def trigger_command(ritual: str, confirmed: bool) -> None:
    """Open a run of RITUAL now and send its prompts (asks for --yes while a run is open)."""
    settings = Settings.load()
    configure_logging(settings.log_level)
    configuration = load_configuration(settings.rituals_path)
    definition = ritual_named(configuration.library, ritual)
    with open_database(settings.database_url) as database:
        domain = wire_domain(
            settings,
            client=create_web_client(settings),
            session_factory=database.session_factory,
            clock=SystemClock(),
            library=configuration.library,
            domains=configuration.domains,
        )
        already = None if confirmed else open_run(domain.services, definition)
        if already is not None:
            raise click.ClickException(
                f"{definition.id} already has an open run ({already.id}, {already.occurrence_key}); "
                "nothing was opened. Add --yes to open another one and prompt everyone again."
            )
        triggered = trigger_run(domain.services, definition, note="triggered from the command line")
        # Only the outbox, not a whole tick: a tick would also open any other ritual that has
        # come due and report its prompts as this run's. Prompts timed for later (each
        # person's local time) are sent by the running bot.
        report = domain.sender.send_due()
        run = triggered.run
        if triggered.opened is None:
            click.echo(f"run {run.id} of {definition.id} is {run.state.value}; nothing new was opened")
        else:
            click.echo(
                f"opened run {run.id} of {definition.id} for {len(triggered.opened.participants)} "
                f"participants; {report.sent} messages sent"
            )


def _owner_command(name: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("ritual")
    def command(ritual: str) -> None:
        settings = Settings.load()
        definition = ritual_named(load_configuration(settings.rituals_path).library, ritual)
        now = SystemClock().now()
        with open_database(settings.database_url) as database, database.session_factory.begin() as session:
            if name == "pause":
                changed = pause_and_skip.pause(session, definition, CLI_ACTOR, now)
                click.echo(f"{definition.id} {'paused' if changed else 'was already paused'}")
            elif name == "resume":
                changed = pause_and_skip.resume(session, definition, CLI_ACTOR, now)
                click.echo(f"{definition.id} {'resumed' if changed else 'was not paused'}")
            else:
                occurrence, changed = pause_and_skip.skip_next(session, definition, CLI_ACTOR, now)
                state = "will skip" if changed else "was already skipping"
                click.echo(f"{definition.id} {state} the opening at {occurrence.opens_at.isoformat()}")

    return command


def ritual_named(library: RitualLibrary, ritual: str) -> RitualDefinition:
    """The ritual a command names; exit 1 with the known ids when there is none."""
    try:
        return library.get(ritual)
    except UnknownRitual as error:
        raise click.ClickException(str(error)) from error


def attach(group: click.Group) -> None:
    group.add_command(validate_command)
    group.add_command(next_command)
    group.add_command(trigger_command)
    group.add_command(_owner_command("pause", "Pause RITUAL: its occurrences are recorded as skipped."))
    group.add_command(_owner_command("resume", "Resume a paused RITUAL."))
    group.add_command(_owner_command("skip-next", "Skip RITUAL's next occurrence only."))
