"""A tiny Bolt app, served by waitress, to drive the simulator's driver end to end.

It is not ritualbot: just enough listeners to exercise slash commands, modals (errors, update,
push, close), button clicks with `respond()`, and the Home tab, over real signed HTTP.
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import HttpServer


def text_input(block_id: str, *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": block_id},
        "element": {"type": "plain_text_input", "action_id": "value"},
    }


def option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def button(action_id: str, text: str, value: str | None = None) -> dict[str, Any]:
    out = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}}
    return out if value is None else {**out, "value": value}


def checkin_view() -> dict[str, Any]:
    """A modal with one input of each element type the driver must fill."""

    def field(block_id: str, element: dict[str, Any], optional: bool = True) -> dict[str, Any]:
        label = {"type": "plain_text", "text": block_id}
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": label,
            "element": element,
        }

    opts = [option(v) for v in ("on-track", "at-risk", "off-track")]
    return {
        "type": "modal",
        "callback_id": "checkin",
        "notify_on_close": True,
        "private_metadata": "run=7",
        "title": {"type": "plain_text", "text": "Check-in"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            text_input("status"),
            field("confidence", {"type": "number_input", "action_id": "n", "is_decimal_allowed": False,
                                 "min_value": "0", "max_value": "10"}),
            field("link", {"type": "url_text_input", "action_id": "u"}),
            field("health", {"type": "static_select", "action_id": "s", "options": opts,
                             "initial_option": opts[0]}),
            field("tags", {"type": "multi_static_select", "action_id": "m", "options": opts}),
            field("due", {"type": "datepicker", "action_id": "d"}),
            field("owner", {"type": "users_select", "action_id": "o"}),
            field("reviewers", {"type": "multi_users_select", "action_id": "r"}),
            field("flags", {"type": "checkboxes", "action_id": "c", "options": opts[:2]}),
            field("mood", {"type": "radio_buttons", "action_id": "b", "options": opts}),
            {"type": "actions", "block_id": "extra", "elements": [button("add_more", "More")]},
        ],
    }  # fmt: skip


def second_view() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "second",
        "title": {"type": "plain_text", "text": "More"},
        "submit": {"type": "plain_text", "text": "Done"},
        "blocks": [text_input("more", optional=True)],
    }


def picker_view() -> dict[str, Any]:
    """A modal whose menu loads its options from the app as the person types."""
    menu = {"type": "external_select", "action_id": "city", "min_query_length": 2}
    return {
        "type": "modal",
        "callback_id": "picker",
        "title": {"type": "plain_text", "text": "Pick a city"},
        "submit": {"type": "plain_text", "text": "Pick"},
        "blocks": [
            {
                "type": "input",
                "block_id": "where",
                "label": {"type": "plain_text", "text": "City"},
                "element": menu,
            }
        ],
    }


CITIES = ("Berlin", "Bern", "Boston", "Lagos")


def home_view(label: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": label}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "refresh",
                        "text": {"type": "plain_text", "text": "Refresh"},
                    }
                ],
            },
        ],
    }


def build_app(client: WebClient, signing_secret: str, seen: list[dict[str, Any]]) -> App:
    """Listeners append what they received to `seen`, so tests can check payload shapes."""
    app = App(client=client, signing_secret=signing_secret)

    @app.command("/ritual")
    def command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        seen.append(body)
        if body["text"] == "open":
            client.views_open(trigger_id=body["trigger_id"], view=checkin_view())
            ack()
        elif body["text"] == "shout":
            ack(response_type="in_channel", text="Hello, channel")
        elif body["text"] == "menu":
            ack(text="Menu", blocks=[{"type": "actions", "elements": [button("pick", "Pick", "p1")]}])
        elif body["text"] == "picker":
            client.views_open(trigger_id=body["trigger_id"], view=picker_view())
            ack()
        elif body["text"] == "sleep":
            time.sleep(0.5)
            ack()
        else:
            ack("Try /ritual open")

    @app.view("checkin")
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        seen.append(body)
        status = view["state"]["values"]["status"]["value"]["value"]
        if status == "bad":
            ack(response_action="errors", errors={"status": "Pick a real status"})
        elif status == "update":
            ack(
                response_action="update",
                view={**checkin_view(), "title": {"type": "plain_text", "text": "Again"}},
            )
        elif status == "push":
            ack(response_action="push", view=second_view())
        else:
            ack()

    @app.view("second")
    def second(ack: Ack) -> None:
        ack()

    @app.view_closed("checkin")
    def closed(ack: Ack, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    @app.action("answer")
    def answer(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        seen.append(body)
        client.views_open(trigger_id=body["trigger_id"], view=checkin_view())
        respond(replace_original=True, text="Thanks, your answer is in the modal")

    @app.action("pick")
    def pick(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text="Picked")

    @app.action("add_more")
    def add_more(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_push(trigger_id=body["trigger_id"], view=second_view())

    @app.options("city")
    def cities(ack: Ack, body: dict[str, Any]) -> None:
        seen.append(body)
        typed = body["value"]
        if typed == "too long":
            ack(options=[option("x" * 76)])
        else:
            ack(options=[option(city) for city in CITIES if city.lower().startswith(typed.lower())])

    @app.view("picker")
    def picked(ack: Ack, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    @app.message_shortcut("save_message")
    def save_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        seen.append(body)
        client.views_open(trigger_id=body["trigger_id"], view=picker_view())

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view=home_view("Your rituals"))

    @app.action("refresh")
    def refresh(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        seen.append(body)
        client.views_publish(
            user_id=body["user"]["id"], view=home_view("Refreshed"), hash=body["view"]["hash"]
        )

    return app


class BoltServer:
    """The bot's own waitress wrapper serving this Bolt app on an ephemeral port."""

    def __init__(self, app: App) -> None:
        self.http = HttpServer(SlackRequestHandler(app), host="127.0.0.1", port=0, threads=4)

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> BoltServer:
        self.http.start_in_thread()
        return self

    def stop(self) -> None:
        self.http.stop()
