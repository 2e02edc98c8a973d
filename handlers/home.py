"""The app's Home tab, published when a person opens it (and after a Home action).

Each domain contributes a section (`messaging.home_tab.HomeSection`); the app factory hands
them over in the order they appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.payloads import AppHomeOpened, parse
from handlers.registry import ListenerSpec
from messaging.gateway import SlackError, SlackGateway
from messaging.home_tab import HomeSection, home_view
from messaging.local_time import zone


@dataclass(frozen=True)
class HomeTab:
    sections: Sequence[HomeSection]
    gateway: SlackGateway

    def publish(self, client: WebClient, user_id: str, notice: str | None = None) -> None:
        try:
            viewer_tz = zone(self.gateway.person(user_id).timezone)
        except SlackError:
            viewer_tz = None  # times then read in UTC, with the zone's name beside them
        client.views_publish(user_id=user_id, view=home_view(self.sections, user_id, viewer_tz, notice))


def home_opened(body: dict[str, Any], client: WebClient, home: HomeTab) -> None:
    event = parse(AppHomeOpened, body).event
    # The Messages tab sends this event too; only the Home tab gets a home view.
    if event.tab == "home":
        after_ack(body, client, None, "showing your Home tab", lambda: home.publish(client, event.user))


def register(app: App) -> list[ListenerSpec]:
    app.event("app_home_opened")(home_opened)
    return [ListenerSpec("event", "app_home_opened", frozenset({"users:read"}))]
