"""`ritualbot db upgrade|current`."""

from __future__ import annotations

import click

from bot.database import open_database
from bot.settings import Settings
from storage.migrate import current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """Database schema: upgrade it, or show where it is."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Bring the schema up to date (safe to run again; run it before `ritualbot run`)."""
    with open_database(Settings.load().database_url, require_current=False) as database:
        before = current_revision(database.engine)
        upgrade(database.engine)
        after = current_revision(database.engine)
    click.echo(f"schema {before or 'empty'} → {after}" if before != after else f"schema already at {after}")


@db_group.command("current")
def current_command() -> None:
    """Print the schema revision and whether it is the newest."""
    with open_database(Settings.load().database_url, require_current=False) as database:
        current, head = current_revision(database.engine), head_revision(database.engine)
    click.echo(f"{current or 'empty'} ({'up to date' if current == head else f'newest is {head}'})")


def attach(group: click.Group) -> None:
    group.add_command(db_group)
