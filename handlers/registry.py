"""A declaration of every listener and what it needs from Slack.

`register_all` wires listeners into the Bolt app and returns these specs; a test checks them
against `manifest.yml`, so a listener whose command, event or scope the manifest lacks (or a
manifest entry with no listener) fails CI instead of failing silently in a workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ListenerKind = Literal["command", "event", "action", "view", "options", "shortcut"]


@dataclass(frozen=True)
class ListenerSpec:
    kind: ListenerKind
    # The slash command, event type, action_id pattern, view or shortcut callback_id it answers
    # (for "options", the action_id of the external select it fills).
    key: str
    # Bot scopes the listener's own Web API calls need.
    scopes: frozenset[str] = frozenset()
