"""Owners' run actions and read-outs: close now, nudge now, status, history, and the list.

Closing and nudging are for the ritual's owners and the configured admins
(:func:`rituals.schedule.controls.require_manager`); so are status and history, which show who has and
has not answered. The list is for everyone and shows only the asker's own part.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from rituals.collect.answers import latest_answer, participant
from rituals.collect.reminders import nudge
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.publish.links import digest_links
from rituals.runs.reports import history_line, mentions, open_runs, past_runs, run_status, status_lines
from rituals.runs.times import local_time, zone
from rituals.schedule import controls
from rituals.schedule.occurrences import next_openings
from rituals.services import Services
from storage.models import Participant, ParticipantState, Run

HISTORY_RUNS = 10


def _pick_open(session: Session, definition: RitualDefinition, run_id: int | None) -> Run | None:
    runs = open_runs(session, definition.id)
    if run_id is not None:
        runs = [run for run in runs if run.id == run_id]
    return runs[0] if runs else None


def close_now(
    services: Services, definition: RitualDefinition, user_id: str, run_id: int | None = None
) -> str:
    """Close the ritual's open run now (the newest, or ``run_id``), as at its deadline."""
    controls.require_manager(definition, user_id, services.admins)
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
    controls.require_manager(definition, user_id, services.admins)
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


def status_text(services: Services, definition: RitualDefinition, user_id: str) -> list[str]:
    controls.require_manager(definition, user_id, services.admins)
    with services.session_factory() as session:
        runs = open_runs(session, definition.id)
        if not runs:
            latest = past_runs(session, definition.id, 1)
            if not latest:
                return [f"*{mrkdwn_escape(definition.name)}* has not run yet."]
            return [
                "No run is open. The last one:",
                *status_lines(definition, run_status(session, latest[0]), definition.zone),
            ]
        lines: list[str] = []
        for run in runs:
            lines += status_lines(definition, run_status(session, run), definition.zone)
        return lines


def history_text(services: Services, definition: RitualDefinition, user_id: str) -> list[str]:
    controls.require_manager(definition, user_id, services.admins)
    with services.session_factory() as session:
        runs = past_runs(session, definition.id, HISTORY_RUNS)
        rows = []
        for run in runs:
            row = history_line(definition, run_status(session, run), definition.zone)
            links = digest_links(session, services.gateway, run.id)
            rows.append(f"{row} · digests: {links}" if links else row)
    name = mrkdwn_escape(definition.name)
    if not rows:
        return [f"*{name}* has not run yet."]
    return [
        f"*{name}*: the last {len(rows)} runs, newest first (times in {definition.schedule.timezone})",
        *rows,
    ]


def list_text(services: Services, user_id: str) -> list[str]:
    """Every ritual with what is open (and the asker's own part in it) or when it opens next."""
    now = services.clock.now()
    lines = []
    with services.session_factory() as session:
        for definition in sorted(services.library, key=lambda d: d.name.lower()):
            name = f"*{mrkdwn_escape(definition.name)}* (`{definition.id}`)"
            if controls.is_paused(session, definition.id):
                lines.append(f"{name}: paused.")
                continue
            runs = open_runs(session, definition.id)
            if runs:
                run = runs[0]
                person = participant(session, run.id, user_id)
                tz = zone(person.timezone if person else None, definition.zone)
                due = local_time(run.closes_at, tz) if run.closes_at else "when closed"
                lines.append(f"{name}: open until {due}; {_your_part(session, run, person)}.")
                continue
            upcoming = next_openings(definition, now, 1)
            when = local_time(upcoming[0].opens_at, definition.zone) if upcoming else "not scheduled"
            lines.append(f"{name}: next opens {when}.")
    return lines or ["There are no rituals yet."]


def _your_part(session: Session, run: Run, person: Participant | None) -> str:
    if person is None:
        return "you are not asked"
    if person.state is ParticipantState.ANSWERED:
        answer = latest_answer(session, run.id, person.user_id)
        return f"you answered (version {answer.version})" if answer else "you answered"
    if person.state is ParticipantState.SKIPPED:
        return "you are skipping it"
    if person.state is ParticipantState.DELEGATED:
        return f"you handed it to <@{person.delegated_to}>"
    return "*your answer is needed*"


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
