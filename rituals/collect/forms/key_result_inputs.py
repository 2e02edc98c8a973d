"""A ``key_results`` field in the answer modal: one group of inputs per key result a person owns.

Each group is a heading (the key result, its objective, start and target, and where the prefill
came from), the current value (a number input), the confidence (radio buttons) and a comment,
which are the four blocks per key result the definition budgets. Which key results, their
prefills and the confidence choices come from the objectives' domain (see
:mod:`rituals.collect.key_results`); this module only lays them out and reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.types import JsonDict
from messaging.limits import SECTION_TEXT
from messaging.mrkdwn import mrkdwn_escape
from rituals.collect.forms.elements import format_number, plain
from rituals.collect.forms.ids import (
    heading_block,
    key_result_block,
    key_result_heading_block,
    more_block,
)
from rituals.collect.forms.reading import StateValues, input_value
from rituals.collect.forms.validation import Invalid, clean
from rituals.definition.schema import FormField

COMMENT_MAX = 500
VALUE, CONFIDENCE, COMMENT = "value", "confidence", "comment"


class ConfidenceLevel(Protocol):
    """A confidence choice: as stored, and as shown."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


class KeyResultPrompt(Protocol):
    """One key result as the answer modal asks about it, with what to prefill (made by the
    domain that keeps key results; read-only here)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def objective(self) -> str:
        """The objective's title."""
        ...

    @property
    def unit(self) -> str: ...

    @property
    def start(self) -> float: ...

    @property
    def target(self) -> float: ...

    @property
    def value(self) -> float | None: ...

    @property
    def confidence(self) -> str | None: ...

    @property
    def comment(self) -> str | None: ...

    @property
    def note(self) -> str:
        """Where the prefilled value comes from, or why the source could not give one."""
        ...


@dataclass(frozen=True)
class KeyResultEntry:
    """One key result as a person answered it."""

    id: str
    value: float | None
    confidence: str | None
    comment: str | None


@dataclass(frozen=True)
class KeyResultsAsked:
    """What the modal asks in its ``key_results`` fields: prompts by field id, and the choices."""

    prompts: Mapping[str, Sequence[KeyResultPrompt]] = field(default_factory=dict)
    levels: Sequence[ConfidenceLevel] = ()


def _amount(value: float, unit: str) -> str:
    number = format_number(value) or str(value)
    return f"{number} {unit}".strip()


def _section(block_id: str, text: str) -> JsonDict:
    if len(text) > SECTION_TEXT:
        text = text[: SECTION_TEXT - 1] + "…"
    return {"type": "section", "block_id": block_id, "text": {"type": "mrkdwn", "text": text}}


def _heading(key_results: FormField, prompts: Sequence[KeyResultPrompt]) -> JsonDict:
    lines = [f"*{mrkdwn_escape(key_results.label)}*"]
    if key_results.hint:
        lines.append(mrkdwn_escape(key_results.hint))
    if not prompts:
        lines.append("_You own no key results in this check-in, so there is nothing to report here._")
    return _section(heading_block(key_results.id), "\n".join(lines))


def _group(
    key_results: FormField, prompt: KeyResultPrompt, levels: Sequence[ConfidenceLevel]
) -> list[JsonDict]:
    block = key_result_block
    way = f"Start {_amount(prompt.start, prompt.unit)} · target {_amount(prompt.target, prompt.unit)}"
    text = f"*{mrkdwn_escape(prompt.title)}* · {mrkdwn_escape(prompt.objective)}\n{mrkdwn_escape(way)}"
    if prompt.note:
        text += f"\n_{mrkdwn_escape(prompt.note)}_"
    value: JsonDict = {"type": "number_input", "action_id": VALUE, "is_decimal_allowed": True}
    if prompt.value is not None and (initial := format_number(prompt.value)) is not None:
        value["initial_value"] = initial
    options = [{"text": plain(level.label), "value": level.value} for level in levels]
    confidence: JsonDict = {"type": "radio_buttons", "action_id": CONFIDENCE, "options": options}
    chosen = next((option for option in options if option["value"] == prompt.confidence), None)
    if chosen is not None:
        confidence["initial_option"] = chosen
    comment: JsonDict = {
        "type": "plain_text_input",
        "action_id": COMMENT,
        "multiline": True,
        "max_length": COMMENT_MAX,
    }
    if prompt.comment:
        comment["initial_value"] = prompt.comment[:COMMENT_MAX]
    unit = f" ({prompt.unit})" if prompt.unit else ""
    required = not key_results.optional
    return [
        _section(key_result_heading_block(key_results.id, prompt.id), text),
        _input(block(key_results.id, prompt.id, VALUE), f"Current value{unit}", value, required),
        _input(block(key_results.id, prompt.id, CONFIDENCE), "Confidence", confidence, required),
        _input(block(key_results.id, prompt.id, COMMENT), "Comment", comment, False),
    ]


def _input(block_id: str, label: str, element: JsonDict, required: bool) -> JsonDict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": not required,
    }


def key_result_blocks(
    key_results: FormField, prompts: Sequence[KeyResultPrompt], levels: Sequence[ConfidenceLevel]
) -> list[JsonDict]:
    """The field's blocks: a heading, four per key result, and a note when some do not fit."""
    shown = list(prompts)[: key_results.max_items]
    blocks = [_heading(key_results, shown)]
    for prompt in shown:
        blocks += _group(key_results, prompt, levels)
    hidden = len(prompts) - len(shown)
    if hidden > 0:
        names = ", ".join(mrkdwn_escape(prompt.title) for prompt in prompts[len(shown) :])
        text = (
            f"{hidden} more of your key results do not fit this form (it takes {key_results.max_items}): "
            f"{names}. Ask the ritual's owner to raise max_items."
        )
        blocks.append(
            {
                "type": "context",
                "block_id": more_block(key_results.id),
                "elements": [{"type": "mrkdwn", "text": text[:SECTION_TEXT]}],
            }
        )
    return blocks


@dataclass
class KeyResultAnswers:
    """A submitted ``key_results`` field: entries, errors by input block, and whether the view
    asked about other key results than the ones owned now (it was opened before a change)."""

    entries: list[KeyResultEntry] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    stale: bool = False

    def stored(
        self, prompts: Sequence[KeyResultPrompt], levels: Sequence[ConfidenceLevel]
    ) -> list[dict[str, Any]]:
        """The entries as the answer keeps them, with each key result's title, unit and the
        confidence's label, so the answer reads on its own (copies, exports)."""
        by_id = {prompt.id: prompt for prompt in prompts}
        labels = {level.value: level.label for level in levels}
        return [
            {
                "kr": entry.id,
                "title": by_id[entry.id].title,
                "unit": by_id[entry.id].unit,
                "value": entry.value,
                "confidence": entry.confidence,
                "confidence_label": labels.get(entry.confidence or "", ""),
                "comment": entry.comment,
            }
            for entry in self.entries
        ]


def entry_parts(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    """A stored key result entry as (title, "value unit · confidence", comment), plain text."""
    value = entry.get("value")
    amount = _amount(value, str(entry.get("unit") or "")) if isinstance(value, int | float) else "no value"
    status = " · ".join(part for part in (amount, str(entry.get("confidence_label") or "")) if part)
    return str(entry.get("title") or entry.get("kr") or "?"), status, str(entry.get("comment") or "")


def entry_text(entry: Mapping[str, Any]) -> str:
    """`Weekly activated teams: 120 teams · At risk — two teams churned`, plain text."""
    title, status, comment = entry_parts(entry)
    return f"{title}: {status}" + (f" — {comment}" if comment else "")


def read_key_results(
    key_results: FormField,
    prompts: Sequence[KeyResultPrompt],
    levels: Sequence[ConfidenceLevel],
    state: StateValues,
) -> KeyResultAnswers:
    """Each shown key result's inputs, cleaned; the key result ids come from `prompts`, never
    from the request."""
    answers = KeyResultAnswers()
    value_field = FormField(id=VALUE, type="number", label="Value", optional=key_results.optional)
    comment_field = FormField(
        id=COMMENT, type="long_text", label="Comment", optional=True, max_length=COMMENT_MAX
    )
    choices = {level.value for level in levels}
    for prompt in list(prompts)[: key_results.max_items]:
        blocks = {
            part: key_result_block(key_results.id, prompt.id, part) for part in (VALUE, CONFIDENCE, COMMENT)
        }
        found, raw_value = input_value(state, blocks[VALUE], VALUE)
        if not found:
            answers.stale = True
            continue
        value = _cleaned(value_field, raw_value, blocks[VALUE], answers.errors)
        raw_comment = input_value(state, blocks[COMMENT], COMMENT)[1]
        comment = _cleaned(comment_field, raw_comment, blocks[COMMENT], answers.errors)
        confidence = input_value(state, blocks[CONFIDENCE], CONFIDENCE)[1] or None
        if confidence is None and not key_results.optional:
            answers.errors[blocks[CONFIDENCE]] = "This is required."
        elif confidence is not None and confidence not in choices:
            answers.errors[blocks[CONFIDENCE]] = "Choose one of the options."
        answers.entries.append(KeyResultEntry(prompt.id, value, confidence, comment))
    return answers


def _cleaned(form_field: FormField, raw: Any, block_id: str, errors: dict[str, str]) -> Any:
    try:
        return clean(form_field, raw)
    except Invalid as error:
        errors[block_id] = error.message
        return None
