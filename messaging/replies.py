"""What a person sees in answer to their own request: a notice on their modal, a command's help.

Every domain answers its people the same way: a refusal or a failure stacked on the modal they
are in (what they typed stays underneath), and `/<command> help` generated from the command's
own table of subcommands, so it never drifts from what the command does. Ephemeral answers
with many lines are laid out by `messaging.layout.one_message`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.types import JsonDict
from messaging.layout import context, cut_to_fit, section
from messaging.limits import MODAL_TITLE, SECTION_TEXT

HOME_HINT = "Open the app's *Home* tab to see what is waiting for you."


def notice_modal(text: str, title: str = "Not now") -> JsonDict:
    """A small modal carrying one message, with a Back button and nothing to submit."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": cut_to_fit(title, MODAL_TITLE)},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [section(cut_to_fit(text, SECTION_TEXT))],
    }


@dataclass(frozen=True)
class HelpEntry:
    """One line of a slash command's help."""

    usage: str
    summary: str
    # Shown with "(owners and admins)": everyone may try it, only they may do it.
    restricted: bool = False


def help_blocks(
    command: str, intro: str, entries: Iterable[HelpEntry], *, note: str | None = None
) -> list[JsonDict]:
    """The help as blocks: an optional note (why it is shown), the intro, one line per entry."""
    lines = []
    for entry in entries:
        marker = " _(owners and admins)_" if entry.restricted else ""
        lines.append(f"`{command} {entry.usage}` — {entry.summary}{marker}")
    blocks = [section(note)] if note else []
    return [*blocks, section(intro), section("\n".join(lines)), context(HOME_HINT)]


def help_text(command: str, product: str, entries: Iterable[HelpEntry]) -> str:
    """The help's plain fallback, for notifications and screen readers."""
    return f"{product} commands: " + ", ".join(f"{command} {entry.usage}" for entry in entries)
