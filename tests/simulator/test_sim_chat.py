"""chat.* and conversations.history against the simulator, through a real slack_sdk WebClient."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.clock import FrozenClock
from simulator import SimulatedWorkspace

ANA = "U0PM00001"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def api_error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def test_post_to_user_id_lands_in_dm_and_update_needs_dm_id(
    client: WebClient, workspace: SimulatedWorkspace
) -> None:
    posted = client.chat_postMessage(channel=ANA, text="Time for the check-in", blocks=[section("Hi Ana")])
    dm = posted["channel"]
    assert dm.startswith("D")
    assert posted["message"]["text"] == "Time for the check-in"
    assert posted["message"]["bot_id"] == workspace.identity.bot_id

    with pytest.raises(SlackApiError) as by_user:
        client.chat_update(channel=ANA, ts=posted["ts"], text="closed")
    assert api_error(by_user) == "channel_not_found"

    updated = client.chat_update(channel=dm, ts=posted["ts"], text="Closed", blocks=[section("Closed")])
    assert updated["ts"] == posted["ts"]
    [msg] = workspace.dm_messages(ANA)
    assert msg.text == "Closed"
    assert msg.blocks[0]["text"]["text"] == "Closed"
    assert msg.edited is not None
    assert workspace.dm_channel(ANA) == dm


def test_update_of_unknown_ts_is_message_not_found(client: WebClient) -> None:
    dm = client.chat_postMessage(channel=ANA, text="x")["channel"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=dm, ts="1111111111.000001", text="y")
    assert api_error(exc) == "message_not_found"


@pytest.mark.parametrize("channel", ["C0NOPE0001", "U0NOBODY1", "#no-such-channel", "U0PM00009"])
def test_unknown_channel_or_user_is_channel_not_found(client: WebClient, channel: str) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=channel, text="hello")
    assert api_error(exc) == "channel_not_found"


def test_post_by_channel_name_answers_with_the_id(client: WebClient, workspace: SimulatedWorkspace) -> None:
    posted = client.chat_postMessage(channel="#sales-roadmap", text="Roadmap")
    assert posted["channel"] == "C0SALES01"
    assert [m.text for m in workspace.messages_in("sales-roadmap")] == ["Roadmap"]


def test_thread_ts_must_name_a_parent_in_that_channel(
    client: WebClient, workspace: SimulatedWorkspace
) -> None:
    parent = client.chat_postMessage(channel="C0GENERAL", text="Digest")
    reply = client.chat_postMessage(channel="C0GENERAL", text="Part 2", thread_ts=parent["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]
    for bad in (reply["ts"], "1234567890.000001"):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C0GENERAL", text="x", thread_ts=bad)
        assert api_error(exc) == "thread_not_found"
    with pytest.raises(SlackApiError) as other_channel:
        client.chat_postMessage(channel="C0SALES01", text="x", thread_ts=parent["ts"])
    assert api_error(other_channel) == "thread_not_found"
    assert [m.text for m in workspace.thread("general", parent["ts"])] == ["Digest", "Part 2"]


def test_51_blocks_are_invalid_blocks(client: WebClient, workspace: SimulatedWorkspace) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="ok", blocks=[section(str(i)) for i in range(50)])
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(
            channel="C0GENERAL", text="too many", blocks=[section(str(i)) for i in range(51)]
        )
    assert api_error(exc) == "invalid_blocks"
    assert "no more than 50 items" in exc.value.response["response_metadata"]["messages"][0]
    assert len(workspace.messages_in("general")) == 1


def test_unknown_block_or_element_type_is_invalid_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[section("a"), {"type": "hologram"}])
    assert api_error(exc) == "invalid_blocks"
    assert "/blocks/1/type" in exc.value.response["response_metadata"]["messages"][0]

    bad_accessory = {**section("a"), "accessory": {"type": "slider", "action_id": "s"}}
    with pytest.raises(SlackApiError) as nested:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[bad_accessory])
    assert "/blocks/0/accessory/type" in nested.value.response["response_metadata"]["messages"][0]


def test_duplicate_block_ids_are_invalid_blocks(client: WebClient) -> None:
    twice = [{**section("a"), "block_id": "same"}, {**section("b"), "block_id": "same"}]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=twice)
    assert api_error(exc) == "invalid_blocks"
    assert "duplicate block_id" in exc.value.response["response_metadata"]["messages"][0]


def test_sdk_validators_run_on_dict_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=[section("x" * 3001)])
    assert api_error(exc) == "invalid_blocks"
    assert "3000" in exc.value.response["response_metadata"]["messages"][0]


def test_too_much_block_text_is_msg_blocks_too_long(client: WebClient) -> None:
    five = [section("x" * 2500) for _ in range(5)]  # each block is fine, together 12,500 chars
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="digest", blocks=five)
    assert api_error(exc) == "msg_blocks_too_long"
    client.chat_postMessage(channel="C0GENERAL", text="digest", blocks=five[:4])


def test_message_needs_text_or_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessage", json={"channel": "C0GENERAL"})
    assert api_error(exc) == "no_text"


def test_ts_unique_and_increasing_while_the_clock_stands_still(client: WebClient, clock: FrozenClock) -> None:
    stamps = [client.chat_postMessage(channel="C0GENERAL", text=str(i))["ts"] for i in range(5)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    assert stamps[0] == f"{int(clock.now().timestamp())}.000000"


def test_metadata_is_stored_and_returned_only_when_asked(client: WebClient) -> None:
    meta = {"event_type": "ritual_delivery", "event_payload": {"delivery_id": 42}}
    posted = client.chat_postMessage(channel=ANA, text="prompt", metadata=meta)
    dm = posted["channel"]
    with_meta = client.conversations_history(channel=dm, include_all_metadata=True)
    assert with_meta["messages"][0]["metadata"] == meta
    without = client.conversations_history(channel=dm)
    assert "metadata" not in without["messages"][0]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=ANA, text="x", metadata={"event_type": "x"})
    assert api_error(exc) == "invalid_metadata_schema"


def test_history_pages_newest_first_and_honours_oldest(client: WebClient, clock: FrozenClock) -> None:
    stamps = []
    for i in range(5):
        stamps.append(client.chat_postMessage(channel="C0GENERAL", text=f"m{i}")["ts"])
        clock.advance(timedelta(seconds=10))
    first = client.conversations_history(channel="C0GENERAL", limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    assert first["has_more"] is True
    rest = client.conversations_history(
        channel="C0GENERAL", limit=10, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1", "m0"]
    assert rest["response_metadata"]["next_cursor"] == ""
    newer = client.conversations_history(channel="C0GENERAL", oldest=stamps[2])
    assert [m["text"] for m in newer["messages"]] == ["m4", "m3"]


def test_delete_and_permalink(client: WebClient, workspace: SimulatedWorkspace) -> None:
    posted = client.chat_postMessage(channel="C0GENERAL", text="oops")
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=posted["ts"])["permalink"]
    assert link.endswith(f"/archives/C0GENERAL/p{posted['ts'].replace('.', '')}")
    client.chat_delete(channel="C0GENERAL", ts=posted["ts"])
    assert workspace.messages_in("general") == []
    with pytest.raises(SlackApiError) as exc:
        client.chat_delete(channel="C0GENERAL", ts=posted["ts"])
    assert api_error(exc) == "message_not_found"


def test_ephemeral_only_to_channel_members(client: WebClient, workspace: SimulatedWorkspace) -> None:
    client.chat_postEphemeral(channel="C0SALES01", user="U0SALES01", text="only you")
    assert [e.text for e in workspace.ephemeral_for("U0SALES01")] == ["only you"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel="C0SALES01", user=ANA, text="not a member")
    assert api_error(exc) == "user_not_in_channel"


def test_private_channel_without_the_bot_does_not_exist(
    client: WebClient, workspace: SimulatedWorkspace
) -> None:
    from simulator import Channel

    workspace.roster.add_channel(Channel("C0SECRET1", "secret", ["U0LEAD001"], is_private=True))
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0SECRET1", text="x")
    assert api_error(exc) == "channel_not_found"


def test_calls_are_recorded_with_decoded_json_fields(
    client: WebClient, workspace: SimulatedWorkspace
) -> None:
    client.chat_postMessage(channel=ANA, text="hi", blocks=[section("hi")])
    client.api_call(
        "chat.postMessage", params={"channel": ANA, "text": "form", "blocks": '[{"type":"divider"}]'}
    )
    first, second = workspace.calls("chat.postMessage")
    assert first.params["blocks"][0]["type"] == "section"
    assert second.params["blocks"] == [{"type": "divider"}]
    assert first.headers["authorization"] == "Bearer xoxb-test-token"
    assert first.ok
    assert second.ok
    assert second.headers["content-type"] == "application/x-www-form-urlencoded"


def test_auth_and_unknown_methods(workspace: SimulatedWorkspace, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == workspace.bot_user_id
    for token, error in (("xoxb-wrong", "invalid_auth"), ("", "not_authed")):
        with pytest.raises(SlackApiError) as exc:
            WebClient(token=token or None, base_url=workspace.api_url).auth_test()
        assert api_error(exc) == error
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("chat.scheduleMessage", params={"channel": "C0GENERAL", "post_at": 1, "text": "x"})
    assert api_error(unknown) == "unknown_method"
    assert (
        "not a method the simulated workspace implements"
        in unknown.value.response["response_metadata"]["messages"][0]
    )


def test_concurrent_posts_are_all_kept_with_unique_ts(workspace: SimulatedWorkspace) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def post(i: int) -> str:
        own = WebClient(token="xoxb-test-token", base_url=workspace.api_url)
        return str(own.chat_postMessage(channel=f"U0PM0000{i % 8 + 1}", text=str(i))["ts"])

    with ThreadPoolExecutor(max_workers=32) as pool:
        stamps = list(pool.map(post, range(200)))
    assert len(set(stamps)) == 200
    assert sum(len(workspace.dm_messages(f"U0PM0000{n}")) for n in range(1, 9)) == 200
    assert len(workspace.calls("chat.postMessage")) == 200


def test_thread_replies_live_in_replies_not_history_with_metadata_when_asked(client: WebClient) -> None:
    meta = {"event_type": "ritual_delivery", "event_payload": {"delivery": "digest:part1"}}
    parent = client.chat_postMessage(channel="C0GENERAL", text="digest")
    client.chat_postMessage(channel="C0GENERAL", text="part 1", thread_ts=parent["ts"], metadata=meta)
    history = client.conversations_history(channel="C0GENERAL", include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["digest"]
    assert history[0]["reply_count"] == 1
    thread = client.conversations_replies(channel="C0GENERAL", ts=parent["ts"], include_all_metadata=True)
    assert [m["text"] for m in thread["messages"]] == ["digest", "part 1"]
    assert thread["messages"][1]["metadata"] == meta
    plain = client.conversations_replies(channel="C0GENERAL", ts=parent["ts"])["messages"]
    assert "metadata" not in plain[1]
