"""`ritualbot demo`: a ritual on the simulated workspace, narrated in the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from bot.demo.story import run_demo


@click.command("demo")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo's database and the Block Kit JSON of every post.",
)
def demo_command(output: Path) -> None:
    """Run a monthly roadmap check-in and two OKR check-ins on a simulated Slack workspace (no tokens
    needed; the key results' numbers come from a local HTTP server)."""
    run_demo(output, echo=click.echo)


def attach(group: click.Group) -> None:
    group.add_command(demo_command)
