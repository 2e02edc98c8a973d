"""What `ritualbot doctor`, people by email, time off and canvases ask of Slack: scopes in every
answer and `missing_scope` when one lacks, conversations.join, users.lookupByEmail,
users.profile.get with statuses, user groups on a free plan, canvases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_scopes import METHOD_SCOPES as BOT_SIDE
from core.clock import FrozenClock
from simulator import SimulatedWorkspace, default_roster
from simulator.methods import METHODS
from simulator.scopes import DEFAULT_SCOPES, METHOD_SCOPES

from .conftest import START, TOKEN


def test_every_answer_names_the_tokens_scopes(client: WebClient) -> None:
    response = client.auth_test()
    assert set(response.headers["x-oauth-scopes"].split(",")) == DEFAULT_SCOPES


@pytest.fixture
def narrow(clock: FrozenClock) -> Iterator[WebClient]:
    scopes = DEFAULT_SCOPES - {"users:read.email", "channels:join"}
    with SimulatedWorkspace(default_roster(at=START), bot_token=TOKEN, clock=clock, scopes=scopes) as ws:
        yield WebClient(token=TOKEN, base_url=ws.api_url, retry_handlers=[])


def test_a_method_without_its_scope_is_refused_with_needed_and_provided(narrow: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        narrow.users_lookupByEmail(email="ana@ritualbot-sim.example")
    assert caught.value.response["error"] == "missing_scope"
    assert caught.value.response["needed"] == "users:read.email"
    assert "users:read" in caught.value.response["provided"].split(",")
    assert "users:read.email" not in caught.value.response.headers["x-oauth-scopes"]


def test_lookup_by_email_finds_people_regardless_of_case(client: WebClient) -> None:
    found = client.users_lookupByEmail(email="Ana@Ritualbot-Sim.example")["user"]
    assert found["id"] == "U0PM00001"
    for email in ("nobody@ritualbot-sim.example", "lee@ritualbot-sim.example"):  # the leaver too
        with pytest.raises(SlackApiError) as caught:
            client.users_lookupByEmail(email=email)
        assert caught.value.response["error"] == "users_not_found"


def test_profile_status_until_it_expires(
    client: WebClient, workspace: SimulatedWorkspace, clock: FrozenClock
) -> None:
    ana = workspace.roster.user("U0PM00001")
    assert ana is not None
    ana.status_text, ana.status_emoji = "Vacation", ":palm_tree:"
    ana.status_expiration = int((clock.now() + timedelta(days=2)).timestamp())
    profile = client.users_profile_get(user="U0PM00001")["profile"]
    assert (profile["status_text"], profile["status_emoji"]) == ("Vacation", ":palm_tree:")
    assert client.users_info(user="U0PM00001")["user"]["profile"]["status_text"] == "Vacation"
    clock.advance(timedelta(days=3))
    assert client.users_profile_get(user="U0PM00001")["profile"]["status_text"] == ""
    with pytest.raises(SlackApiError) as caught:
        client.users_profile_get(user="U0NOBODY1")
    assert caught.value.response["error"] == "user_not_found"


def test_join_public_channels_only(client: WebClient, workspace: SimulatedWorkspace) -> None:
    general = workspace.roster.channel("general")
    assert general is not None
    general.members.remove(workspace.bot_user_id)
    assert client.conversations_info(channel="C0GENERAL")["channel"]["is_member"] is False
    joined = client.conversations_join(channel="C0GENERAL")
    assert joined["channel"]["is_member"] is True
    assert client.conversations_join(channel="C0GENERAL")["warning"] == "already_in_channel"
    secret = workspace.roster.channel("product-leads")
    assert secret is not None
    secret.members.remove(workspace.bot_user_id)
    for channel in ("C0LEADS01", "C0NOPE001"):  # a private channel it is not in looks missing
        with pytest.raises(SlackApiError) as caught:
            client.conversations_join(channel=channel)
        assert caught.value.response["error"] == "channel_not_found"


def test_no_user_groups_and_no_standalone_canvases_on_a_free_plan(clock: FrozenClock) -> None:
    with SimulatedWorkspace(default_roster(at=START), bot_token=TOKEN, clock=clock, plan="free") as ws:
        client = WebClient(token=TOKEN, base_url=ws.api_url, retry_handlers=[])
        for call in (client.usergroups_list, lambda: client.usergroups_users_list(usergroup="S0PMS0001")):
            with pytest.raises(SlackApiError) as caught:
                call()
            assert caught.value.response["error"] == "plan_upgrade_required"
        with pytest.raises(SlackApiError) as caught:
            client.canvases_create(title="Digest", document_content={"type": "markdown", "markdown": "# x"})
        assert caught.value.response["error"] == "free_teams_cannot_create_non_tabbed_canvases"


def test_canvas_created_and_shared_with_a_channel(client: WebClient, workspace: SimulatedWorkspace) -> None:
    created = client.canvases_create(
        title="Roadmap check-in, Feb 2027", document_content={"type": "markdown", "markdown": "# All answers"}
    )
    canvas_id = created["canvas_id"]
    client.canvases_access_set(canvas_id=canvas_id, access_level="read", channel_ids=["C0LEADS01"])
    (canvas,) = workspace.canvases
    assert (canvas.id, canvas.markdown, canvas.readers) == (canvas_id, "# All answers", {"C0LEADS01": "read"})
    with pytest.raises(SlackApiError) as caught:
        client.canvases_access_set(canvas_id="F0NOPE", access_level="read", channel_ids=["C0LEADS01"])
    assert caught.value.response["error"] == "canvas_not_found"
    with pytest.raises(SlackApiError) as caught:
        client.canvases_create(title="x", document_content={"type": "html", "html": "<p>"})
    assert caught.value.response["error"] == "invalid_arguments"


def test_both_sides_agree_on_the_scope_of_every_method() -> None:
    assert set(METHOD_SCOPES) == set(METHODS)
    for method, scopes in METHOD_SCOPES.items():
        if method in BOT_SIDE:
            assert BOT_SIDE[method] <= scopes, method
