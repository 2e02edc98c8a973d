"""The "Export CSV" button's use case: the ritual's compiled answers as a file in the clicker's DM.

Who may export: the ritual's owners and the admins, as for every management action. Audiences
are not a clean rule for it: an audience without ``only: shareable`` sees every field in its
template's context, but its template may show little of it (the roadmap check-in's marketing
audience gets only launches), so "members of an unfiltered audience's channel" would hand
risks and skip reasons to people who never see them in Slack.

The file goes through the outbox like every Slack write, keyed by the click, so a click Slack
delivers twice uploads once, and an upload whose outcome was unclear is looked for before it
is tried again.
"""

from __future__ import annotations

from core.errors import UserFacingError
from messaging.gateway import FileUpload
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import enqueue_file
from rituals.definition.loading import UnknownRitual
from rituals.definition.managers import require_manager
from rituals.export.snapshot import RunSelection, load_exports
from rituals.export.tables import to_csv
from rituals.services import Services

EXPORT_KIND = "export"


def send_csv_export(
    services: Services, user_id: str, ritual_id: str, run_id: int | None, click_id: str
) -> str:
    """Queue the CSV for the person's DM; what to tell them. `click_id` names the click."""
    try:
        definition = services.library.get(ritual_id)
    except UnknownRitual as error:
        raise UserFacingError(f"There is no ritual `{mrkdwn_escape(ritual_id)}` any more.") from error
    require_manager(definition, user_id, services.admins)
    now = services.clock.now()
    name = mrkdwn_escape(definition.name)
    with services.session_factory.begin() as session:
        runs = load_exports(session, definition, RunSelection(run_id=run_id))
        if not runs:
            return f"*{name}* has no open or closed runs yet, so there is nothing to export."
        today = now.astimezone(definition.zone).date().isoformat()
        which = f"the {runs[0].key} run" if run_id is not None else f"{len(runs)} run(s), newest first"
        shape = (
            "One row per item; people without items get one row."
            if any(form_field.type == "items" for form_field in definition.form)
            else "One row per person."
        )
        enqueue_file(
            session,
            key=f"export:{definition.id}:{run_id or 'all'}:{click_id}",
            kind=EXPORT_KIND,
            target=user_id,
            upload=FileUpload(
                filename=f"{definition.id}-{today}.csv",
                # A BOM, because Excel reads a CSV without one in the local code page and garbles names.
                content=to_csv(definition, runs).encode("utf-8-sig"),
                title=f"{definition.name} export {today}",
                initial_comment=f"*{name}*: {which}. {shape}",
            ),
            now=now,
        )
    return f"The *{name}* export ({which}) is on its way to your DM with me."
