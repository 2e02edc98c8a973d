"""`ritualbot`: the command line. Each command reads settings once, then calls into the app."""

from __future__ import annotations

import importlib
import sys

import click

from bot.settings import MissingSetting

# The module (in `bot.commands`) that attaches each command. A command's module, and all it
# imports, is loaded when that command is asked for: `ritualbot run` starts without the demo's
# simulated workspace, the exports' formats or the research importers.
COMMAND_MODULES = {
    "run": "run",
    "demo": "demo",
    "db": "db",
    "validate": "rituals",
    "next": "rituals",
    "trigger": "rituals",
    "pause": "rituals",
    "resume": "rituals",
    "skip-next": "rituals",
    "export": "export",
    "doctor": "doctor",
    "init": "init",
    "preview": "preview",
    "research": "research",
    "okrs": "okrs",
}


class RitualbotGroup(click.Group):
    """Loads each command when it is asked for; turns a missing setting or an out-of-date schema
    into one readable line and exit code 2, and invalid configuration files into their problems
    and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"bot.commands.{COMMAND_MODULES[cmd_name]}").attach(self)
        return super().get_command(ctx, cmd_name)

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
