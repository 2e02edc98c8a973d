"""A key_results field in the modal: a group per key result, prefilled, read back through the
state Slack's client sends (built by the simulated workspace), with inline errors."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.views import View

from rituals.collect.forms.draft import FormDraft
from rituals.collect.forms.ids import AnswerMeta, key_result_block
from rituals.collect.forms.key_result_inputs import (
    KeyResultEntry,
    KeyResultsAsked,
    entry_text,
    key_result_blocks,
    read_key_results,
)
from rituals.collect.forms.modal import answer_view
from rituals.definition.schema import FormField, RitualDefinition
from simulator.records import ViewRecord
from simulator.validation import validate_view
from simulator.view_state import build_state

from .conftest import LEVELS, Prompt

TEAMS = Prompt(
    "teams", "Activated <teams>", value=42, confidence="at_risk", comment="slow", note="From its source"
)
CHURN = Prompt("churn", "Churn", unit="%", start=3, target=1)


def _ritual(**field: Any) -> RitualDefinition:
    return RitualDefinition.model_validate(
        {
            "id": "okrs",
            "name": "OKRs",
            "owners": ["U0PRODOPS"],
            "schedule": {"cron": "0 10 * * mon", "timezone": "UTC"},
            "participants": {"users": ["U0PM00001"]},
            "form": [{"id": "krs", "type": "key_results", "label": "Key results", **field}],
        }
    )


def _view(ritual: RitualDefinition, *prompts: Prompt) -> ViewRecord:
    view = answer_view(
        ritual, FormDraft(), AnswerMeta(1, "t", 0), key_results=KeyResultsAsked({"krs": prompts}, LEVELS)
    )
    View(**view).to_dict()
    checked = validate_view(json.loads(json.dumps(view)), expected_type="modal")
    return ViewRecord(id="V1", type="modal", user="U0PM00001", hash="h", definition=checked)


def test_a_group_per_key_result_prefilled() -> None:
    record = _view(_ritual(), TEAMS, CHURN)
    ids = [b.get("block_id") for b in record.blocks]
    assert ids == [
        "_head.krs",
        "_kr.krs:teams",
        "krs:teams:value",
        "krs:teams:confidence",
        "krs:teams:comment",
        "_kr.krs:churn",
        "krs:churn:value",
        "krs:churn:confidence",
        "krs:churn:comment",
    ]
    heading = record.block("_kr.krs:teams")
    assert heading is not None
    assert (
        heading["text"]["text"]
        == "*Activated &lt;teams&gt;* · Grow\nStart 10 teams · target 100 teams\n_From its source_"
    )
    value = record.block("krs:teams:value")
    assert value is not None
    assert value["label"]["text"] == "Current value (teams)"
    assert value["element"]["initial_value"] == "42"
    assert value["optional"] is False
    confidence = record.block("krs:teams:confidence")
    assert confidence is not None
    assert [o["value"] for o in confidence["element"]["options"]] == ["on_track", "at_risk", "off_track"]
    assert confidence["element"]["initial_option"]["value"] == "at_risk"


def test_what_does_not_fit_is_named_not_dropped() -> None:
    blocks = key_result_blocks(_ritual(max_items=1).field("krs"), [TEAMS, CHURN], LEVELS)
    assert len(blocks) == 1 + 4 + 1
    assert blocks[-1]["elements"][0]["text"] == (
        "1 more of your key results do not fit this form (it takes 1): Churn. "
        "Ask the ritual's owner to raise max_items."
    )
    [nothing] = key_result_blocks(_ritual().field("krs"), [], LEVELS)
    assert "You own no key results in this check-in" in nothing["text"]["text"]


def test_an_untouched_form_reads_back_its_prefill() -> None:
    ritual = _ritual()
    record = _view(ritual, TEAMS)
    answers = read_key_results(ritual.field("krs"), [TEAMS], LEVELS, build_state(record, {}))
    assert (answers.errors, answers.stale) == ({}, False)
    assert answers.entries == [KeyResultEntry("teams", 42, "at_risk", "slow")]
    assert answers.stored([TEAMS], LEVELS) == [
        {
            "kr": "teams",
            "title": "Activated <teams>",
            "unit": "teams",
            "value": 42,
            "confidence": "at_risk",
            "confidence_label": "At risk",
            "comment": "slow",
        }
    ]
    assert entry_text(answers.stored([TEAMS], LEVELS)[0]) == "Activated <teams>: 42 teams · At risk — slow"


def test_inputs_are_judged_again_on_the_server() -> None:
    ritual = _ritual()
    krs = ritual.field("krs")
    record = _view(ritual, CHURN)
    state = build_state(record, {"krs:churn:value": "2.5", "krs:churn:confidence": "on_track"})
    # A hand-made request with a value no form offers, and a comment too long for the input.
    state["krs:churn:confidence"]["confidence"]["selected_option"] = {"value": "great"}
    state["krs:churn:comment"]["comment"]["value"] = "x" * 501
    state["krs:churn:value"]["value"]["value"] = "lots"
    answers = read_key_results(krs, [CHURN], LEVELS, state)
    assert answers.errors == {
        key_result_block("krs", "churn", "value"): "Enter a number.",
        key_result_block("krs", "churn", "confidence"): "Choose one of the options.",
        key_result_block("krs", "churn", "comment"): "Please keep this under 500 characters (it is 501).",
    }


def test_an_optional_field_takes_blanks_and_a_changed_set_of_key_results_is_noticed() -> None:
    ritual = _ritual(optional=True)
    krs = ritual.field("krs")
    state = build_state(_view(ritual, CHURN), {})
    assert read_key_results(krs, [CHURN], LEVELS, state).entries == [
        KeyResultEntry("churn", None, None, None)
    ]
    # The modal was opened before Ana took on another key result: it has no inputs for it.
    later = read_key_results(krs, [CHURN, TEAMS], LEVELS, state)
    assert later.stale
    assert [e.id for e in later.entries] == ["churn"]


def test_a_field_of_key_results_in_the_schema() -> None:
    field = FormField.model_validate({"id": "krs", "type": "key_results", "label": "KRs", "max_items": 5})
    assert field.modal_blocks == 22
    assert field.objectives is None
