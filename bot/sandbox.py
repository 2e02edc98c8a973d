"""The whole bot against the simulated workspace, in one process, over real HTTP.

The end-to-end tests, `ritualbot demo` and the benchmarks all use this: the real app factory,
the real waitress server and Bolt endpoint, a real `WebClient` talking HTTP to the simulated
workspace, and a driver sending signed requests the way Slack does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from bot.app import RitualApp, create_app
from bot.configuration import load_configuration
from bot.server import HttpServer, RitualWSGIApp
from bot.settings import Settings
from bot.slack_client import create_web_client
from core.clock import Clock
from insights.catalog import Catalog
from insights.fetching import SourceFetcher
from messaging.outbox import OutboxPolicy
from messaging.webhooks import WebhookSender
from rituals.definition.loading import RitualLibrary
from simulator import Roster, SimulatedWorkspace, SlackDriver
from storage.database import create_database_engine, create_session_factory
from storage.migrate import upgrade


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
        fetcher: SourceFetcher | None = None,
        objectives: Catalog | None = None,
    ) -> None:
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
        self.engine = create_database_engine(database_url)
        if migrate:
            upgrade(self.engine)
        self.session_factory = create_session_factory(self.engine)
        self.client = create_web_client(self.settings)
        # A library handed in was loaded by the caller (with its own checks); it comes without
        # objectives unless those are handed in too.
        if library is None:
            configuration = load_configuration(self.settings.rituals_path)
            library, objectives = configuration.library, objectives or configuration.objectives
        self.library = library
        self.app: RitualApp = create_app(
            self.settings,
            client=self.client,
            session_factory=self.session_factory,
            clock=clock,
            library=self.library,
            outbox_policy=outbox_policy,
            webhooks=webhooks,
            objectives=objectives,
            fetcher=fetcher,
        )
        self.server = HttpServer(RitualWSGIApp(self.app.bolt, self.session_factory), host="127.0.0.1", port=0)
        self.server.start_in_thread()
        self.driver = SlackDriver(self.workspace, self.server.url)

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.driver.close()
        self.server.stop()
        self.workspace.stop()
        self.engine.dispose()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
