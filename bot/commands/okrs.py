"""`ritualbot okrs status`: where every key result stands, from the database (no Slack token)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from bot.configuration import load_configuration
from bot.settings import Settings
from core.clock import SystemClock
from insights.report import ReportFormat, render_status
from insights.standing import current_standings
from storage.database import create_database_engine, create_session_factory
from storage.migrate import ensure_current


@click.group("okrs")
def okrs_group() -> None:
    """Objectives and key results."""


@okrs_group.command("status")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["md", "json", "csv"]),
    default="md",
    show_default=True,
    help="md: a report to read; json: objectives with their key results; csv: one row per key result.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
def status_command(output_format: str, output: Path | None) -> None:
    """Every key result: value, progress, trend since the previous check-in, confidence.

    Grouped by objective, the objective with the worst key result first. Sources are not
    fetched here: the numbers are those of the latest check-ins and runs.
    """
    settings = Settings.load()
    catalog = load_configuration(settings.rituals_path).objectives
    engine = create_database_engine(settings.database_url)
    try:
        ensure_current(engine)
        with create_session_factory(engine)() as session:
            standings = current_standings(session, catalog)
    finally:
        engine.dispose()
    text = render_status(standings, cast(ReportFormat, output_format), SystemClock().now())
    with click.open_file(str(output) if output else "-", "wb", atomic=output is not None) as stream:
        stream.write(text.encode("utf-8"))
    if output is not None:
        click.echo(f"wrote {len(standings)} key result(s) to {output}", err=True)


def attach(group: click.Group) -> None:
    group.add_command(okrs_group)
