"""`ritualbot export`: compiled ritual data for leaders."""

from __future__ import annotations

import click


@click.command("export")
@click.argument("ritual")
@click.option("--format", "output_format", type=click.Choice(["csv", "json", "md"]), default="csv")
def export_command(ritual: str, output_format: str) -> None:
    """Export a ritual's compiled answers (arrives with digest compiling and publishing)."""
    click.echo(
        "ritualbot export arrives with digest compiling and publishing; nothing to export yet.", err=True
    )
    raise SystemExit(3)


def attach(group: click.Group) -> None:
    group.add_command(export_command)
