"""Faults on demand: 429 with Retry-After, rate budgets, 5xx, dropped connections, slow replies."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from core.clock import FrozenClock
from simulator import SimulatedWorkspace

TOKEN = "xoxb-test-token"


def test_429_carries_retry_after(client: WebClient, workspace: SimulatedWorkspace) -> None:
    workspace.faults.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "7"
    assert exc.value.response["error"] == "ratelimited"
    assert workspace.messages_in("general") == []
    client.chat_postMessage(channel="C0GENERAL", text="fault used up")


def test_rate_limit_retry_handler_waits_and_succeeds(workspace: SimulatedWorkspace) -> None:
    retrying = WebClient(
        token=TOKEN,
        base_url=workspace.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    workspace.faults.rate_limit_next("chat.postMessage", retry_after=0)  # the handler adds < 1 s jitter
    posted = retrying.chat_postMessage(channel="C0GENERAL", text="after the wait")
    assert posted["ok"]
    calls = workspace.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert [m.text for m in workspace.messages_in("general")] == ["after the wait"]


def test_budget_answers_429_with_computed_retry_after(
    client: WebClient, workspace: SimulatedWorkspace, clock: FrozenClock
) -> None:
    workspace.faults.budget("users.info", per_minute=2)
    client.users_info(user="U0PM00001")
    clock.advance(timedelta(seconds=20))
    client.users_info(user="U0PM00001")
    clock.advance(timedelta(seconds=15))
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0PM00001")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "25"  # the first call leaves the window at t=60
    clock.advance(timedelta(seconds=25))
    client.users_info(user="U0PM00001")
    client.users_list(limit=1)  # other methods are not affected


def test_budget_per_channel(client: WebClient, workspace: SimulatedWorkspace) -> None:
    workspace.faults.budget("chat.postMessage", per_second=1, per_channel=True)
    client.chat_postMessage(channel="C0GENERAL", text="a")
    client.chat_postMessage(channel="C0SALES01", text="b")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="c")
    assert exc.value.response.headers["Retry-After"] == "1"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(client: WebClient, workspace: SimulatedWorkspace, status: int) -> None:
    workspace.faults.server_error_next("chat.postMessage", status=status)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert exc.value.response.status_code == status
    assert workspace.messages_in("general") == []
    assert workspace.calls("chat.postMessage")[0].status == status


def test_server_error_after_processing_is_ambiguous(client: WebClient, workspace: SimulatedWorkspace) -> None:
    workspace.faults.server_error_next("chat.postMessage", status=503, after_processing=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GENERAL", text="posted anyway")
    assert [m.text for m in workspace.messages_in("general")] == ["posted anyway"]


def test_dropped_connection(client: WebClient, workspace: SimulatedWorkspace) -> None:
    workspace.faults.drop_next("chat.postMessage")
    with pytest.raises(ConnectionError):  # http.client.RemoteDisconnected
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert [m.text for m in workspace.messages_in("general")] == ["x"]


def test_error_on_demand_then_normal(client: WebClient, workspace: SimulatedWorkspace) -> None:
    workspace.faults.error_next("chat.postMessage", "channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C0GENERAL", text="x")
        assert exc.value.response["error"] == "channel_not_found"
    client.chat_postMessage(channel="C0GENERAL", text="x")


def test_slow_reply_times_the_client_out(workspace: SimulatedWorkspace) -> None:
    impatient = WebClient(token=TOKEN, base_url=workspace.api_url, timeout=1, retry_handlers=[])
    workspace.faults.slow("chat.postMessage", seconds=1.2, times=1)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C0GENERAL", text="slow")
    assert time.monotonic() - started < 1.2
    # by default a slow call has already taken effect: the ambiguous timeout
    assert [m.text for m in workspace.messages_in("general")] == ["slow"]
    impatient.chat_postMessage(channel="C0GENERAL", text="fast again")


def test_clear_and_wildcard(client: WebClient, workspace: SimulatedWorkspace) -> None:
    workspace.faults.rate_limit_next("*", times=5).budget("auth.test", per_minute=1)
    workspace.faults.clear()
    client.auth_test()
    client.auth_test()
    workspace.faults.error_next("*", "fatal_error")
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0PM00001")
    assert exc.value.response["error"] == "fatal_error"


def test_slow_store_hides_the_post_from_history_and_threads_until_stored(
    client: WebClient, workspace: SimulatedWorkspace, clock: FrozenClock
) -> None:
    parent = client.chat_postMessage(channel="C0GENERAL", text="parent")
    workspace.faults.slow_store_next("chat.postMessage", visible_after=20, times=2)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="late top")
    assert exc.value.response.status_code == 500
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GENERAL", text="late reply", thread_ts=parent["ts"])
    # Slack accepted both: they exist, but neither history nor the thread shows them yet.
    assert [m.text for m in workspace.messages_in("general")] == ["parent", "late top", "late reply"]
    assert [m["text"] for m in client.conversations_history(channel="C0GENERAL")["messages"]] == ["parent"]
    thread = client.conversations_replies(channel="C0GENERAL", ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == ["parent"]
    clock.advance(timedelta(seconds=20))
    texts = [m["text"] for m in client.conversations_history(channel="C0GENERAL")["messages"]]
    assert texts == ["late top", "parent"]
    thread = client.conversations_replies(channel="C0GENERAL", ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == ["parent", "late reply"]


def test_slow_store_can_drop_the_connection_instead(
    client: WebClient, workspace: SimulatedWorkspace, clock: FrozenClock
) -> None:
    workspace.faults.slow_store_next("chat.postMessage", visible_after=5, status=None)
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert client.conversations_history(channel="C0GENERAL")["messages"] == []
    clock.advance(timedelta(seconds=5))
    assert [m["text"] for m in client.conversations_history(channel="C0GENERAL")["messages"]] == ["x"]


def test_budget_with_a_burst_is_a_token_bucket(
    client: WebClient, workspace: SimulatedWorkspace, clock: FrozenClock
) -> None:
    workspace.faults.budget("chat.postMessage", per_second=10, burst=20)
    for n in range(20):  # the burst goes through at once
        client.chat_postMessage(channel="C0GENERAL", text=f"burst {n}")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="one too many")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "1"
    clock.advance(timedelta(milliseconds=500))  # five tokens back at 10 a second
    for n in range(5):
        client.chat_postMessage(channel="C0GENERAL", text=f"steady {n}")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GENERAL", text="again too many")
    assert len(workspace.messages_in("general")) == 25
