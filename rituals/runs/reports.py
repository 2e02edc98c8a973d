"""What owners see of a run: who answered, who skipped and why, who handed over, who is missing.

Used by ``/ritual status``, ``/ritual history`` and the owners' part of the Home tab. Reading
only; the texts are mrkdwn with every name escaped or written as a mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.schema import RitualDefinition
from rituals.runs.times import local_date, local_time
from storage.models import Answer, Participant, ParticipantState, Run, RunState

MENTIONS_MAX = 40


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


def _mentions(users: Sequence[str]) -> str:
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
        answered = _mentions([p.user_id for p, _answer in status.answered])
        lines.append(f"*Answered:* {answered}" + (f" (late: {_mentions(late)})" if late else ""))
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
        lines.append(f"*Missing:* {_mentions([p.user_id for p in status.missing])}")
    if status.away:
        lines.append(f"*Away:* {_mentions([p.user_id for p in status.away])}")
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
