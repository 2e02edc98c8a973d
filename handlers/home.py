"""The app's Home tab, published when a person opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.registry import ListenerSpec
from rituals.services import Services


def home_view(user_id: str, services: Services) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "ritualbot"}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": (
                        f"Hi <@{user_id}>. This is where your open check-ins, deadlines and recent "
                        "answers appear. Type `/ritual help` in any channel to see the commands."
                    ),
                },
            },
        ],
    }


def register(app: App, services: Services) -> list[ListenerSpec]:
    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        # The Messages tab sends this event too; only the Home tab gets a home view.
        if event.get("tab", "home") != "home":
            return
        client.views_publish(user_id=event["user"], view=home_view(event["user"], services))

    return [ListenerSpec("event", "app_home_opened")]
