"""What people read about runs: who answered, skipped (and why), handed over or is missing; the
history of past runs; and the list of every ritual with the reader's own part in it.

Used by ``/ritual status|history|list`` and the owners' part of the Home tab. Reading only; the
texts are mrkdwn with every name escaped or written as a mention. Status and history are for
the ritual's owners and the admins; the list is for everyone and shows only the reader's part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging.local_time import local_date, local_time, zone
from messaging.mrkdwn import mrkdwn_escape
from rituals.collect.answers import latest_answer, participant
from rituals.definition.managers import require_manager
from rituals.definition.schema import RitualDefinition
from rituals.publish.links import digest_links
from rituals.schedule.occurrences import next_openings
from rituals.schedule.pause_and_skip import is_paused
from rituals.services import Services
from storage.models import Answer, Participant, ParticipantState, Run, RunState

MENTIONS_MAX = 40
HISTORY_RUNS = 10


@dataclass(frozen=True)
class RunStatus:
    run: Run
    answered: list[tuple[Participant, Answer | None]]
    skipped: list[Participant]
    delegated: list[Participant]
    missing: list[Participant]
    # Away for the whole run (time off): not chased, not missing.
    away: list[Participant] = field(default_factory=list)

    @property
    def total(self) -> int:
        # A hand-over adds the new person; the one who handed over is not counted twice.
        return len(self.answered) + len(self.skipped) + len(self.missing) + len(self.away)


def open_runs(session: Session, ritual_id: str | None = None) -> list[Run]:
    query = select(Run).where(Run.state == RunState.OPEN)
    if ritual_id is not None:
        query = query.where(Run.ritual_id == ritual_id)
    return list(session.scalars(query.order_by(Run.scheduled_for.desc(), Run.id.desc())))


def past_runs(session: Session, ritual_id: str, limit: int = 10) -> list[Run]:
    return list(
        session.scalars(
            select(Run)
            .where(Run.ritual_id == ritual_id, Run.state != RunState.PENDING)
            .order_by(Run.scheduled_for.desc(), Run.id.desc())
            .limit(limit)
        )
    )


def run_status(session: Session, run: Run) -> RunStatus:
    people = list(
        session.scalars(select(Participant).where(Participant.run_id == run.id).order_by(Participant.id))
    )
    latest_versions = (
        select(Answer.user_id, func.max(Answer.version).label("version"))
        .where(Answer.run_id == run.id)
        .group_by(Answer.user_id)
        .subquery()
    )
    answers = {
        answer.user_id: answer
        for answer in session.scalars(
            select(Answer)
            .join(
                latest_versions,
                (Answer.user_id == latest_versions.c.user_id) & (Answer.version == latest_versions.c.version),
            )
            .where(Answer.run_id == run.id)
        )
    }
    by_state: dict[ParticipantState, list[Participant]] = {state: [] for state in ParticipantState}
    for person in people:
        by_state[person.state].append(person)
    return RunStatus(
        run=run,
        answered=[(p, answers.get(p.user_id)) for p in by_state[ParticipantState.ANSWERED]],
        skipped=by_state[ParticipantState.SKIPPED],
        delegated=by_state[ParticipantState.DELEGATED],
        missing=by_state[ParticipantState.PENDING],
        away=by_state[ParticipantState.AWAY],
    )


def mentions(users: Sequence[str]) -> str:
    """Mentions of at most MENTIONS_MAX people, then how many more (a status line, not a ping list)."""
    shown = " ".join(f"<@{user}>" for user in users[:MENTIONS_MAX])
    more = len(users) - MENTIONS_MAX
    return shown + (f" and {more} more" if more > 0 else "") if users else "nobody"


def status_lines(definition: RitualDefinition, status: RunStatus, viewer_tz: ZoneInfo | None) -> list[str]:
    """mrkdwn paragraphs describing a run's participation, for one viewer's time zone."""
    run = status.run
    name = mrkdwn_escape(definition.name)
    if run.state is RunState.OPEN and run.closes_at is not None:
        when = f"open, closes {local_time(run.closes_at, viewer_tz)}"
    elif run.closed_at is not None:
        when = f"{run.state.value} {local_time(run.closed_at, viewer_tz)}"
    else:
        when = run.state.value
    lines = [
        f"*{name}* ({mrkdwn_escape(run.occurrence_key)}, {when}): "
        f"{len(status.answered)} of {status.total} answered, {len(status.skipped)} skipped, "
        f"{len(status.missing)} missing" + (f", {len(status.away)} away." if status.away else ".")
    ]
    if status.answered:
        late = [p.user_id for p, answer in status.answered if answer is not None and answer.late]
        answered = mentions([p.user_id for p, _answer in status.answered])
        lines.append(f"*Answered:* {answered}" + (f" (late: {mentions(late)})" if late else ""))
    if status.skipped:
        reasons = "; ".join(
            f"<@{p.user_id}> ({mrkdwn_escape(p.skip_reason or 'no reason')})"
            for p in status.skipped[:MENTIONS_MAX]
        )
        lines.append(f"*Skipped:* {reasons}")
    if status.delegated:
        handed = "; ".join(f"<@{p.user_id}> → <@{p.delegated_to}>" for p in status.delegated[:MENTIONS_MAX])
        lines.append(f"*Handed over:* {handed}")
    if status.missing:
        lines.append(f"*Missing:* {mentions([p.user_id for p in status.missing])}")
    if status.away:
        lines.append(f"*Away:* {mentions([p.user_id for p in status.away])}")
    return lines


def history_line(definition: RitualDefinition, status: RunStatus, viewer_tz: ZoneInfo | None) -> str:
    run = status.run
    opened = local_date(run.opened_at or run.scheduled_for, viewer_tz)
    late = sum(1 for _p, answer in status.answered if answer is not None and answer.late)
    counts = (
        f"{len(status.answered)}/{status.total} answered"
        + (f" ({late} late)" if late else "")
        + f", {len(status.skipped)} skipped, {len(status.missing)} missing"
        if status.total
        else "no participants"
    )
    note = f" — {mrkdwn_escape(run.note)}" if run.note and run.state is not RunState.CLOSED else ""
    return f"• {opened} · `{mrkdwn_escape(run.occurrence_key)}` · *{run.state.value}* · {counts}{note}"


def status_text(services: Services, definition: RitualDefinition, user_id: str) -> list[str]:
    require_manager(definition, user_id, services.admins)
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
    require_manager(definition, user_id, services.admins)
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
            if is_paused(session, definition.id):
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
