"""`ritualbot okrs status`: where every key result stands, from the database (no Slack token)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from bot.commands.output_file import output_option, write_document
from bot.configuration import load_configuration
from bot.database import open_database
from bot.settings import Settings
from core.clock import SystemClock
from insights.report import ReportFormat, render_status
from insights.standing import current_standings


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
@output_option
def status_command(output_format: str, output: Path | None) -> None:
    """Every key result: value, progress, trend since the previous check-in, confidence.

    Grouped by objective, the objective with the worst key result first. Sources are not
    fetched here: the numbers are those of the latest check-ins and runs.
    """
    settings = Settings.load()
    catalog = load_configuration(settings.rituals_path).objectives
    with open_database(settings.database_url) as database, database.session_factory() as session:
        standings = current_standings(session, catalog)
    text = render_status(standings, cast(ReportFormat, output_format), SystemClock().now())
    write_document(text, output)
    if output is not None:
        click.echo(f"wrote {len(standings)} key result(s) to {output}", err=True)


def attach(group: click.Group) -> None:
    group.add_command(okrs_group)
