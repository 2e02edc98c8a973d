"""The registry's messages in Slack: help, a check, a plan, going ahead, an override notice.

Everything people typed (account and contact names, topics, summaries, reasons) is escaped
before it goes into mrkdwn, so a note cannot ping a channel or hide a link; mentions and links
the bot means to make come from `messaging.mrkdwn`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from core.types import JsonDict
from messaging.gateway import Message
from messaging.layout import context, section, sections
from messaging.limits import BUTTON_VALUE
from messaging.mrkdwn import link, mrkdwn_escape, user_mention
from research.registry import Subject
from research.rules import Rule, Violation, describe
from research.standing import Standing, TouchLine
from storage.models import Account, Override

COMMAND = "/research"
PLAN_OVERRIDE_ACTION = "research_plan_override"

_STATUS_ICON = {Rule.DO_NOT_CONTACT: "⛔", Rule.COOLDOWN: "⏳", Rule.ACCOUNT_LIMIT: "🚫"}


@dataclass(frozen=True)
class Usage:
    usage: str
    summary: str


HELP = (
    Usage(
        "check ACCOUNT|EMAIL",
        "the status (free, in cooldown, at the limit, do not contact), the owner and the last touches",
    ),
    Usage("plan ACCOUNT|EMAIL", "before outreach: fine or not, until when, and who talked to them last"),
    Usage("log [ACCOUNT|EMAIL]", "log an interview, survey, call, email or visit"),
    Usage("search TEXT [tag:x] [account:y] [by:@person]", "search everyone's notes, best match first"),
    Usage("help", "show this message"),
)


def help_reply(note: str | None = None) -> tuple[str, list[JsonDict]]:
    """`/research help`, and the answer to anything it does not know (with `note` on top)."""
    lines = "\n".join(f"`{COMMAND} {entry.usage}` — {entry.summary}" for entry in HELP)
    intro = (
        "*Customer research*: who talked to which customer, when and about what. Check before you "
        "reach out, log what you learned, and search everyone's notes."
    )
    blocks = [section(note)] if note else []
    blocks += [
        section(intro),
        section(lines),
        context("In a message's *More actions* menu, *Log as research note* logs that message."),
    ]
    return f"{COMMAND} commands: " + ", ".join(entry.usage for entry in HELP), blocks


def person(by: str) -> str:
    """Someone at our company: a mention for a Slack user id, the escaped address otherwise."""
    return user_mention(by)


def violation_text(violation: Violation) -> str:
    return describe(violation, who=person, text=mrkdwn_escape)


def subject_title(subject: Subject) -> str:
    account = subject.account
    who = mrkdwn_escape((subject.contact.name if subject.contact else None) or subject.email or "")
    where = f"*{mrkdwn_escape(account.name)}* ({mrkdwn_escape(account.domain)})" if account else ""
    if who and where:
        return f"*{who}* at {where}"
    if who:
        return f"*{who}*"
    return where or f"*{mrkdwn_escape(subject.label)}*"


def touch_line(line: TouchLine) -> str:
    contact = f" with {mrkdwn_escape(line.contact)}" if line.contact else ""
    notes = f" · {link(line.link, 'notes')}" if line.link else ""
    topic = mrkdwn_escape(line.topic) if line.topic else "_(erased)_"
    return f"• {line.touched_on} · {line.kind.value} · {person(line.by)}{contact} · {topic}{notes}"


def _status(where: Standing) -> str:
    if where.free:
        return "✅ free to contact"
    return "; ".join(f"{_STATUS_ICON[v.rule]} {violation_text(v)}" for v in where.violations)


def _facts(where: Standing) -> list[str]:
    facts = []
    if where.owner:
        facts.append(f"Relationship owner: {person(where.owner)}")
    if where.usage is not None:
        usage = where.usage
        facts.append(f"Touches in {usage.period}: {usage.used} of {usage.limit}")
    if where.subject.account is None:
        facts.append("Not in the registry yet: nobody has logged a touch with them.")
    return facts


def _recent(where: Standing) -> list[JsonDict]:
    if not where.recent:
        return []
    lines = "\n".join(touch_line(line) for line in where.recent)
    return sections(f"*Last touches, all teams, newest first*\n{lines}")


def check_reply(where: Standing) -> tuple[str, list[JsonDict]]:
    """`/research check`: the status, the relationship owner and the last touches."""
    title = subject_title(where.subject)
    blocks = [section(f"{title}: {_status(where)}")]
    facts = _facts(where)
    if facts:
        blocks.append(context(" · ".join(facts)))
    blocks += _recent(where)
    return f"{where.subject.label}: {'free' if where.free else 'not now'}", blocks


def plan_reply(where: Standing) -> tuple[str, list[JsonDict]]:
    """`/research plan`: fine to go ahead, or which rule, until when, and whom to ask instead."""
    title = subject_title(where.subject)
    facts = _facts(where)
    if where.free:
        blocks = [section(f"✅ Fine to reach out to {title}.")]
        if facts:
            blocks.append(context(" · ".join(facts)))
        blocks += _recent(where)
        return f"Fine to reach out to {where.subject.label}", blocks
    broken = "\n".join(f"• {_STATUS_ICON[v.rule]} {violation_text(v)}" for v in where.violations)
    blocks = [section(f"⚠️ Reaching out to {title} now would break a research rule:\n{broken}")]
    people = where.last_people()
    if people:
        names = ", ".join(person(by) for by in people)
        blocks.append(section(f"Talked to them last: {names}. Ask them what you need first."))
    if facts:
        blocks.append(context(" · ".join(facts)))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": PLAN_OVERRIDE_ACTION,
                    "text": {"type": "plain_text", "text": "Go ahead anyway…"},
                    "value": where.subject.label[:BUTTON_VALUE],
                }
            ],
        }
    )
    blocks.append(context("Going ahead needs a reason; the research owners are told."))
    return f"Reaching out to {where.subject.label} now would break a research rule", blocks


def override_notice(override: Override, account: Account, violations: Sequence[Violation]) -> Message:
    """The DM each owner gets: who, where, which rules, and the reason in their words."""
    what = "is reaching out to" if override.stage.value == "plan" else "logged a touch with"
    broken = "\n".join(f"• {violation_text(v)}" for v in violations)
    reason = mrkdwn_escape(override.reason)
    where = f"*{mrkdwn_escape(account.name)}* ({mrkdwn_escape(account.domain)})"
    text = f"{person(override.by)} {what} {where} although it breaks a research rule:\n{broken}"
    return Message(
        text=f"Research override at {account.name}",
        blocks=[
            section(text),
            *sections(f"*Reason:* {reason}"),
            context(f"`/research check {mrkdwn_escape(account.domain)}` shows the account's touches."),
        ],
    )


GO_AHEAD_CALLBACK = "research_go_ahead"
GO_AHEAD_REASON = "reason"
GO_AHEAD_VALUE = "value"


def go_ahead_view(label: str, reason_max: int) -> JsonDict:
    """The modal asking why a plan goes ahead although a rule says not now."""
    return {
        "type": "modal",
        "callback_id": GO_AHEAD_CALLBACK,
        # The label came from a button's value, so it fits the metadata's 3,000 characters.
        "private_metadata": json.dumps({"subject": label}),
        "title": {"type": "plain_text", "text": "Go ahead anyway"},
        "submit": {"type": "plain_text", "text": "Go ahead"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"Reaching out to *{mrkdwn_escape(label)}* breaks a research rule."),
            {
                "type": "input",
                "block_id": GO_AHEAD_REASON,
                "label": {"type": "plain_text", "text": "Why now?"},
                "hint": {"type": "plain_text", "text": "Kept with the override; the research owners see it."},
                "element": {
                    "type": "plain_text_input",
                    "action_id": GO_AHEAD_VALUE,
                    "multiline": True,
                    "max_length": reason_max,
                },
            },
        ],
    }


def go_ahead_subject(private_metadata: str) -> str:
    return str(json.loads(private_metadata)["subject"])


def went_ahead_view(label: str, overridden: bool) -> JsonDict:
    if overridden:
        text = (
            f"Noted: you are reaching out to *{mrkdwn_escape(label)}*. Your reason is kept and the "
            "research owners were told. Log the touch afterwards with `/research log`."
        )
    else:
        text = f"No research rule stands in the way of *{mrkdwn_escape(label)}* any more: go ahead."
    return {
        "type": "modal",
        "callback_id": f"{GO_AHEAD_CALLBACK}_done",
        "title": {"type": "plain_text", "text": "Go ahead anyway"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [section(text)],
    }
