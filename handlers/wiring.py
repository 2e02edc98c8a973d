"""Registers every listener exactly once and returns what each one needs.

Listeners are module-level functions. What they work with reaches them the way Bolt hands a
listener anything: by parameter name, from the request's context, which `ListenerContext`
fills (`services` and `home` for the rituals, `research` for the research registry, `insights`
for key results and metrics). Before that, `RefuseMalformed` answers a body without Slack's
shape with HTTP 400. Both are `Middleware` classes rather than functions: Bolt builds a
function middleware's arguments from the body first (`actions[0]` among them), which a
malformed body would turn into a 500 before any check of ours could run.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from handlers import home
from handlers.failures import refuse_malformed
from handlers.home import HomeTab
from handlers.payloads import (
    CHECKED_PAYLOAD,
    ENVELOPE_CHECKED,
    MalformedPayload,
    SlackPayload,
    ViewSubmission,
    check_envelope,
)
from handlers.registry import ListenerSpec
from handlers.research import commands as research_commands
from handlers.research import log, outreach
from handlers.rituals import (
    answer_form,
    approval,
    away,
    commands,
    export,
    prompt_actions,
    run_commands,
    schedule_commands,
)
from insights.services import Insights
from research.services import ResearchServices
from rituals.collect.forms.ids import ANSWER_CALLBACK
from rituals.services import Services

# Bolt tries listeners in the order they were registered until one matches: the answer modal's,
# which a deadline brings by the hundred, come first.
MODULES = (
    answer_form,
    commands,
    schedule_commands,
    run_commands,
    prompt_actions,
    home,
    export,
    approval,
    away,
    research_commands,
    log,
    outreach,
)


def records_its_own_request(payload: SlackPayload | None) -> bool:
    """Whether this request's listener writes the request's replay record in its own
    transaction (`core.request_record`): the answer modal's submission, whose transaction saves
    the answer, at a deadline for every PM at once."""
    return isinstance(payload, ViewSubmission) and payload.view.callback_id == ANSWER_CALLBACK


class RefuseMalformed(Middleware):
    """A click, submission or command without what its listeners read: 400, before routing."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if req.context.get(ENVELOPE_CHECKED):
            return next()
        try:
            req.context[CHECKED_PAYLOAD] = check_envelope(req.body)
        except MalformedPayload as error:
            return refuse_malformed(error)
        return next()


class ListenerContext(Middleware):
    """Puts what the listeners need into every request's context."""

    def __init__(
        self, services: Services, home: HomeTab, research: ResearchServices, insights: Insights
    ) -> None:
        self.services = services
        self.home = home
        self.research = research
        self.insights = insights

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["services"] = self.services
        req.context["home"] = self.home
        req.context["research"] = self.research
        req.context["insights"] = self.insights
        return next()


def register_all(
    app: App, services: Services, home_tab: HomeTab, research: ResearchServices, insights: Insights
) -> list[ListenerSpec]:
    app.use(RefuseMalformed())
    app.use(ListenerContext(services, home_tab, research, insights))
    return [spec for module in MODULES for spec in module.register(app)]
