"""`ritualbot demo [RITUAL]`: a ritual on the simulated workspace, narrated in the terminal."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from bot.demo.story import DEFAULT_RITUAL, run_demo
from bot.settings import Settings
from rituals.definition.loading import UnknownRitual


@click.command("demo")
@click.argument("ritual", default=DEFAULT_RITUAL)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo's database, the Block Kit JSON of every post and every Slack call.",
)
def demo_command(ritual: str, output: Path) -> None:
    """Run RITUAL (default: the monthly roadmap check-in; any ritual of the built-in library or
    RITUALS_PATH) on a simulated Slack workspace, no tokens needed."""
    try:
        # soft_wrap: long lines (paths, links) stay whole in a pipe or a file.
        run_demo(output, Console(soft_wrap=True), ritual, Settings.load().rituals_path)
    except UnknownRitual as error:
        raise click.ClickException(str(error)) from error


def attach(group: click.Group) -> None:
    group.add_command(demo_command)
