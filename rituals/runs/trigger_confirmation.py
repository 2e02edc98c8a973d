"""The question `/ritual trigger` asks when the ritual already has an open run.

Opening another run prompts everyone again, which a replayed or repeated command must not do
unasked; the owner sees what is open and a button that opens another one anyway.
"""

from __future__ import annotations

from core.types import JsonDict
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.schema import RitualDefinition
from storage.models import Run

TRIGGER_CONFIRM_ACTION = "trigger_confirm"


def already_open_text(definition: RitualDefinition, run: Run) -> str:
    name = mrkdwn_escape(definition.name)
    key = mrkdwn_escape(run.occurrence_key)
    return (
        f"*{name}* already has an open run ({key}), so nothing was opened. "
        "Opening another one prompts everyone again."
    )


def confirmation_blocks(definition: RitualDefinition, run: Run) -> list[JsonDict]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": already_open_text(definition, run)}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": TRIGGER_CONFIRM_ACTION,
                    "text": {"type": "plain_text", "text": "Open another run"},
                    "value": definition.id,
                }
            ],
        },
    ]
