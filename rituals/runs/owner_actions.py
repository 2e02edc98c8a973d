"""What owners do to a run now: close it early, or nudge everyone who has not answered.

Both are for the ritual's owners and the configured admins
(:func:`rituals.definition.managers.require_manager`), from a slash command or the Home tab.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from rituals.collect.reminders import nudge
from rituals.definition.loading import UnknownRitual
from rituals.definition.managers import require_manager
from rituals.definition.schema import RitualDefinition
from rituals.runs.reports import mentions, open_runs, run_status
from rituals.services import Services
from storage.models import Run


def _pick_open(session: Session, definition: RitualDefinition, run_id: int | None) -> Run | None:
    runs = open_runs(session, definition.id)
    if run_id is not None:
        runs = [run for run in runs if run.id == run_id]
    return runs[0] if runs else None


def close_now(
    services: Services, definition: RitualDefinition, user_id: str, run_id: int | None = None
) -> str:
    """Close the ritual's open run now (the newest, or ``run_id``), as at its deadline."""
    require_manager(definition, user_id, services.admins)
    name = mrkdwn_escape(definition.name)
    with services.session_factory() as session:
        run = _pick_open(session, definition, run_id)
    if run is None:
        return f"*{name}* has no open run to close."
    if not services.closer.close(run.id, services.clock.now(), note=f"closed early by {user_id}"):
        return f"*{name}* ({run.occurrence_key}) was already closed."
    with services.session_factory() as session:
        status = run_status(session, run)
    late = (
        "late answers are still taken" if definition.window.late == "accept" else "late answers are refused"
    )
    key = mrkdwn_escape(run.occurrence_key)
    return (
        f"Closed *{name}* ({key}) now: {len(status.answered)} of {status.total} answered, "
        f"{len(status.skipped)} skipped, {len(status.missing)} missing; {late}."
    )


def nudge_now(
    services: Services, definition: RitualDefinition, user_id: str, run_id: int | None = None
) -> str:
    """Remind everyone who has not responded, now (or at the end of their night)."""
    require_manager(definition, user_id, services.admins)
    name = mrkdwn_escape(definition.name)
    now = services.clock.now()
    with services.session_factory.begin() as session:
        run = _pick_open(session, definition, run_id)
        if run is None:
            raise UserFacingError(f"*{name}* has no open run, so there is nobody to nudge.")
        report = nudge(session, definition, run, user_id, now)
    parts = [f"Nudged {len(report.nudged)} on *{name}*" + (":" if report.nudged else ".")]
    if report.nudged:
        parts[0] += " " + mentions(report.nudged)
    if report.recently:
        parts.append(f"{len(report.recently)} were reminded in the last few minutes, so I left them alone.")
    if report.asleep:
        parts.append(f"{len(report.asleep)} are in their night until after the deadline.")
    if not (report.nudged or report.recently or report.asleep):
        parts = [f"Everyone has responded to *{name}*; there is nobody to nudge."]
    return " ".join(parts)


def ritual_of_run(services: Services, run_id: int) -> RitualDefinition:
    """The definition behind a run (for buttons that carry only the run's id)."""
    with services.session_factory() as session:
        run = session.get(Run, run_id)
    if run is None:
        raise UserFacingError("That run no longer exists.")
    try:
        return services.library.get(run.ritual_id)
    except UnknownRitual as error:
        raise UserFacingError("That ritual has been retired.") from error


# The owners' part of the Home tab: its buttons carry the run, and the Home tab shows what
# happened as its notice line, a refusal included.


def close_run(services: Services, run_id: int, user_id: str) -> str:
    """Close now, from the Home tab: what happened, or why not."""
    try:
        return close_now(services, ritual_of_run(services, run_id), user_id, run_id)
    except UserFacingError as refusal:
        return refusal.message


def nudge_run(services: Services, run_id: int, user_id: str) -> str:
    """Nudge now, from the Home tab: what happened, or why not."""
    try:
        return nudge_now(services, ritual_of_run(services, run_id), user_id, run_id)
    except UserFacingError as refusal:
        return refusal.message
