"""users.*, usergroups.*, conversations.* and the rosters behind them."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.clock import FrozenClock
from simulator import SimulatedWorkspace, default_roster, generated_roster

TOKEN = "xoxb-test-token"


def test_default_roster_spans_time_zones(clock: FrozenClock) -> None:
    roster = default_roster(at=clock.now())
    pms = roster.group("product-managers")
    assert pms is not None
    assert len(pms.users) == 8
    zones = {u.tz for u in roster.users if u.id in pms.users}
    assert {"America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin"} <= zones
    sydney = next(u for u in roster.users if u.tz == "Australia/Sydney")
    assert sydney.tz_offset == 11 * 3600  # daylight saving time in January
    assert roster.user("U0PRODOPS") is not None
    assert {c.name for c in roster.channels} >= {
        "product-leads",
        "sales-roadmap",
        "marketing-launches",
        "general",
    }


def test_users_list_pages_with_small_limits(client: WebClient, workspace: SimulatedWorkspace) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        resp = client.users_list(limit=3, cursor=cursor)
        assert len(resp["members"]) <= 3
        seen += [m["id"] for m in resp["members"]]
        pages += 1
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == [u.id for u in workspace.roster.all_users()]
    assert pages == -(-len(seen) // 3)
    deleted = [m for m in client.users_list()["members"] if m["deleted"]]
    assert [m["id"] for m in deleted] == ["U0PM00009"]


def test_sdk_iteration_follows_cursors(client: WebClient, workspace: SimulatedWorkspace) -> None:
    members = [
        m for page in client.conversations_members(channel="C0GENERAL", limit=4) for m in page["members"]
    ]
    channel = workspace.roster.channel("general")
    assert channel is not None
    assert members == channel.members
    assert len(workspace.calls("conversations.members")) == -(-len(members) // 4)


def test_bad_cursor_and_unknown_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as cursor:
        client.conversations_members(channel="C0GENERAL", cursor="not-a-cursor")
    assert cursor.value.response["error"] == "invalid_cursor"
    with pytest.raises(SlackApiError) as channel:
        client.conversations_members(channel="C0MISSING1")
    assert channel.value.response["error"] == "channel_not_found"


def test_users_info(client: WebClient) -> None:
    user = client.users_info(user="U0PM00005")["user"]
    assert (user["tz"], user["tz_offset"], user["is_bot"]) == ("Asia/Kolkata", 19800, False)
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0NOBODY1")
    assert exc.value.response["error"] == "user_not_found"


def test_usergroups(client: WebClient) -> None:
    groups = client.usergroups_list(include_users=True)["usergroups"]
    pm_group = next(g for g in groups if g["handle"] == "product-managers")
    assert client.usergroups_users_list(usergroup=pm_group["id"])["users"] == pm_group["users"]
    with pytest.raises(SlackApiError) as exc:
        client.usergroups_users_list(usergroup="S0NOPE001")
    assert exc.value.response["error"] == "no_such_subteam"


def test_conversations_open_and_info(client: WebClient, workspace: SimulatedWorkspace) -> None:
    opened = client.conversations_open(users="U0PM00002")
    dm = opened["channel"]["id"]
    assert dm == workspace.dm_channel("U0PM00002")
    assert client.conversations_open(users="U0PM00002")["already_open"] is True
    assert client.conversations_info(channel=dm)["channel"]["user"] == "U0PM00002"
    info = client.conversations_info(channel="C0LEADS01")["channel"]
    assert (info["name"], info["is_private"], info["is_member"]) == ("product-leads", True, True)
    with pytest.raises(SlackApiError) as exc:
        client.conversations_open(users="U0PM00002,U0PM00003")
    assert exc.value.response["error"] == "not_simulated"


def test_generated_roster_needs_paging(clock: FrozenClock) -> None:
    roster = generated_roster(2500, at=clock.now())
    pms = roster.group("product-managers")
    assert pms is not None
    assert len(pms.users) == 2500
    assert len({u.tz for u in roster.users}) >= 8
    with SimulatedWorkspace(roster, bot_token=TOKEN) as ws:
        client = WebClient(token=TOKEN, base_url=ws.api_url)
        with pytest.raises(SlackApiError) as exc:
            client.users_list()
        assert exc.value.response["error"] == "limit_required"
        total = sum(len(page["members"]) for page in client.users_list(limit=1000))
        assert total == len(roster.all_users())
