"""Typed parsing of Slack's bodies: what a listener relies on is there, or MalformedPayload."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.payloads import (
    AppHomeOpened,
    BlockActions,
    MalformedPayload,
    Origin,
    SlashCommand,
    ViewSubmission,
    check_envelope,
    parse,
)
from rituals.collect.forms.ids import AnswerMeta

CLICK = {
    "type": "block_actions",
    "user": {"id": "U0PM00001", "name": "ana"},
    "trigger_id": "1.2.3",
    "response_url": "https://hooks.example/1",
    "container": {"type": "message"},
    "actions": [{"action_id": "prompt_fill", "value": "42", "action_ts": "1700000000.000100"}],
}


def test_a_click_reads_its_action_value_and_trigger() -> None:
    click = parse(BlockActions, CLICK)
    assert (click.user_id, click.action.action_id, click.action.decoded(int)) == (
        "U0PM00001",
        "prompt_fill",
        42,
    )
    assert click.trigger() == "1.2.3"
    assert click.click_id == "U0PM00001:1700000000.000100"


def test_a_picked_option_is_the_choice() -> None:
    picked = CLICK | {"actions": [{"action_id": "menu", "selected_option": {"value": "up|roadmap.a1"}}]}
    assert parse(BlockActions, picked).action.choice == "up|roadmap.a1"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (CLICK | {"actions": []}, "actions"),
        (CLICK | {"user": None}, "user"),
        ({k: v for k, v in CLICK.items() if k != "actions"}, "actions"),
    ],
)
def test_a_click_without_slacks_shape_is_malformed(body: dict[str, object], where: str) -> None:
    with pytest.raises(MalformedPayload, match=f"BlockActions payload: {where}"):
        parse(BlockActions, body)


def test_values_and_metadata_not_written_by_the_app_are_malformed() -> None:
    junk = CLICK | {"actions": [{"action_id": "prompt_fill", "value": "forty-two"}]}
    with pytest.raises(MalformedPayload, match="the value of 'prompt_fill'"):
        parse(BlockActions, junk).action.decoded(int)
    submission = {"user": {"id": "U1"}, "view": {"id": "V1", "private_metadata": "{not json"}}
    with pytest.raises(MalformedPayload, match="the view's metadata"):
        parse(ViewSubmission, submission).view.metadata(AnswerMeta.decode)
    meta = AnswerMeta(run_id=3, token="t", revision=2)
    good = {"user": {"id": "U1"}, "view": {"id": "V1", "private_metadata": meta.encode()}}
    assert parse(ViewSubmission, good).view.metadata(AnswerMeta.decode) == meta


def test_a_click_outside_a_modal_has_no_modal_and_a_view_click_needs_a_trigger() -> None:
    click = parse(BlockActions, CLICK | {"trigger_id": None})
    with pytest.raises(MalformedPayload):
        click.modal()
    with pytest.raises(MalformedPayload):
        click.trigger()


def test_the_envelope_check_knows_each_kind_by_its_type() -> None:
    check_envelope(CLICK)
    check_envelope({"type": "event_callback", "event": {"type": "app_home_opened", "user": "U1"}})
    with pytest.raises(MalformedPayload):
        check_envelope(CLICK | {"actions": []})
    with pytest.raises(MalformedPayload):
        check_envelope({"type": "view_submission", "user": {"id": "U1"}, "view": None})
    with pytest.raises(MalformedPayload):
        check_envelope({"command": "/ritual", "text": "help"})  # no user_id


def test_a_slash_command_and_the_home_event() -> None:
    command = parse(SlashCommand, {"command": "/ritual", "user_id": "U1", "text": "list"})
    assert (command.command, command.text, command.channel_id) == ("/ritual", "list", None)
    event = parse(AppHomeOpened, {"event": {"type": "app_home_opened", "user": "U1"}}).event
    assert (event.user, event.tab) == ("U1", "home")


def test_the_origin_of_any_body_is_read_leniently() -> None:
    in_modal = Origin.of(CLICK | {"container": {"type": "view"}, "view": {"type": "modal", "id": "V1"}})
    assert (in_modal.person, in_modal.in_view, in_modal.in_modal, in_modal.kind) == (
        "U0PM00001",
        True,
        True,
        "block_actions",
    )
    command = Origin.of({"command": "/ritual", "user_id": "U2", "response_url": "https://hooks.example/2"})
    assert (command.person, command.kind, command.in_view) == ("U2", "/ritual", False)
    broken = Origin.of({"user": "not an object", "type": ["what"]})
    assert (broken.person, broken.kind) == (None, "request")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "block_actions", "user": 5, "actions": [{"action_id": "a"}]},
        {"type": "event_callback", "event": None},
        {"type": "event_callback", "event": "app_home_opened"},
        {"type": "event_callback", "event": {"type": "app_home_opened", "user": ["U1"]}},
        {"command": "/ritual", "user_id": "U1", "team": 7},
        {"type": "view_submission", "response_urls": ["x"], "user": {"id": "U1"}, "view": {"id": "V1"}},
        {"command": "/ritual", "user_id": "U1", "text": "\ud800"},
    ],
)
def test_what_bolt_itself_reads_must_have_slacks_types_and_text_valid_unicode(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedPayload):
        check_envelope(body)


def test_an_event_and_a_command_with_slacks_types_pass_the_envelope_check() -> None:
    check_envelope({"type": "event_callback", "event": {"type": "app_home_opened", "user": "U1"}})
    check_envelope({"command": "/ritual", "user_id": "U1", "text": "help 😀", "team_id": "T1"})


def test_the_unicode_check_reads_the_json_text_when_it_has_it() -> None:
    paired = '{"command": "/ritual", "user_id": "U1", "text": "\\ud83d\\ude00 and \\u00e9"}'
    check_envelope(json.loads(paired), json_text=paired)
    lone = '{"command": "/ritual", "user_id": "U1", "text": "half \\uD83D of an emoji"}'
    with pytest.raises(MalformedPayload):
        check_envelope(json.loads(lone), json_text=lone)
