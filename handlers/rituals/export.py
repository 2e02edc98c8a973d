"""The "Export CSV" button: the ritual's compiled answers as a file in the clicker's DM.

A click from a message carries a `response_url`, so the answer is an ephemeral reply there; a
click on the Home tab carries none, and on success the file in the DM speaks for itself (a
refusal or a failure takes the one failure path, `handlers.failures`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.payloads import BlockActions, parse
from handlers.registry import ListenerSpec
from rituals.export.export_button import EXPORT_CSV_ACTION, parse_export_value
from rituals.export.send_csv import send_csv_export
from rituals.services import Services


def export_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    click = parse(BlockActions, body)
    ritual_id, run_id = click.action.decoded(parse_export_value)
    ack()  # reading every run can take longer than Slack's 3 seconds

    def work() -> None:
        text = send_csv_export(services, click.user_id, ritual_id, run_id, click.click_id)
        if click.response_url:
            respond(text=text, response_type="ephemeral", replace_original=False)

    after_ack(body, client, respond, "exporting a CSV", work)


def register(app: App) -> list[ListenerSpec]:
    app.action(EXPORT_CSV_ACTION)(export_clicked)
    # im:write opens the DM the file is shared into; chat:write answers Home-tab failures there.
    return [ListenerSpec("action", EXPORT_CSV_ACTION, frozenset({"files:write", "im:write", "chat:write"}))]
