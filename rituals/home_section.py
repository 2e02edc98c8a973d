"""The Home tab: what is open for me, my recent answers, and the runs I own.

Built fresh on every ``app_home_opened`` (publishing eagerly for every PM at each change would
spend the ``views.publish`` budget on tabs nobody is looking at) and after a Home action.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import JsonDict
from messaging.layout import context, cut_to_fit, section
from messaging.limits import CONTEXT_TEXT, SECTION_TEXT
from messaging.local_time import local_date, local_time, zone
from messaging.mrkdwn import mrkdwn_escape
from rituals.collect.prompts import FILL_ACTION, button
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.export.export_button import export_button
from rituals.publish.links import digest_links
from rituals.runs.reports import open_runs, past_runs, run_status, status_lines
from rituals.services import Services
from storage.models import Answer, Participant, ParticipantState, Run, RunState

HOME_NUDGE_ACTION = "home_nudge"
HOME_CLOSE_ACTION = "home_close"
MINE_MAX = 10
RECENT_MAX = 5
OWNED_MAX = 8


# Past digests on the Home tab: enough to find last month's, few enough for Home's 100 blocks.
PAST_RITUALS_MAX = 10
PAST_RUNS = 3


# The Home tab is one view with no way to continue: text is cut (marked) to Slack's limits.
def _section(text: str, accessory: JsonDict | None = None) -> JsonDict:
    block = section(cut_to_fit(text, SECTION_TEXT))
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _context(text: str) -> JsonDict:
    return context(cut_to_fit(text, CONTEXT_TEXT))


def _definition(services: Services, ritual_id: str) -> RitualDefinition | None:
    try:
        return services.library.get(ritual_id)
    except UnknownRitual:
        return None


def _mine(services: Services, session: Session, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
    rows = session.execute(
        select(Participant, Run)
        .join(Run, Run.id == Participant.run_id)
        .where(
            Participant.user_id == user_id,
            Run.state == RunState.OPEN,
            Participant.state != ParticipantState.DELEGATED,
        )
        .order_by(Run.closes_at)
    ).all()
    blocks = [_section("*Open for you*")]
    for person, run in rows[:MINE_MAX]:
        definition = _definition(services, run.ritual_id)
        if definition is None:
            continue
        tz = zone(person.timezone, viewer_tz)
        due = local_time(run.closes_at, tz) if run.closes_at else "when the owner closes it"
        name = mrkdwn_escape(definition.name)
        if person.state is ParticipantState.ANSWERED:
            text, label = f"*{name}*: ✅ answered. You can edit it until {due}.", "Edit answer"
        elif person.state is ParticipantState.SKIPPED:
            reason = mrkdwn_escape(person.skip_reason or "no reason given")
            text, label = f"*{name}*: skipping ({reason}). Due {due}.", "Answer after all"
        else:
            text, label = f"*{name}*: *your answer is needed* by {due}.", "Fill in"
        style = "primary" if person.state is ParticipantState.PENDING else None
        blocks.append(_section(text, button(FILL_ACTION, label, run.id, style)))
    if len(blocks) == 1:
        blocks.append(_context("Nothing is waiting for you."))
    return blocks


def _recent(services: Services, session: Session, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
    answers = session.scalars(
        select(Answer).where(Answer.user_id == user_id).order_by(Answer.submitted_at.desc()).limit(50)
    )
    latest: dict[int, Answer] = {}
    for answer in answers:
        latest.setdefault(answer.run_id, answer)
    lines = []
    for answer in list(latest.values())[:RECENT_MAX]:
        definition = _definition(services, answer.ritual_id)
        name = mrkdwn_escape(definition.name if definition else answer.ritual_id)
        late = ", late" if answer.late else ""
        lines.append(
            f"• *{name}*: {local_date(answer.submitted_at, viewer_tz)} (version {answer.version}{late})"
        )
    text = "*Your recent answers*\n" + ("\n".join(lines) if lines else "_None yet._")
    return [_section(text)]


def _owned(services: Services, session: Session, user_id: str) -> list[JsonDict]:
    managed = [d for d in services.library if user_id in d.owners or user_id in services.admins]
    runs = [(d, run) for d in managed for run in open_runs(session, d.id)][:OWNED_MAX]
    if not runs:
        return []
    blocks: list[JsonDict] = [{"type": "divider"}, _section("*Runs you own*")]
    for definition, run in runs:
        blocks.append(
            _section("\n".join(status_lines(definition, run_status(session, run), definition.zone)))
        )
        close = button(HOME_CLOSE_ACTION, "Close now", run.id, "danger")
        close["confirm"] = {
            "title": {"type": "plain_text", "text": "Close this run now?"},
            "text": {
                "type": "mrkdwn",
                "text": "Answers are compiled now; missing people can only answer late.",
            },
            "confirm": {"type": "plain_text", "text": "Close now"},
            "deny": {"type": "plain_text", "text": "Keep it open"},
        }
        blocks.append(
            {"type": "actions", "elements": [button(HOME_NUDGE_ACTION, "Nudge missing", run.id), close]}
        )
    return blocks


def _past(services: Services, session: Session, user_id: str) -> list[JsonDict]:
    """For owners and admins: the last closed runs of each ritual, with links to their digests."""
    managed = [d for d in services.library if user_id in d.owners or user_id in services.admins]
    blocks: list[JsonDict] = []
    for definition in managed[:PAST_RITUALS_MAX]:
        recent = past_runs(session, definition.id, PAST_RUNS * 3)
        closed = [run for run in recent if run.state is RunState.CLOSED][:PAST_RUNS]
        if not closed:
            continue
        lines = []
        for run in closed:
            when = local_date(run.scheduled_for, definition.zone)
            links = digest_links(session, services.gateway, run.id) or "_nothing posted_"
            lines.append(f"• {when}: {links}")
        name = mrkdwn_escape(definition.name)
        blocks.append(_section(f"*{name}*\n" + "\n".join(lines)))
        blocks.append(export_button(definition.id))
    if blocks:
        blocks = [{"type": "divider"}, _section("*Past digests*"), *blocks]
    return blocks


class RitualsHome:
    """The rituals' part of the Home tab: open for me, my recent answers, runs and digests I own."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def blocks(self, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
        services = self._services
        with services.session_factory() as session:
            blocks = _mine(services, session, user_id, viewer_tz)
            blocks.append({"type": "divider"})
            blocks += _recent(services, session, user_id, viewer_tz)
            blocks += _owned(services, session, user_id)
            blocks += _past(services, session, user_id)
        return blocks
