"""The app's Home tab, published when a person opens it (and after a Home action)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.registry import ListenerSpec
from messaging.gateway import SlackError
from rituals.home import home_view
from rituals.runs.times import zone
from rituals.services import Services

log = logging.getLogger(__name__)


def publish_home(services: Services, client: WebClient, user_id: str, notice: str | None = None) -> None:
    try:
        viewer_tz = zone(services.gateway.person(user_id).timezone)
    except SlackError:
        viewer_tz = None  # times then read in UTC, with the zone's name beside them
    client.views_publish(user_id=user_id, view=home_view(services, user_id, viewer_tz, notice))


def register(app: App, services: Services) -> list[ListenerSpec]:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        # The Messages tab sends this event too; only the Home tab gets a home view.
        if event.get("tab", "home") != "home":
            return
        publish_home(services, client, event["user"])

    return [ListenerSpec("event", "app_home_opened", frozenset({"users:read"}))]
