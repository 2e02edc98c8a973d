"""`ritualbot`: the command line. Each command reads settings once, then calls into the app."""

from __future__ import annotations

import sys

import click

from bot.settings import MissingSetting


class RitualbotGroup(click.Group):
    """Turns a missing setting or an out-of-date schema into one readable line and exit code 2, and
    invalid configuration files into their problems and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        from bot.configuration import InvalidConfiguration
        from storage.migrate import SchemaOutOfDate

        try:
            return super().invoke(ctx)
        except (MissingSetting, SchemaOutOfDate) as error:
            click.echo(f"ritualbot: {error}", err=True)
            sys.exit(2)
        except InvalidConfiguration as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            click.echo(f"ritualbot: refusing to start with invalid {error.what} (see above)", err=True)
            sys.exit(1)


@click.group(cls=RitualbotGroup)
@click.version_option(package_name="ritualbot")
def main() -> None:
    """ritualbot runs product rituals in Slack: check-ins on a cadence, digests for leaders,
    roadmap and launch posts for sales and marketing, key results and metrics."""


from bot.commands import (  # noqa: E402
    db,
    demo,
    doctor,
    export,
    init,
    okrs,
    preview,
    research,
    rituals,
    run,
)

# Each command module attaches its commands to `main`.
for module in (run, demo, db, rituals, export, doctor, init, preview, research, okrs):
    module.attach(main)
