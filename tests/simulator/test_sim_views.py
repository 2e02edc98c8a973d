"""views.* against the simulator: trigger rules, hashes, the modal stack, the Home tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.clock import FrozenClock
from simulator import SimulatedWorkspace

ANA = "U0PM00001"


def modal(
    title: str = "Check-in", *, blocks: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "checkin",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": blocks
        or [
            {
                "type": "input",
                "block_id": "status",
                "label": {"type": "plain_text", "text": "Status"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    view.update(extra)
    return view


def error_of(call: Any) -> tuple[str, list[str]]:
    with pytest.raises(SlackApiError) as exc:
        call()
    data = exc.value.response.data
    assert isinstance(data, dict)
    return data["error"], data.get("response_metadata", {}).get("messages", [])


def test_open_with_a_fresh_trigger(client: WebClient, workspace: SimulatedWorkspace) -> None:
    trigger = workspace.mint_trigger(ANA)
    view = client.views_open(trigger_id=trigger, view=modal(private_metadata="run=7"))["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["private_metadata"] == "run=7"
    opened = workspace.last_modal(ANA)
    assert opened is not None
    assert opened.id == view["id"]
    assert opened.trigger_id == trigger
    assert opened.callback_id == "checkin"


def test_trigger_is_single_use(client: WebClient, workspace: SimulatedWorkspace) -> None:
    trigger = workspace.mint_trigger(ANA)
    client.views_open(trigger_id=trigger, view=modal())
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=modal()))[0] == "exchanged_trigger_id"


def test_trigger_expires_after_three_seconds(
    client: WebClient, workspace: SimulatedWorkspace, clock: FrozenClock
) -> None:
    fresh = workspace.mint_trigger(ANA)
    stale = workspace.mint_trigger(ANA)
    clock.advance(timedelta(seconds=2.9))
    client.views_open(trigger_id=fresh, view=modal())
    clock.advance(timedelta(seconds=0.2))
    assert error_of(lambda: client.views_open(trigger_id=stale, view=modal()))[0] == "expired_trigger_id"


def test_unknown_trigger(client: WebClient) -> None:
    assert (
        error_of(lambda: client.views_open(trigger_id="123.456.abc", view=modal()))[0] == "invalid_trigger_id"
    )


def test_invalid_view_is_invalid_arguments_and_keeps_the_trigger(
    client: WebClient, workspace: SimulatedWorkspace
) -> None:
    trigger = workspace.mint_trigger(ANA)
    error, messages = error_of(
        lambda: client.views_open(trigger_id=trigger, view=modal("A title that is far too long"))
    )
    assert error == "invalid_arguments"
    assert "title must be between 1 and 24 characters" in messages[0]
    no_submit = modal()
    del no_submit["submit"]
    error, messages = error_of(lambda: client.views_open(trigger_id=trigger, view=no_submit))
    assert "submit" in messages[0]
    long_meta = modal(private_metadata="x" * 3001)
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=long_meta))[0] == "invalid_arguments"
    many = modal(blocks=[{"type": "divider"}] * 101)
    assert "100" in error_of(lambda: client.views_open(trigger_id=trigger, view=many))[1][0]
    client.views_open(trigger_id=trigger, view=modal())  # refused calls did not use the trigger up


def test_update_checks_the_hash(client: WebClient, workspace: SimulatedWorkspace) -> None:
    opened = client.views_open(trigger_id=workspace.mint_trigger(ANA), view=modal())["view"]
    first = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Step 2"))["view"]
    assert first["hash"] != opened["hash"]
    assert first["title"]["text"] == "Step 2"
    stale = lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Step 3"))  # noqa: E731
    assert error_of(stale)[0] == "hash_conflict"
    client.views_update(view_id=opened["id"], view=modal("No hash, no check"))
    modal_now = workspace.last_modal(ANA)
    assert modal_now is not None
    assert modal_now.title == "No hash, no check"
    assert modal_now.updates == 2
    assert error_of(lambda: client.views_update(view_id="V404", view=modal()))[0] == "not_found"


def test_push_stacks_at_most_three_views(client: WebClient, workspace: SimulatedWorkspace) -> None:
    root = client.views_open(trigger_id=workspace.mint_trigger(ANA), view=modal())["view"]
    for n in (2, 3):
        pushed = client.views_push(
            trigger_id=workspace.mint_trigger(ANA, root["id"]), view=modal(f"Level {n}")
        )
        assert pushed["view"]["root_view_id"] == root["id"]
    assert [v.title for v in workspace.open_views(ANA)] == ["Check-in", "Level 2", "Level 3"]
    too_deep = lambda: client.views_push(trigger_id=workspace.mint_trigger(ANA, root["id"]), view=modal())  # noqa: E731
    assert error_of(too_deep)[0] == "push_limit_reached"


def test_publish_home(client: WebClient, workspace: SimulatedWorkspace) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your rituals"}}],
    }
    first = client.views_publish(user_id=ANA, view=home)["view"]
    again = client.views_publish(user_id=ANA, view=home, hash=first["hash"])["view"]
    assert again["id"] == first["id"]
    assert again["hash"] != first["hash"]
    assert (
        error_of(lambda: client.views_publish(user_id=ANA, view=home, hash=first["hash"]))[0]
        == "hash_conflict"
    )
    published = workspace.home_view(ANA)
    assert published is not None
    assert published.blocks[0]["text"]["text"] == "Your rituals"
    assert error_of(lambda: client.views_publish(user_id="U0NOBODY1", view=home))[0] == "user_not_found"
    assert error_of(lambda: client.views_publish(user_id=ANA, view=modal()))[0] == "invalid_arguments"
