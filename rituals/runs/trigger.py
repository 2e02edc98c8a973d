"""Opening a run now, outside the schedule.

`/ritual trigger`, the "Open it now" button on a missed-opening notice and `ritualbot trigger`
all come here. The run is keyed by the local minute (`create_manual_run`), so a double click,
or Slack delivering a click twice, opens one run; triggering at a scheduled minute is that
scheduled run. A minute later it would be a second run that prompts everyone again, so while
a run of the ritual is open, `/ritual trigger` and `ritualbot trigger` ask first
(`AlreadyOpen`) and open another only when confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.loading import UnknownRitual
from rituals.definition.managers import require_manager
from rituals.definition.schema import RitualDefinition
from rituals.runs.opening import OpenedRun, create_manual_run
from rituals.runs.reports import open_runs
from rituals.services import Services
from storage.models import Run


@dataclass(frozen=True)
class Triggered:
    run: Run
    # None when nothing new opened: the run was open already, or it cannot open yet (a missing
    # user group, Slack busy), and the tick keeps trying.
    opened: OpenedRun | None


@dataclass(frozen=True)
class AlreadyOpen:
    """Nothing was opened: the ritual has an open run, and another needs a confirmation."""

    run: Run


def open_run(services: Services, definition: RitualDefinition) -> Run | None:
    """The ritual's newest open run, if any."""
    with services.session_factory() as session:
        runs = open_runs(session, definition.id)
    return runs[0] if runs else None


def trigger_run(services: Services, definition: RitualDefinition, note: str) -> Triggered:
    """Create the run for this minute and open it (participants resolved, prompts queued)."""
    now = services.clock.now()
    with services.opener.triggering(definition.id):
        with services.session_factory.begin() as session:
            run = create_manual_run(session, definition, now, note=note)
        return Triggered(run, services.opener.open(run, now))


def trigger_for(services: Services, definition: RitualDefinition, user_id: str) -> str:
    """An owner or admin opens a run from Slack; what happened, for them."""
    require_manager(definition, user_id, services.admins)
    triggered = trigger_run(services, definition, note=f"triggered by {user_id}")
    name = mrkdwn_escape(definition.name)
    if triggered.opened is not None:
        people = len(triggered.opened.participants)
        return f"Opened *{name}* for {people} participants; their prompts are on the way."
    return f"*{name}* already has a run for this minute (it is {triggered.run.state.value})."


def trigger_unless_open(services: Services, definition: RitualDefinition, user_id: str) -> str | AlreadyOpen:
    """`/ritual trigger`: open a run now, unless one is open (then ask before opening another)."""
    require_manager(definition, user_id, services.admins)
    already = open_run(services, definition)
    if already is not None:
        return AlreadyOpen(already)
    return trigger_for(services, definition, user_id)


def trigger_missed(services: Services, ritual_id: str, user_id: str) -> str:
    """A button that names the ritual by id and has asked already: a missed-opening notice's
    "Open it now", or "Open another run" under `/ritual trigger`'s question."""
    try:
        definition = services.library.get(ritual_id)
    except UnknownRitual as error:
        raise UserFacingError(f"There is no ritual `{mrkdwn_escape(ritual_id)}` any more.") from error
    return trigger_for(services, definition, user_id)
