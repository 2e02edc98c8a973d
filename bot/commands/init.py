"""`ritualbot init [FOLDER]`: the built-in rituals as a team's own editable files."""

from __future__ import annotations

from pathlib import Path

import click

from bot.configuration import configuration_problems
from rituals.definition.starter import TeamSetup, starter_files


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=Path("rituals"))
@click.option(
    "--owner",
    "owners",
    prompt="Owner of the rituals (user id, email or @handle; several with commas)",
    help="Who owns the rituals: approves sales posts and hears about problems.",
)
@click.option(
    "--participants",
    prompt="Who answers (user ids, emails or @handles with commas, a @user-group or a #channel)",
    help="Who is asked: people (U1,U2 or emails), a user group (@product-managers) or a #channel.",
)
@click.option(
    "--leaders-channel", prompt="Channel for the leaders' digest", help="Where leaders read the digest."
)
@click.option("--sales-channel", prompt="Channel for the customer-safe roadmap", help="Where sales reads.")
@click.option(
    "--marketing-channel",
    default="marketing-launches",
    show_default=True,
    help="Where marketing reads the launch list.",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist already.")
def init_command(
    folder: Path,
    owners: str,
    participants: str,
    leaders_channel: str,
    sales_channel: str,
    marketing_channel: str,
    force: bool,
) -> None:
    """Write editable copies of the built-in rituals into FOLDER (default: ./rituals), with your
    team's owners, participants and channels, then check them."""
    setup = TeamSetup(
        owners=_split(owners),
        participants=_split(participants),
        leaders_channel=leaders_channel,
        sales_channel=sales_channel,
        marketing_channel=marketing_channel,
    )
    files = starter_files(setup)
    existing = [folder / name for name in files if (folder / name).exists()]
    if existing and not force:
        raise click.ClickException(
            f"{len(existing)} file(s) exist already, e.g. {existing[0]}; use --force to overwrite them"
        )
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}")
    problems = configuration_problems([folder])
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo(
        f"\nNext: set RITUALS_PATH={folder} (these override the built-in rituals with the same id), "
        "then run `ritualbot doctor` to check the people and channels in Slack, then `ritualbot run`."
    )


def attach(group: click.Group) -> None:
    group.add_command(init_command)
