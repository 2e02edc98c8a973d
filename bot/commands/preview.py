"""`ritualbot preview RITUAL`: the prompt, the modal and every post, without a workspace."""

from __future__ import annotations

import click
from rich.console import Console

from bot.configuration import load_configuration
from bot.demo.terminal import builder_link, show_blocks
from bot.settings import Settings
from rituals.definition.loading import UnknownRitual
from rituals.publish.preview import ritual_previews

SAMPLE_NAMES = {
    "U0SAMPLE1": "Sam Ple",
    "U0SAMPLE2": "Sue Ample",
    "U0SAMPLE3": "Sid Lent",
    "U0SAMPLE4": "Ola Ofoffice",
}


@click.command("preview")
@click.argument("ritual")
def preview_command(ritual: str) -> None:
    """Show RITUAL's prompt, modal and every audience's post with sample answers, as a terminal
    renders them, each with a Block Kit Builder link to see it as Slack draws it."""
    library = load_configuration(Settings.load().rituals_path).library
    try:
        loaded = library.loaded(ritual)
    except UnknownRitual as error:
        raise click.ClickException(str(error)) from error
    console = Console(soft_wrap=True)
    for preview in ritual_previews(loaded):
        console.print()
        console.rule(f"[bold]{preview.label}[/bold]")
        show_blocks(console, preview.blocks, lambda user: SAMPLE_NAMES.get(user, user), preview.text)
        link = builder_link(preview.view if preview.view is not None else preview.blocks)
        console.print(f"Block Kit Builder: {link}", markup=False, highlight=False)


def attach(group: click.Group) -> None:
    group.add_command(preview_command)
