"""The app factory: the one place that wires ritualbot.

Everything the app needs is passed in and nothing is read from the environment here, so the
CLI, the demo and every test build their app the same way with different parts.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient

from bot.configuration import OtherDomains
from bot.errors import handle_listener_error
from bot.logging_setup import dropping
from bot.settings import Settings
from bot.slack_client import without_rate_limit_waits
from bot.slack_gateway import WebClientGateway
from bot.slack_scopes import required_scopes
from core.clock import Clock
from handlers.home import HomeTab
from handlers.registry import ListenerSpec
from handlers.wiring import register_all
from insights.fetching import SourceFetcher
from insights.services import Insights, wire_insights
from messaging.doctor import Doctor
from messaging.gateway import SlackGateway
from messaging.outbox import OutboxPolicy, OutboxSender
from messaging.people import PeopleDirectory
from messaging.webhooks import WebhookSender
from research.home import ResearchHome
from research.services import ResearchServices
from rituals.away.home_section import AwayHome
from rituals.away.time_off import AwayPolicy
from rituals.collect.answer_copy import ANSWER_COPY, AnswerCopies
from rituals.collect.prompt_sync import PromptSync, bump_prompts
from rituals.collect.prompts import queue_prompt_chunk
from rituals.collect.reminders import Reminders, skip_waiting_reminders
from rituals.definition.live import LiveLibrary
from rituals.definition.loading import RitualLibrary
from rituals.definition.needs import RitualNeeds
from rituals.definition.people import with_user_ids
from rituals.definition.reloading import ReloadRituals
from rituals.home_section import RitualsHome
from rituals.publish.full_answers import FullAnswers
from rituals.publish.publisher import Publisher
from rituals.runs.closing import RunCloser
from rituals.runs.opening import RunOpener
from rituals.runs.outside_data import OutsideDataHooks
from rituals.runs.tick import Tick, TickStep
from rituals.services import Services
from storage.database import SessionFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Domain:
    """The rituals' machinery without Slack's inbound side: what the tick and the CLI need."""

    services: Services
    tick: Tick
    research: ResearchServices
    insights: Insights
    sender: OutboxSender


@dataclass(frozen=True)
class RitualApp:
    """The Bolt app together with what was wired into it."""

    bolt: App
    services: Services
    listeners: list[ListenerSpec]
    tick: Tick
    research: ResearchServices
    insights: Insights
    sender: OutboxSender


def wire_domain(
    settings: Settings,
    *,
    client: WebClient,
    session_factory: SessionFactory,
    clock: Clock,
    library: RitualLibrary,
    gateway: SlackGateway | None = None,
    outbox_policy: OutboxPolicy | None = None,
    webhooks: WebhookSender | None = None,
    domains: OtherDomains | None = None,
    fetcher: SourceFetcher | None = None,
) -> Domain:
    """Runs, prompts, reminders, publishing and the outbox, wired once.

    `create_app` adds Bolt on top; commands that only act (`ritualbot trigger`) use this alone,
    so they need a bot token but no signing secret.
    """
    domains = domains or OtherDomains()
    outbox_gateway = None if gateway is not None else WebClientGateway(without_rate_limit_waits(client))
    gateway = gateway or WebClientGateway(client)
    if webhooks is None and settings.webhook_secret:
        # Only a deployment with audience webhooks needs httpx at start.
        from bot.webhook_client import HttpxWebhookSender

        webhooks = HttpxWebhookSender(settings.webhook_secret, clock)
    # One directory of people named by email or @handle, remembered in the database.
    people = PeopleDirectory(gateway, clock, session_factory)
    reload = _live_library(library, people, session_factory, settings)
    # Key results and metrics; their sources' URLs come from the objectives files only.
    insights = wire_insights(
        domains.objectives, session_factory, directory=people, fetcher=fetcher or SourceFetcher()
    )
    publisher = Publisher(library, domains.contributions, domains.files)
    # Sources are read before the transactions that open and close a run. Prompts are queued in
    # the transaction that opens a run; closing marks every prompt for a "closed" update and
    # withdraws reminders still waiting.
    outside = OutsideDataHooks(library, [insights.sources])
    away = AwayPolicy(emoji=tuple(settings.away_emoji), words=tuple(settings.away_words))
    opener = RunOpener(
        session_factory,
        library,
        gateway,
        away=away,
        before_open=[outside.before_open],
        prompts=queue_prompt_chunk,
    )
    full_answers = FullAnswers(session_factory, library, gateway)
    closer = RunCloser(
        session_factory,
        on_close=[publisher.on_close, full_answers.on_close, bump_prompts, skip_waiting_reminders],
        before_close=[outside.before_close],
    )
    services = Services(
        session_factory=session_factory,
        clock=clock,
        library=library,
        gateway=gateway,
        opener=opener,
        closer=closer,
        publisher=publisher,
        admins=tuple(settings.admins),
        reload=reload,
        doctor=Doctor(gateway, required_scopes(), [RitualNeeds(library)]),
        key_results=insights.checkins,
    )
    # The outbox's own gateway never waits out a 429 inside the client: a Retry-After longer
    # than the lease would let another replica claim the row while this one still posts.
    sender = OutboxSender(
        session_factory,
        outbox_gateway or gateway,
        clock,
        outbox_policy,
        webhooks=webhooks,
        composers={ANSWER_COPY: AnswerCopies(session_factory, library)},
    )
    extra_steps: list[TickStep] = [
        Reminders(session_factory, library, gateway, away),
        PromptSync(session_factory, library),
        full_answers,
    ]
    if reload is not None:
        extra_steps.insert(0, reload)
    research = ResearchServices(session_factory, clock, domains.research_rules)
    tick = Tick(services, opener, closer, sender, extra_steps=extra_steps)
    return Domain(services, tick, research, insights, sender)


def _live_library(
    library: RitualLibrary, people: PeopleDirectory, session_factory: SessionFactory, settings: Settings
) -> ReloadRituals | None:
    """Rituals that follow their files: people's names resolved through Slack (cached in the
    database), reloaded on the tick. A fixed library (tests) is used as it is."""
    if not isinstance(library, LiveLibrary):
        return None
    for warning in library.use(lambda loaded: with_user_ids(loaded, people.resolve)):
        log.warning("%s", warning)
    return ReloadRituals(library, session_factory, settings.admins)


def create_app(
    settings: Settings,
    *,
    client: WebClient,
    session_factory: SessionFactory,
    clock: Clock,
    library: RitualLibrary,
    gateway: SlackGateway | None = None,
    outbox_policy: OutboxPolicy | None = None,
    webhooks: WebhookSender | None = None,
    listener_executor: Executor | None = None,
    domains: OtherDomains | None = None,
    fetcher: SourceFetcher | None = None,
) -> RitualApp:
    domain = wire_domain(
        settings,
        client=client,
        session_factory=session_factory,
        clock=clock,
        library=library,
        gateway=gateway,
        outbox_policy=outbox_policy,
        webhooks=webhooks,
        domains=domains,
        fetcher=fetcher,
    )
    bolt_logger = logging.getLogger("ritualbot.bolt")
    # Bolt reads SLACK_BOT_TOKEN from the environment even when it is handed a client, then
    # warns that the token "will be unused": it is the client's own token, so nothing is lost.
    with dropping(bolt_logger, warning_client_prioritized_and_token_skipped()):
        bolt = App(
            # Named, Bolt does not walk the call stack (reading every caller's source) to name it.
            name="ritualbot",
            client=client,
            # Socket Mode authenticates with the app token over the WebSocket; HTTP needs the
            # signing secret. Bolt's request verification stays on: behind the request edge,
            # which verifies first, Bolt is handed the body as authenticated
            # (`bot.edge.handoff`); anything else that reaches Bolt is verified by Bolt.
            signing_secret=(
                settings.slack_signing_secret or ""
                if settings.socket_mode
                else settings.require("SLACK_SIGNING_SECRET")
            ),
            request_verification_enabled=True,
            token_verification_enabled=False,
            # Over HTTP each listener runs in its request's thread and Bolt answers when it
            # returns; the work after `ack()` waits for the answer (`handlers.after_ack`). Socket
            # Mode answers at `ack()` from listener threads of Bolt's own.
            process_before_response=not settings.socket_mode,
            # Bolt's default pool has 5 workers; the work after a burst of acknowledgements at a
            # deadline needs one per request the server handles at once.
            listener_executor=listener_executor
            or ThreadPoolExecutor(max_workers=settings.http_threads, thread_name_prefix="listener"),
            logger=bolt_logger,
        )
    bolt.error(handle_listener_error)
    home_tab = HomeTab(
        sections=[
            RitualsHome(domain.services),
            AwayHome(domain.services),
            ResearchHome(domain.research),
            domain.insights.home,
        ],
        gateway=domain.services.gateway,
    )
    listeners = register_all(bolt, domain.services, home_tab, domain.research, domain.insights)
    return RitualApp(
        bolt=bolt,
        services=domain.services,
        listeners=listeners,
        tick=domain.tick,
        research=domain.research,
        insights=domain.insights,
        sender=domain.sender,
    )
