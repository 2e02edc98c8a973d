"""A team's own copies of the built-in rituals, with its people and channels filled in.

`ritualbot init` writes these so nobody copies four files and replaces the placeholders by
hand. The built-in files are edited line by line (not re-serialised), so their comments, order
and layout stay as written: they are meant to be read and changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rituals.library import BUILTIN_LIBRARY, BUILTIN_TEMPLATES

PLACEHOLDER_OWNER = "U0PRODOPS"
PLACEHOLDER_GROUP = "product-managers"
PLACEHOLDER_CHANNELS = {
    "leaders": "product-leads",
    "sales": "sales-roadmap",
    "marketing": "marketing-launches",
}


@dataclass(frozen=True)
class TeamSetup:
    """Who owns the rituals, who answers them, and where each audience reads.

    `participants` is a list of people (user ids, emails or @handles), or one `@group` (a user
    group's handle) or `#channel` (its members take part).
    """

    owners: list[str]
    participants: list[str]
    leaders_channel: str
    sales_channel: str
    marketing_channel: str


def _flow_item(value: str) -> str:
    """A YAML flow-list item: quoted when YAML would read it otherwise (@ starts nothing)."""
    return f'"{value}"' if value.startswith(("@", "#")) else value


def _participants(setup: TeamSetup) -> str:
    if (
        len(setup.participants) == 1
        and setup.participants[0].startswith("@")
        and "." not in setup.participants[0]
    ):
        handle = setup.participants[0][1:]
        # One @name could be a person or a user group; a group's handle is the usual meaning here.
        return f"  usergroup: {handle}"
    if len(setup.participants) == 1 and setup.participants[0].startswith("#"):
        return f"  channel: {setup.participants[0][1:]}"
    return f"  users: [{', '.join(_flow_item(p) for p in setup.participants)}]"


def customise(text: str, setup: TeamSetup) -> str:
    """One built-in ritual file with the team's people and channels instead of the placeholders."""
    owners = ", ".join(_flow_item(owner) for owner in setup.owners)
    text = text.replace(f"owners: [{PLACEHOLDER_OWNER}]", f"owners: [{owners}]")
    text = re.sub(rf"^  usergroup: {PLACEHOLDER_GROUP}$", _participants(setup), text, flags=re.MULTILINE)
    channels = {
        "leaders": setup.leaders_channel,
        "sales": setup.sales_channel,
        "marketing": setup.marketing_channel,
    }
    for audience, placeholder in PLACEHOLDER_CHANNELS.items():
        channel = channels[audience].lstrip("#")
        text = text.replace(
            f"{{name: {audience}, to: [{placeholder}]", f"{{name: {audience}, to: [{channel}]"
        )
    return text


def starter_files(setup: TeamSetup) -> dict[Path, str]:
    """Relative path -> content: every built-in ritual customised, and the templates to edit."""
    files = {
        Path(path.name): customise(path.read_text(encoding="utf-8"), setup)
        for path in sorted(BUILTIN_LIBRARY.glob("*.yml"))
    }
    files.update(
        (Path("templates") / path.name, path.read_text(encoding="utf-8"))
        for path in sorted(BUILTIN_TEMPLATES.glob("*.j2"))
    )
    return files
