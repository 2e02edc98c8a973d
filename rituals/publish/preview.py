"""What a ritual looks like in Slack before it runs: its prompt, its modal with sample answers,
and every audience's post compiled from sample answers, laid out as Slack would get them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from messaging.layout import compose
from messaging.local_time import local_time
from rituals.collect.forms.draft import FormDraft
from rituals.collect.forms.ids import AnswerMeta
from rituals.collect.forms.modal import answer_view
from rituals.collect.prompts import prompt_message
from rituals.definition.loading import LoadedRitual
from rituals.publish.templating import render_template, sample_answers, sample_context
from storage.models import Participant, ParticipantState, Run, RunOrigin, RunState

SAMPLE_PERSON = "U0SAMPLE1"
# The draft a previewed modal names; no draft is stored for it.
PREVIEW_DRAFT = "preview"


@dataclass(frozen=True)
class Preview:
    """One thing a person sees: a message (`blocks`) or a modal (`view`)."""

    label: str
    text: str
    blocks: list[dict[str, Any]]
    view: dict[str, Any] | None = None


def ritual_previews(ritual: LoadedRitual) -> list[Preview]:
    definition = ritual.definition
    opens = datetime(2027, 1, 4, 15, tzinfo=UTC)
    closes = opens + definition.window.closes_after
    run = Run(
        id=1,
        ritual_id=definition.id,
        occurrence_key="2027-01-04T10:00",
        scheduled_for=opens,
        closes_at=closes,
        state=RunState.OPEN,
        origin=RunOrigin.MANUAL,
    )
    person = Participant(
        run_id=1,
        user_id=SAMPLE_PERSON,
        display_name="Sam Ple",
        timezone=definition.schedule.timezone,
        state=ParticipantState.PENDING,
    )
    prompt = prompt_message(definition, run, person, None)
    previews = [Preview("The prompt (a DM to each participant)", prompt.text, list(prompt.blocks))]
    # Stored answers are JSON: dates as ISO text, as the modal is prefilled from them.
    answers = json.loads(json.dumps(sample_answers(definition), default=str))
    view = answer_view(
        definition,
        FormDraft.from_answer(definition, answers),
        AnswerMeta(run_id=1, token=PREVIEW_DRAFT, revision=0),
        notes=[f"Due *{local_time(closes, definition.zone)}* (your time). Prefilled with sample answers."],
    )
    previews.append(Preview("The modal, with sample answers", "", list(view["blocks"]), view))
    title = f"{definition.name} · {opens.astimezone(definition.zone):%d %b %Y}"
    for audience in definition.audiences:
        body = render_template(ritual.templates, audience.template_name, sample_context(definition, audience))
        split = compose(title, body.strip(), footer="Compiled by ritualbot")
        where = ", ".join(f"#{channel}" for channel in audience.to) or "its webhook"
        for number, message in enumerate(split.messages):
            part = "" if len(split.messages) == 1 else f" (message {number + 1} of {len(split.messages)})"
            previews.append(
                Preview(f"The {audience.name} post in {where}{part}", message.text, message.blocks)
            )
    return previews
