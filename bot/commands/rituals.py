"""Ritual commands: `validate`, `next`, `trigger`, and the owners' `pause`, `resume`, `skip-next`."""

from __future__ import annotations

from pathlib import Path

import click

from bot.app import wire_domain
from bot.configuration import configuration_problems, load_configuration
from bot.logging_setup import configure_logging
from bot.settings import Settings
from bot.slack_client import create_web_client
from core.clock import SystemClock
from rituals.definition.loading import BUILTIN_LIBRARY, RitualLibrary, UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.runs.opening import create_manual_run
from rituals.schedule import controls
from rituals.schedule.occurrences import next_openings
from storage.database import create_database_engine, create_session_factory
from storage.migrate import ensure_current

CLI_ACTOR = "cli"


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check ritual and objectives files (default: the built-in library and RITUALS_PATH).

    Prints every problem as `file:line: message` and exits 1 if there is any.
    """
    targets = list(paths) or [BUILTIN_LIBRARY, *Settings.load().rituals_path]
    problems = configuration_problems(targets)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    click.echo(f"ok: {', '.join(str(target) for target in targets)}", err=True)


@click.command("next")
@click.argument("ritual")
@click.option(
    "-n", "count", default=5, show_default=True, type=click.IntRange(1, 500), help="How many openings."
)
def next_command(ritual: str, count: int) -> None:
    """Print the next openings of RITUAL, ISO 8601 in the ritual's time zone."""
    library = load_configuration(Settings.load().rituals_path).library
    definition = _get(library, ritual)
    for occurrence in next_openings(definition, SystemClock().now(), count):
        click.echo(occurrence.opens_at.isoformat())


@click.command("trigger")
@click.argument("ritual")
def trigger_command(ritual: str) -> None:
    """Open a run of RITUAL now and send its prompts."""
    settings = Settings.load()
    configure_logging(settings.log_level)
    configuration = load_configuration(settings.rituals_path)
    definition = _get(configuration.library, ritual)
    engine = create_database_engine(settings.database_url)
    try:
        ensure_current(engine)
        clock = SystemClock()
        domain = wire_domain(
            settings,
            client=create_web_client(settings),
            session_factory=create_session_factory(engine),
            clock=clock,
            library=configuration.library,
            objectives=configuration.objectives,
        )
        now = clock.now()
        with domain.services.session_factory.begin() as session:
            run = create_manual_run(session, definition, now, note="triggered from the command line")
        opened = domain.services.opener.open(run, now)
        # One tick sends what is due now; prompts timed for later (each person's local time)
        # are sent by the running bot.
        report = domain.tick()
        if opened is None:
            click.echo(f"run {run.id} of {definition.id} is {run.state.value}; nothing new was opened")
        else:
            click.echo(
                f"opened run {run.id} of {definition.id} for {len(opened.participants)} participants; "
                f"{report.sent.sent} messages sent"
            )
    finally:
        engine.dispose()


def _owner_command(name: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("ritual")
    def command(ritual: str) -> None:
        settings = Settings.load()
        library = load_configuration(settings.rituals_path).library
        definition = _get(library, ritual)
        engine = create_database_engine(settings.database_url)
        ensure_current(engine)
        now = SystemClock().now()
        try:
            with create_session_factory(engine).begin() as session:
                if name == "pause":
                    changed = controls.pause(session, definition, CLI_ACTOR, now)
                    click.echo(f"{definition.id} {'paused' if changed else 'was already paused'}")
                elif name == "resume":
                    changed = controls.resume(session, definition, CLI_ACTOR, now)
                    click.echo(f"{definition.id} {'resumed' if changed else 'was not paused'}")
                else:
                    occurrence, changed = controls.skip_next(session, definition, CLI_ACTOR, now)
                    state = "will skip" if changed else "was already skipping"
                    click.echo(f"{definition.id} {state} the opening at {occurrence.opens_at.isoformat()}")
        finally:
            engine.dispose()

    return command


def _get(library: RitualLibrary, ritual: str) -> RitualDefinition:
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
