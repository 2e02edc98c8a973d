"""response_urls: what the bot's `respond()` does to the conversation, and their limits."""

from __future__ import annotations

from datetime import timedelta

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from core.clock import FrozenClock
from simulator import SimulatedWorkspace

ANA = "U0PM00001"


def test_outcomes(client: WebClient, workspace: SimulatedWorkspace) -> None:
    posted = client.chat_postMessage(channel=ANA, text="prompt")
    url = workspace.mint_response_url(ANA, posted["channel"], posted["ts"])
    hook = WebhookClient(url)  # what Bolt's respond() uses
    assert hook.send(text="just for you").status_code == 200
    assert hook.send(text="for everyone", response_type="in_channel").status_code == 200
    assert hook.send(text="edited", replace_original=True).status_code == 200
    assert [e.text for e in workspace.ephemeral_for(ANA)] == ["just for you"]
    assert [m.text for m in workspace.dm_messages(ANA)] == ["edited", "for everyone"]
    assert hook.send(delete_original=True).status_code == 200
    assert [m.text for m in workspace.dm_messages(ANA)] == ["for everyone"]
    assert [r.outcome for r in workspace.responses] == ["ephemeral", "in_channel", "replaced", "deleted"]


def test_five_uses_within_thirty_minutes(workspace: SimulatedWorkspace, clock: FrozenClock) -> None:
    url = workspace.mint_response_url(ANA, workspace.dm_channel(ANA))
    statuses = [httpx.post(url, json={"text": str(i)}).status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    late = workspace.mint_response_url(ANA, workspace.dm_channel(ANA))
    clock.advance(timedelta(minutes=31))
    expired = httpx.post(late, json={"text": "late"})
    assert (expired.status_code, expired.text) == (404, "expired_url")


def test_invalid_blocks_are_refused(workspace: SimulatedWorkspace) -> None:
    url = workspace.mint_response_url(ANA, workspace.dm_channel(ANA))
    reply = httpx.post(url, json={"text": "x", "blocks": [{"type": "hologram"}]})
    assert (reply.status_code, reply.text) == (400, "invalid_blocks")
    assert workspace.ephemeral_for(ANA) == []


def test_slack_tiers_preset(client: WebClient, workspace: SimulatedWorkspace) -> None:
    workspace.faults.slack_tiers()
    statuses = []
    for _ in range(21):
        try:
            statuses.append(client.users_list(limit=1).status_code)
        except SlackApiError as exc:  # the 21st call in a minute
            statuses.append(exc.response.status_code)
    assert statuses == [200] * 20 + [429]
