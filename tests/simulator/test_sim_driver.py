"""The driver against a real Bolt app over real HTTP: commands, modals, clicks, Home tab."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from simulator import AckTimeoutError, SimulatedWorkspace, SimulatorError, SlackDriver
from tests.simulator.sim_bolt_app import BoltServer, build_app

ANA = "U0PM00001"
TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def driver(workspace: SimulatedWorkspace, seen: list[dict[str, Any]]) -> Iterator[SlackDriver]:
    client = WebClient(token=TOKEN, base_url=workspace.api_url)
    server = BoltServer(build_app(client, SECRET, seen)).start()
    try:
        with SlackDriver(workspace, server.url) as driver:
            yield driver
    finally:
        server.stop()


def test_command_ack_text_is_an_ephemeral_reply(driver: SlackDriver, workspace: SimulatedWorkspace) -> None:
    reply = driver.slash_command(ANA, "/ritual", "help")
    assert reply.status == 200
    [eph] = workspace.ephemeral_for(ANA)
    assert (eph.text, eph.source, eph.channel) == (
        "Try /ritual open",
        "command_ack",
        workspace.dm_channel(ANA),
    )


def test_command_in_channel_answer_is_visible(driver: SlackDriver, workspace: SimulatedWorkspace) -> None:
    driver.slash_command(ANA, "/ritual", "shout", channel_id="general")
    assert [m.text for m in workspace.messages_in("general")] == ["Hello, channel"]


def test_command_payload_shape(
    driver: SlackDriver, seen: list[dict[str, Any]], workspace: SimulatedWorkspace
) -> None:
    driver.slash_command(ANA, "/ritual", "help", channel_id="#product-leads")
    [body] = seen
    assert body["command"] == "/ritual"
    assert (body["user_id"], body["user_name"], body["channel_id"]) == (ANA, "ana", "C0LEADS01")
    assert body["response_url"].startswith(workspace.base_url)
    assert body["trigger_id"] in workspace.state.triggers


def test_modal_submission_with_every_element_type(
    driver: SlackDriver, workspace: SimulatedWorkspace, seen: list[dict[str, Any]]
) -> None:
    driver.slash_command(ANA, "/ritual", "open")
    modal = workspace.last_modal(ANA)
    assert modal is not None
    assert modal.callback_id == "checkin"
    answer = driver.submit_view(
        ANA,
        values={
            "status": "fine",
            "confidence": 7,
            "link": "https://notes.example/1",
            "tags": ["at-risk", "off-track"],
            "due": "2026-02-01",
            "owner": ANA,
            "reviewers": ["U0LEAD001", "U0LEAD002"],
            "flags": {"c": ["on-track"]},
            "mood": "at-risk",
        },
    )
    assert answer == {}
    assert workspace.open_views(ANA) == []
    values = seen[-1]["view"]["state"]["values"]
    assert values["status"]["value"] == {"type": "plain_text_input", "value": "fine"}
    assert values["confidence"]["n"] == {"type": "number_input", "value": "7"}
    assert values["link"]["u"] == {"type": "url_text_input", "value": "https://notes.example/1"}
    assert values["health"]["s"]["selected_option"]["value"] == "on-track"  # untouched: the initial option
    assert [o["value"] for o in values["tags"]["m"]["selected_options"]] == ["at-risk", "off-track"]
    assert values["due"]["d"] == {"type": "datepicker", "selected_date": "2026-02-01"}
    assert values["owner"]["o"] == {"type": "users_select", "selected_user": ANA}
    assert values["reviewers"]["r"]["selected_users"] == ["U0LEAD001", "U0LEAD002"]
    assert values["flags"]["c"]["selected_options"][0]["text"]["text"] == "on-track"
    assert values["mood"]["b"]["selected_option"]["value"] == "at-risk"
    assert seen[-1]["view"]["private_metadata"] == "run=7"


def test_errors_keep_the_modal_open_and_update_replaces_it(
    driver: SlackDriver, workspace: SimulatedWorkspace
) -> None:
    driver.slash_command(ANA, "/ritual", "open")
    answer = driver.submit_view(ANA, values={"status": "bad"})
    assert answer == {"response_action": "errors", "errors": {"status": "Pick a real status"}}
    modal = workspace.last_modal(ANA)
    assert modal is not None
    assert modal.errors == {"status": "Pick a real status"}
    old_hash = modal.hash
    driver.submit_view(ANA, values={"status": "update"})
    assert modal.title == "Again"
    assert modal.hash != old_hash
    assert modal.errors == {}


def test_push_then_submit_the_pushed_view_returns_to_the_root(
    driver: SlackDriver, workspace: SimulatedWorkspace
) -> None:
    driver.slash_command(ANA, "/ritual", "open")
    driver.submit_view(ANA, values={"status": "push"})
    assert [v.callback_id for v in workspace.open_views(ANA)] == ["checkin", "second"]
    driver.submit_view(ANA)
    assert [v.callback_id for v in workspace.open_views(ANA)] == ["checkin"]


def test_client_side_rules_are_enforced(driver: SlackDriver, workspace: SimulatedWorkspace) -> None:
    driver.slash_command(ANA, "/ritual", "open")
    with pytest.raises(ValueError, match="required"):
        driver.submit_view(ANA, values={"confidence": 3})
    with pytest.raises(ValueError, match="outside"):
        driver.submit_view(ANA, values={"status": "x", "confidence": 11})
    with pytest.raises(ValueError, match="not one of the options"):
        driver.submit_view(ANA, values={"status": "x", "mood": "sunny"})
    with pytest.raises(ValueError, match="no blocks"):
        driver.submit_view(ANA, values={"status": "x", "nope": 1})


def test_close_notifies_when_asked(
    driver: SlackDriver, workspace: SimulatedWorkspace, seen: list[dict[str, Any]]
) -> None:
    driver.slash_command(ANA, "/ritual", "open")
    reply = driver.close_view(ANA)
    assert reply is not None
    assert reply.status == 200
    assert seen[-1]["type"] == "view_closed"
    assert workspace.last_modal(ANA) is None
    with pytest.raises(SimulatorError, match="no open modal"):
        driver.submit_view(ANA)


def test_button_click_in_a_dm(
    driver: SlackDriver, workspace: SimulatedWorkspace, seen: list[dict[str, Any]]
) -> None:
    client = WebClient(token=TOKEN, base_url=workspace.api_url)
    button = {
        "type": "button",
        "action_id": "answer",
        "value": "run-7",
        "text": {"type": "plain_text", "text": "Answer"},
    }
    client.chat_postMessage(
        channel=ANA, text="Check-in time", blocks=[{"type": "actions", "elements": [button]}]
    )
    [prompt] = workspace.dm_messages(ANA)
    # The listener replaces the message (without blocks) right after it notes the click.
    block_id = prompt.blocks[0]["block_id"]
    driver.click(ANA, prompt, "answer")
    body = workspace.wait_for(lambda: seen)[-1]
    assert body["actions"][0]["value"] == "run-7"
    assert body["actions"][0]["block_id"] == block_id
    assert body["container"] == {
        "type": "message", "message_ts": prompt.ts, "channel_id": prompt.channel, "is_ephemeral": False
    }  # fmt: skip
    # Bolt acks first and runs the rest of the listener afterwards: wait for its effects.
    modal = workspace.wait_for(lambda: workspace.last_modal(ANA))
    assert modal.trigger_id == body["trigger_id"]
    [response] = workspace.wait_for(lambda: workspace.responses)
    assert (response.outcome, response.status) == ("replaced", 200)
    assert workspace.dm_messages(ANA)[0].text == "Thanks, your answer is in the modal"


def test_home_tab(driver: SlackDriver, workspace: SimulatedWorkspace) -> None:
    driver.open_home(ANA)
    home = workspace.wait_for(lambda: workspace.home_view(ANA))
    assert home.blocks[0]["text"]["text"] == "Your rituals"
    driver.click_home(ANA, "refresh")
    workspace.wait_for(lambda: home.updates)
    assert home.blocks[0]["text"]["text"] == "Refreshed"
    assert home.updates == 1


def test_unsigned_and_stale_requests_are_refused_by_bolt(driver: SlackDriver) -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "app_home_opened", "user": ANA}})
    assert driver.post(body, signed=False).status == 401
    assert driver.post(body, timestamp=1).status == 401


def test_slow_ack_times_out(workspace: SimulatedWorkspace, seen: list[dict[str, Any]]) -> None:
    server = BoltServer(build_app(WebClient(token=TOKEN, base_url=workspace.api_url), SECRET, seen)).start()
    try:
        with SlackDriver(workspace, server.url, ack_timeout=0.2) as impatient, pytest.raises(AckTimeoutError):
            impatient.slash_command(ANA, "/ritual", "sleep")
    finally:
        server.stop()


def test_button_in_an_ephemeral_reply(driver: SlackDriver, workspace: SimulatedWorkspace) -> None:
    driver.slash_command(ANA, "/ritual", "menu")
    [menu] = workspace.ephemeral_for(ANA)
    with pytest.raises(SimulatorError, match="cannot see"):
        driver.click("U0PM00002", menu, "pick")
    driver.click(ANA, menu, "pick")
    workspace.wait_for(lambda: workspace.responses)
    assert [e.text for e in workspace.ephemeral_for(ANA)] == ["Picked"]
    assert workspace.dm_messages(ANA) == []


def test_button_inside_a_modal_pushes_a_view(driver: SlackDriver, workspace: SimulatedWorkspace) -> None:
    driver.slash_command(ANA, "/ritual", "open")
    root = workspace.last_modal(ANA)
    assert root is not None
    driver.click_in_view(ANA, root, "add_more")
    stack = workspace.wait_for(lambda: workspace.open_views(ANA)[1:])
    assert stack[0].previous_view_id == root.id


def test_an_external_select_asks_the_app_for_options_as_the_person_types(
    driver: SlackDriver, workspace: SimulatedWorkspace, seen: list[dict[str, Any]]
) -> None:
    driver.slash_command(ANA, "/ritual", "picker")
    view = workspace.last_modal(ANA)
    assert view is not None
    assert driver.suggest(ANA, view, "city", "b") == []  # below min_query_length: Slack waits
    options = driver.suggest(ANA, view, "city", "be")
    assert [option["value"] for option in options] == ["Berlin", "Bern"]
    suggestion = seen[-1]
    assert (suggestion["type"], suggestion["action_id"], suggestion["value"]) == (
        "block_suggestion",
        "city",
        "be",
    )
    assert suggestion["view"]["id"] == view.id
    assert suggestion["block_id"] == "where"
    with pytest.raises(ValueError, match="'Lagos' was not among the options the app suggested"):
        driver.submit_view(ANA, view, {"where": "Lagos"})
    driver.submit_view(ANA, view, {"where": options[1]})
    assert seen[-1]["view"]["state"]["values"]["where"]["city"]["selected_option"]["value"] == "Bern"


def test_options_slack_would_refuse_fail_the_test(driver: SlackDriver, workspace: SimulatedWorkspace) -> None:
    driver.slash_command(ANA, "/ritual", "picker")
    view = workspace.last_modal(ANA)
    assert view is not None
    with pytest.raises(SimulatorError, match="invalid option"):
        driver.suggest(ANA, view, "city", "too long")


def test_a_message_shortcut_carries_the_message_and_a_trigger(
    driver: SlackDriver, workspace: SimulatedWorkspace, seen: list[dict[str, Any]]
) -> None:
    posted = WebClient(token=TOKEN, base_url=workspace.api_url).chat_postMessage(
        channel="C0GENERAL", text="Customers want SSO"
    )
    message = workspace.find_message("C0GENERAL", posted["ts"])
    driver.message_shortcut(ANA, message, "save_message")
    shortcut = seen[-1]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message_action", "save_message")
    assert (shortcut["channel"]["id"], shortcut["message"]["text"]) == ("C0GENERAL", "Customers want SSO")
    assert shortcut["message_ts"] == posted["ts"]
    # The listener opens the modal after acknowledging: wait for it as a person would.
    view = workspace.wait_for(lambda: workspace.last_modal(ANA))
    assert view.callback_id == "picker"
