"""`ritualbot db upgrade|current`."""

from __future__ import annotations

import click

from bot.settings import Settings
from storage.database import create_database_engine
from storage.migrate import current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """Database schema: upgrade it, or show where it is."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Bring the schema up to date (safe to run again; run it before `ritualbot run`)."""
    engine = create_database_engine(Settings.load().database_url)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    click.echo(f"schema {before or 'empty'} → {after}" if before != after else f"schema already at {after}")
    engine.dispose()


@db_group.command("current")
def current_command() -> None:
    """Print the schema revision and whether it is the newest."""
    engine = create_database_engine(Settings.load().database_url)
    current, head = current_revision(engine), head_revision(engine)
    click.echo(f"{current or 'empty'} ({'up to date' if current == head else f'newest is {head}'})")
    engine.dispose()


def attach(group: click.Group) -> None:
    group.add_command(db_group)
