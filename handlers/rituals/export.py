"""The "Export CSV" button: the ritual's compiled answers as a file in the clicker's DM.

Who may export: the ritual's owners and the admins, as for every management action. Audiences
are not a clean rule for it: an audience without ``only: shareable`` sees every field in its
template's context, but its template may show little of it (the roadmap check-in's marketing
audience gets only launches), so "members of an unfiltered audience's channel" would hand
risks and skip reasons to people who never see them in Slack.

The button lives on the Home tab and on digest posts. A click from a message carries a
`response_url`, so the answer is an ephemeral reply there; a click on the Home tab carries none,
so the answer (a refusal, a failure) goes to the person's DM with the app instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from core.errors import UserFacingError
from handlers.failures import text_or_failure
from handlers.registry import ListenerSpec
from messaging.gateway import FileUpload, Message, SlackError
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.loading import UnknownRitual
from rituals.export.tables import (
    EXPORT_CSV_ACTION,
    RunSelection,
    export_button,
    load_exports,
    parse_export_value,
    to_csv,
)
from rituals.schedule import controls
from rituals.services import Services

__all__ = ["EXPORT_CSV_ACTION", "ExportReply", "export_button", "export_csv", "register"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportReply:
    text: str
    # True when the file is in the person's DM (its comment says what it is).
    uploaded: bool = False


def export_csv(services: Services, user_id: str, value: str) -> ExportReply:
    """Check, build and upload the CSV named by a button's `value`."""
    ritual_id, run_id = parse_export_value(value)
    try:
        definition = services.library.get(ritual_id)
    except UnknownRitual as error:
        raise UserFacingError(f"There is no ritual `{mrkdwn_escape(ritual_id)}` any more.") from error
    controls.require_manager(definition, user_id, services.admins)
    with services.session_factory() as session:
        runs = load_exports(session, definition, RunSelection(run_id=run_id))
    name = mrkdwn_escape(definition.name)
    if not runs:
        return ExportReply(f"*{name}* has no open or closed runs yet, so there is nothing to export.")
    today = services.clock.now().astimezone(definition.zone).date().isoformat()
    which = f"the {runs[0].key} run" if run_id is not None else f"{len(runs)} run(s), newest first"
    shape = (
        "One row per item; people without items get one row."
        if any(form_field.type == "items" for form_field in definition.form)
        else "One row per person."
    )
    services.gateway.upload_file(
        user_id,
        FileUpload(
            filename=f"{definition.id}-{today}.csv",
            # A BOM, because Excel reads a CSV without one in the local code page and garbles names.
            content=to_csv(definition, runs).encode("utf-8-sig"),
            title=f"{definition.name} export {today}",
            initial_comment=f"*{name}*: {which}. {shape}",
        ),
    )
    return ExportReply(f"I sent the *{name}* export ({which}) to your DM with me.", uploaded=True)


def register(app: App, services: Services) -> list[ListenerSpec]:
    @app.action(EXPORT_CSV_ACTION)
    def export_clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()  # reading every run and uploading can take longer than Slack's 3 seconds
        user_id = body["user"]["id"]
        value = str(body["actions"][0].get("value") or "")
        outcome = ExportReply("")

        def work() -> str:
            nonlocal outcome
            outcome = export_csv(services, user_id, value)
            return outcome.text

        # See handlers/failures.py: after ack, failures are ours to report.
        text = text_or_failure(work, "exporting a CSV")
        if body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif not outcome.uploaded:
            # The Home tab has no response_url; on success the file in the DM speaks for itself.
            try:
                services.gateway.post_message(user_id, Message(text=text))
            except SlackError:
                log.exception("could not tell %s why their export failed: %s", user_id, text)

    # im:write opens the DM the file is shared into; chat:write answers Home-tab clicks there.
    return [ListenerSpec("action", EXPORT_CSV_ACTION, frozenset({"files:write", "im:write", "chat:write"}))]
