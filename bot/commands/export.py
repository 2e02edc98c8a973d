"""`ritualbot export RITUAL`: a ritual's compiled answers as CSV, JSON or Markdown, for leaders.

Reads the database only (no Slack token needed). With no runs to export it still succeeds and
writes an empty document of the asked format (the CSV header, ``[]``, a titled "No runs yet"
report), so a scheduled job exporting a new ritual does not fail; the note goes to stderr.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import cast

import click

from bot.commands.output_file import output_option, write_document
from bot.commands.rituals import ritual_named
from bot.configuration import load_configuration
from bot.database import open_database
from bot.settings import Settings
from core.errors import UserFacingError
from rituals.export.formats import ExportFormat, render
from rituals.export.snapshot import RunSelection, load_exports


@click.command("export")
@click.argument("ritual")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "json", "md"]),
    default="csv",
    show_default=True,
    help="csv: one row per item (or person), for spreadsheets; json: one document per run; md: a report.",
)
@click.option("--run", "run_key", metavar="KEY", help="Only the run with this occurrence key.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Only runs opening on or after this date (in the ritual's time zone).",
)
@output_option
def export_command(
    ritual: str, output_format: str, run_key: str | None, since: datetime | None, output: Path | None
) -> None:
    """Export RITUAL's compiled answers, every open or closed run, newest first."""
    settings = Settings.load()
    definition = ritual_named(load_configuration(settings.rituals_path).library, ritual)
    selection = RunSelection(key=run_key, since=since.date() if since else None)
    with open_database(settings.database_url) as database, database.session_factory() as session:
        try:
            runs = load_exports(session, definition, selection)
        except UserFacingError as error:
            raise click.ClickException(error.message) from error
    text = render(definition, runs, cast(ExportFormat, output_format))
    if not runs:
        click.echo(f"ritualbot: {definition.id} has no open or closed runs to export yet.", err=True)
    write_document(text, output)
    if output is not None:
        click.echo(f"exported {len(runs)} run(s) of {definition.id} to {output}", err=True)


def attach(group: click.Group) -> None:
    group.add_command(export_command)
