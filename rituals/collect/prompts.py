"""The prompt: one DM per participant when a run opens, showing where they stand.

A prompt is posted with ``channel=<user id>`` through the outbox (dedupe key
``run:<id>:prompt:<user>``), at the participant's prompt time: the run's opening, or with
participant-local delivery the same wall time in their own zone. Its text follows the
participant's state (to answer / answered, with an edit button / skipped / handed over / closed);
:mod:`rituals.collect.prompt_sync` keeps the posted message in step with ``chat.update``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, exists, literal, select
from sqlalchemy.orm import Session

from core.types import JsonDict
from messaging.gateway import Message
from messaging.layout import cut_to_fit
from messaging.local_time import local_date, local_time, zone
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import Outgoing, enqueue, enqueue_many
from rituals.definition.schema import RitualDefinition
from rituals.runs.opening import QueuedChunk
from rituals.schedule.occurrences import after_holidays, occurrence_of, prompt_time
from storage.models import Answer, Delivery, Participant, ParticipantState, Run, RunState

FILL_ACTION = "prompt_fill"
SKIP_ACTION = "prompt_skip"
HANDOFF_ACTION = "prompt_handoff"
PROMPT_KIND = "prompt"
ASKED_MAX = 1000
DESCRIPTION_MAX = 600


def prompt_key(run_id: int, user_id: str) -> str:
    return f"run:{run_id}:prompt:{user_id}"


def button(action_id: str, text: str, run_id: int, style: str | None = None) -> JsonDict:
    out: JsonDict = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": str(run_id),
    }
    if style:
        out["style"] = style
    return out


def _section(text: str) -> JsonDict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> JsonDict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def what_is_asked(definition: RitualDefinition) -> str:
    return cut_to_fit(" · ".join(mrkdwn_escape(f.label) for f in definition.form), ASKED_MAX)


def _open_prompt(definition: RitualDefinition, run: Run, person: Participant) -> tuple[str, list[JsonDict]]:
    name = mrkdwn_escape(definition.name)
    tz = zone(person.timezone)
    headline = f"*{name}* is open, and your input is needed."
    intro = headline
    if definition.description:
        intro += "\n" + cut_to_fit(mrkdwn_escape(definition.description), DESCRIPTION_MAX)
    if person.delegated_by:
        intro += f"\n<@{person.delegated_by}> handed this one to you."
    due = (
        f"*Due:* {local_time(run.closes_at, tz)} (your time)"
        if run.closes_at
        else "*Due:* when the owner closes it"
    )
    blocks: list[JsonDict] = [
        _section(intro),
        _section(f"*What is asked:* {what_is_asked(definition)}\n{due}"),
        {
            "type": "actions",
            "elements": [
                button(FILL_ACTION, "Fill in", run.id, "primary"),
                button(SKIP_ACTION, "Skip this time", run.id),
                button(HANDOFF_ACTION, "Hand off", run.id),
            ],
        },
        _context("It takes a minute: the form starts from your last answer, so you only change what moved."),
    ]
    return headline, blocks


def prompt_message(
    definition: RitualDefinition, run: Run, person: Participant, latest: Answer | None
) -> Message:
    """The prompt as it should read now, for the participant's and the run's state."""
    name = mrkdwn_escape(definition.name)
    tz = zone(person.timezone)
    is_open = run.state is RunState.OPEN
    blocks: list[JsonDict]
    if person.state is ParticipantState.DELEGATED:
        headline = f"*{name}*: you handed this one to <@{person.delegated_to}>. Thank you!"
        blocks = [_section(headline)]
    elif is_open and person.state is ParticipantState.PENDING:
        headline, blocks = _open_prompt(definition, run, person)
    elif is_open and person.state is ParticipantState.ANSWERED and latest is not None:
        when = local_time(latest.submitted_at, tz)
        headline = f"*{name}*: ✅ you answered on {when} (version {latest.version}). Thank you!"
        blocks = [
            _section(headline),
            {"type": "actions", "elements": [button(FILL_ACTION, "Edit answer", run.id)]},
        ]
        if run.closes_at is not None:
            blocks.append(
                _context(f"You can edit it until {local_time(run.closes_at, tz)}; every version is kept.")
            )
    elif is_open and person.state is ParticipantState.AWAY:
        headline = f"*{name}*: you are away, so I will not chase you for this one. Enjoy!"
        blocks = [
            _section(headline),
            {"type": "actions", "elements": [button(FILL_ACTION, "Answer anyway", run.id)]},
        ]
    elif is_open and person.state is ParticipantState.SKIPPED:
        reason = mrkdwn_escape(person.skip_reason or "no reason given")
        headline = f"*{name}*: you are skipping this one ({reason})."
        blocks = [
            _section(headline),
            {"type": "actions", "elements": [button(FILL_ACTION, "Answer after all", run.id)]},
        ]
    elif run.state is RunState.CLOSED:
        headline, blocks = _closed_prompt(definition, run, person, latest)
    else:
        headline = f"*{name}* was called off ({run.state.value}); there is nothing to answer."
        blocks = [_section(headline)]
    return Message(text=headline.replace("*", ""), blocks=blocks)


def _closed_prompt(
    definition: RitualDefinition, run: Run, person: Participant, latest: Answer | None
) -> tuple[str, list[JsonDict]]:
    name = mrkdwn_escape(definition.name)
    tz = zone(person.timezone)
    closed = f"*{name}* closed on {local_date(run.closed_at or run.closes_at or run.scheduled_for, tz)}."
    if person.state is ParticipantState.ANSWERED and latest is not None:
        late = " (added late)" if latest.late else ""
        headline = f"{closed} ✅ Your answer (version {latest.version}){late} is in. Thank you!"
        return headline, [_section(headline)]
    if person.state is ParticipantState.SKIPPED:
        reason = mrkdwn_escape(person.skip_reason or "no reason given")
        headline = f"{closed} You skipped this one ({reason})."
        return headline, [_section(headline)]
    if person.state is ParticipantState.AWAY:
        headline = f"{closed} You were away for this one."
        return headline, [_section(headline)]
    if definition.window.late == "accept":
        headline = f"{closed} It closed without your answer, but late answers are still taken."
        actions: JsonDict = {
            "type": "actions",
            "elements": [button(FILL_ACTION, "Add a late answer", run.id)],
        }
        return headline, [_section(headline), actions]
    headline = f"{closed} It closed without your answer, and this check-in does not take late answers."
    return headline, [_section(headline)]


def queue_prompt(
    session: Session,
    definition: RitualDefinition,
    run: Run,
    person: Participant,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Queue one participant's prompt (once: the dedupe key refuses a second)."""
    return enqueue(
        session,
        key=prompt_key(run.id, person.user_id),
        kind=PROMPT_KIND,
        target=person.user_id,
        message=prompt_message(definition, run, person, None),
        now=now,
        not_before=not_before,
        run_id=run.id,
    )


def queue_prompt_chunk(
    session: Session, run: Run, definition: RitualDefinition, now: datetime, after: int, limit: int
) -> QueuedChunk:
    """The opener's `QueuePrompts`: the prompts of up to `limit` pending participants after
    participant id `after` whose prompt is not queued yet, in one INSERT, each at their own
    prompt time. Away participants get none (an "I'm back" prompts them then); nor do those
    who answered, skipped or handed over from the Home tab before their prompt was queued."""
    key = literal("run:") + cast(Participant.run_id, String) + literal(":prompt:") + Participant.user_id
    people = list(
        session.scalars(
            select(Participant)
            .where(
                Participant.run_id == run.id,
                Participant.id > after,
                Participant.state == ParticipantState.PENDING,
                ~exists().where(Delivery.dedupe_key == key),
            )
            .order_by(Participant.id)
            .limit(limit)
        )
    )
    occurrence = occurrence_of(definition, run)
    holidays = definition.holidays.people
    # A pending participant's prompt reads the same for everyone in one zone (and handed it by
    # the same person): drawn once per chunk, not once per person.
    drawn: dict[tuple[str, str | None], Message] = {}
    posts = []
    for person in people:
        tz = zone(person.timezone)
        # A public holiday where this person works: their prompt waits for their next working day.
        when = after_holidays(prompt_time(definition, occurrence, tz), holidays.get(person.user_id), tz)
        look = (person.timezone, person.delegated_by)
        if look not in drawn:
            drawn[look] = prompt_message(definition, run, person, None)
        posts.append(
            Outgoing(
                key=prompt_key(run.id, person.user_id),
                kind=PROMPT_KIND,
                target=person.user_id,
                message=drawn[look],
                not_before=max(when, now),
                run_id=run.id,
            )
        )
    enqueue_many(session, posts, now)
    return QueuedChunk(count=len(people), through=people[-1].id if people else after)
