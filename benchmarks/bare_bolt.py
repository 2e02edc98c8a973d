"""A bare Bolt app on the bot's own HTTP server: the baseline of the end-to-end benchmarks.

It acknowledges every view submission and slash command with a constant and does nothing else,
served by `bot.server.HttpServer` with the same sizing settings (`RITUALBOT_HTTP_THREADS`,
`RITUALBOT_HTTP_CONNECTION_LIMIT`) as `ritualbot run --http`, in its own process like the bot.
Run: `.venv/bin/python -m benchmarks.bare_bolt --port 3001` (SLACK_SIGNING_SECRET set).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.logging_setup import configure_logging
from bot.server import HttpServer
from bot.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    settings = Settings.load()
    configure_logging(settings.log_level)  # as the bot's, so both log alike under load
    # The bot token is the client's (Bolt asks auth.test once, as for the bot); left in the
    # environment, Bolt would read it too and say it goes unused.
    token = os.environ.pop("SLACK_BOT_TOKEN")
    bare = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        client=WebClient(token=token, base_url=settings.slack_api_url),
    )

    @bare.view_submission(re.compile(".*"))
    def constant_view(ack: Ack) -> None:
        ack()

    @bare.command("/ritual")
    def constant_command(ack: Ack) -> None:
        ack({"response_type": "ephemeral", "text": "help"})

    server = HttpServer(
        SlackRequestHandler(bare),
        host="127.0.0.1",
        port=port,
        threads=settings.http_threads,
        connection_limit=settings.http_connection_limit,
    )
    with contextlib.suppress(SystemExit, KeyboardInterrupt):  # SIGTERM: stop, as the bot does
        server.serve_forever()


if __name__ == "__main__":
    main()
