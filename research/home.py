"""The registry's part of the Home tab: the person's recent touches and the accounts near their limit.

Nothing is shown to someone when the registry is empty, so a workspace that does not use it
sees no research section at all.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import exists, select

from core.types import JsonDict
from messaging.layout import context, section, sections
from messaging.mrkdwn import mrkdwn_escape
from research.services import ResearchServices
from research.standing import AccountUsage, accounts_near_limit, touch_lines
from research.views import touch_line
from storage.models import Touch

HOME_LOG_ACTION = "research_home_log"
MINE_SHOWN = 5
NEAR_SHOWN = 5


def usage_line(usage: AccountUsage) -> str:
    where = f"*{mrkdwn_escape(usage.name)}* ({mrkdwn_escape(usage.domain)})"
    state = f"at the limit until {usage.resets_on}" if usage.at_limit else "near the limit"
    return f"• {where}: {usage.used} of {usage.limit} in {usage.period}, {state}"


class ResearchHome:
    def __init__(self, services: ResearchServices) -> None:
        self._services = services

    def blocks(self, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
        services = self._services
        with services.session_factory() as session:
            if not session.scalar(select(exists().where(Touch.id.is_not(None)))):
                return []
            mine = touch_lines(session, Touch.by == user_id, limit=MINE_SHOWN)
            near = accounts_near_limit(session, services.rules, services.today(), NEAR_SHOWN)
        button = {
            "type": "button",
            "action_id": HOME_LOG_ACTION,
            "text": {"type": "plain_text", "text": "Log research"},
        }
        head = section("*Customer research*")
        head["accessory"] = button
        blocks = [head]
        if mine:
            blocks += sections("*Your recent touches*\n" + "\n".join(touch_line(line) for line in mine))
        else:
            blocks.append(section("*Your recent touches*\nNone yet. Log one after your next customer call."))
        if near:
            blocks += sections(
                "*Accounts near their limit*\n" + "\n".join(usage_line(usage) for usage in near)
            )
        blocks.append(context("`/research check ACCOUNT` before reaching out · `/research help` for more"))
        return blocks
