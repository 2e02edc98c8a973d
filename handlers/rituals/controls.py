"""`/ritual trigger|pause|resume|skip-next RITUAL`, and the "Open it now" button on a missed notice."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from core.errors import UserFacingError
from handlers.failures import text_or_failure
from handlers.registry import ListenerSpec
from handlers.rituals.commands import CommandTable, Invocation, Reply, Subcommand
from handlers.rituals.help import SubcommandHelp
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.runs.notices import RUN_MISSED_NOW_ACTION
from rituals.runs.opening import create_manual_run
from rituals.schedule import controls
from rituals.services import Services


def _definition(services: Services, args: list[str], usage: str) -> RitualDefinition:
    if not args:
        known = ", ".join(f"`{ritual_id}`" for ritual_id in services.library.ids())
        raise UserFacingError(f"Usage: `/ritual {usage}`. Rituals: {known}.")
    try:
        return services.library.get(args[0])
    except UnknownRitual as error:
        raise UserFacingError(mrkdwn_escape(str(error))) from error


def _managed(invocation: Invocation, usage: str) -> RitualDefinition:
    definition = _definition(invocation.services, invocation.args, usage)
    controls.require_manager(definition, invocation.user_id, invocation.services.admins)
    return definition


def trigger(services: Services, definition: RitualDefinition, user_id: str) -> str:
    """Open a run now (owners only); shared by the slash command and the missed-notice button."""
    controls.require_manager(definition, user_id, services.admins)
    now = services.clock.now()
    with services.session_factory.begin() as session:
        run = create_manual_run(session, definition, now, note=f"triggered by {user_id}")
    opened = services.opener.open(run, now)
    name = mrkdwn_escape(definition.name)
    if opened is not None:
        return f"Opened *{name}* for {len(opened.participants)} participants; their prompts are on the way."
    return f"*{name}* already has a run for this minute (it is {run.state.value})."


def _run_trigger(invocation: Invocation) -> Reply:
    definition = _definition(invocation.services, invocation.args, "trigger RITUAL")
    return Reply(trigger(invocation.services, definition, invocation.user_id))


def _run_pause(invocation: Invocation) -> Reply:
    definition = _managed(invocation, "pause RITUAL")
    services = invocation.services
    with services.session_factory.begin() as session:
        changed = controls.pause(session, definition, invocation.user_id, services.clock.now())
    name = mrkdwn_escape(definition.name)
    return Reply(
        f"Paused *{name}*: occurrences are recorded as skipped until you `/ritual resume {definition.id}`."
        if changed
        else f"*{name}* was already paused."
    )


def _run_resume(invocation: Invocation) -> Reply:
    definition = _managed(invocation, "resume RITUAL")
    services = invocation.services
    with services.session_factory.begin() as session:
        changed = controls.resume(session, definition, invocation.user_id, services.clock.now())
    name = mrkdwn_escape(definition.name)
    return Reply(f"Resumed *{name}*." if changed else f"*{name}* was not paused.")


def _run_skip_next(invocation: Invocation) -> Reply:
    definition = _managed(invocation, "skip-next RITUAL")
    services = invocation.services
    with services.session_factory.begin() as session:
        occurrence, changed = controls.skip_next(
            session, definition, invocation.user_id, services.clock.now()
        )
    when = occurrence.opens_at.strftime("%a %d %b %Y %H:%M %Z")
    name = mrkdwn_escape(definition.name)
    return Reply(
        f"*{name}* will skip its opening on {when}." if changed else f"*{name}* already skips {when}."
    )


def register(app: App, services: Services, table: CommandTable) -> list[ListenerSpec]:
    table.add(
        Subcommand(
            "trigger", SubcommandHelp("trigger RITUAL", "open a run now", True), _run_trigger, slow=True
        )
    )
    table.add(
        Subcommand(
            "pause", SubcommandHelp("pause RITUAL", "stop opening runs until resumed", True), _run_pause
        )
    )
    table.add(
        Subcommand("resume", SubcommandHelp("resume RITUAL", "start opening runs again", True), _run_resume)
    )
    table.add(
        Subcommand(
            "skip-next",
            SubcommandHelp("skip-next RITUAL", "skip only the next occurrence", True),
            _run_skip_next,
        )
    )

    @app.action(RUN_MISSED_NOW_ACTION)
    def open_missed_now(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()

        def work() -> str:
            definition = _definition(services, [body["actions"][0]["value"]], "trigger RITUAL")
            return trigger(services, definition, body["user"]["id"])

        respond(text=text_or_failure(work, "opening a missed run"), replace_original=False)

    return [ListenerSpec("action", RUN_MISSED_NOW_ACTION, frozenset({"chat:write"}))]
