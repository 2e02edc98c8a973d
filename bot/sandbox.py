"""The whole bot against the simulated workspace, in one process, over real HTTP.

The end-to-end tests, `ritualbot demo` and the benchmarks all use this: the real app factory,
the real waitress server and Bolt endpoint, a real `WebClient` talking HTTP to the simulated
workspace, and a driver sending signed requests the way Slack does.

With `serve_http=False` the driver hands its signed requests to `App.dispatch` in the same
process, as bolt-python's own scenario tests do, instead of through waitress: for the listener
tests, where the HTTP hop into the bot adds nothing. The bot still calls the simulated Web API
over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from slack_bolt import App, BoltRequest

from bot.app import RitualApp, create_app
from bot.configuration import load_configuration, load_other_domains
from bot.database import connect
from bot.server import HttpServer, RitualWSGIApp
from bot.settings import Settings
from bot.slack_client import create_web_client
from core.clock import Clock
from handlers.after_ack import deferring
from insights.fetching import SourceFetcher
from messaging.outbox import OutboxPolicy
from messaging.webhooks import WebhookSender
from rituals.definition.loading import RitualLibrary
from simulator import BotReply, Roster, SimulatedWorkspace, SlackDriver
from simulator.driver import Transport
from storage.migrate import upgrade

IN_PROCESS = "in-process:"


def bolt_dispatch(bolt: App) -> Transport:
    """The driver's transport into `bolt.dispatch`: the signed bytes and headers, no socket."""

    def deliver(body: bytes, headers: Mapping[str, str]) -> BotReply:
        started = time.monotonic()
        with deferring(bolt.listener_runner.listener_executor):  # as the HTTP endpoint does
            response = bolt.dispatch(BoltRequest(body=body.decode(), headers=dict(headers)))
        answered = {name: values[0] for name, values in response.headers.items() if values}
        return BotReply(response.status, response.body, answered, time.monotonic() - started)

    return deliver


class Sandbox:
    def __init__(
        self,
        database_url: str,
        clock: Clock,
        *,
        roster: Roster | None = None,
        rituals_path: Sequence[Path] = (),
        library: RitualLibrary | None = None,
        admins: Sequence[str] = (),
        outbox_policy: OutboxPolicy | None = None,
        webhooks: WebhookSender | None = None,
        migrate: bool = True,
        serve_http: bool = True,
        fetcher: SourceFetcher | None = None,
    ) -> None:
        # The files first: nothing is started for configuration that does not load.
        if library is None:
            configuration = load_configuration(rituals_path, live=True)
            library, self.domains = configuration.library, configuration.domains
        else:
            # A library handed in was loaded by the caller; the other domains' files still come
            # from the folders.
            self.domains = load_other_domains(rituals_path)
        self.library = library
        self.clock = clock
        # Slack and the bot share one clock, as they share real time in production.
        self.workspace = SimulatedWorkspace(roster, clock=clock).start()
        self.settings = Settings(
            SLACK_BOT_TOKEN=self.workspace.bot_token,
            SLACK_SIGNING_SECRET=self.workspace.signing_secret,
            SLACK_API_URL=self.workspace.api_url,
            DATABASE_URL=database_url,
            RITUALS_PATH=list(rituals_path),
            RITUALBOT_ADMINS=list(admins),
        )
        self.database = connect(database_url, require_current=False, workers=self.settings.http_threads)
        self.engine, self.session_factory = self.database.engine, self.database.session_factory
        if migrate:
            upgrade(self.engine)
        self.client = create_web_client(self.settings)
        self.app: RitualApp = create_app(
            self.settings,
            client=self.client,
            session_factory=self.session_factory,
            clock=clock,
            library=self.library,
            outbox_policy=outbox_policy,
            webhooks=webhooks,
            domains=self.domains,
            fetcher=fetcher,
        )
        self.server: HttpServer | None = None
        if serve_http:
            self.server = HttpServer(
                RitualWSGIApp(self.app.bolt, self.engine),
                host="127.0.0.1",
                port=0,
                threads=self.settings.http_threads,
                connection_limit=self.settings.http_connection_limit,
            ).start_in_thread()
            self.driver = SlackDriver(self.workspace, self.server.url)
        else:
            self.driver = SlackDriver(self.workspace, IN_PROCESS, transport=bolt_dispatch(self.app.bolt))

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("this sandbox dispatches in process; it serves no HTTP")
        return self.server.url

    def close(self) -> None:
        self.driver.close()
        if self.server is not None:
            self.server.stop()
        self.app.sender.stop()
        self.workspace.stop()
        self.database.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
