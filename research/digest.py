"""The research activity of a ritual run's period, for any ritual's templates (`{{ research }}`).

The period runs from the close of the ritual's previous closed run (or, for its first run, the
seven days before this one closes) to this run's close, counted in whole days in the rules' time
zone, so consecutive runs cover every day once. Touches count by the day they happened; the
overrides by when they were made. Figures are read from the database each time, so rendering
again after a late answer gives the same digest.

Contacts' names and emails are left out on purpose: digests go to channels.

    research:
      period:     {start, end}                 # dates, both included
      count:      touches in the period
      by_account: [{account, domain, count, touches: [touch]}]   # most touched first
      touches:    [{date, kind, account, domain, topic, by, link, tags}]   # newest first
      tags:       [{tag, count}]                # most used first
      near_limit: [{account, domain, used, limit, period, at_limit, resets_on}]
      overrides:  [{date, stage, by, account, domain, rules: [text], reason}]

Implements `rituals.publish.contributions.DigestContribution` without importing it: `bot/`
hands this object to the rituals, which only call `name`, `context` and `sample`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from research.config import ResearchRules
from research.standing import accounts_near_limit, tags_by_touch
from storage.models import Account, Override, Run, Touch
from storage.queries import previous_closed_run

FIRST_PERIOD = timedelta(days=7)
NEAR_SHOWN = 10


def _end(run: Run) -> datetime:
    return run.closed_at or run.closes_at or run.scheduled_for


def run_period(session: Session, run: Run) -> tuple[datetime, datetime]:
    """From the previous closed run's close to this run's close."""
    previous = previous_closed_run(session, run)
    end = _end(run)
    return (_end(previous) if previous is not None else end - FIRST_PERIOD), end


class ResearchDigest:
    name = "research"

    def __init__(self, rules: ResearchRules) -> None:
        self._rules = rules

    def context(self, session: Session, definition: object, run: Run, audience: object) -> dict[str, Any]:
        start, end = run_period(session, run)
        zone = self._rules.zone
        first, after = start.astimezone(zone).date(), end.astimezone(zone).date()
        rows = session.execute(
            select(Touch, Account.name, Account.domain)
            .join(Account, Account.id == Touch.account_id)
            .where(Touch.touched_on >= first, Touch.touched_on < after, Touch.erased_at.is_(None))
            .order_by(Touch.touched_on.desc(), Touch.id.desc())
        ).all()
        tags = tags_by_touch(session, [touch.id for touch, _, _ in rows])
        touches = [
            {
                "date": touch.touched_on,
                "kind": touch.kind.value,
                "account": name,
                "domain": domain,
                "topic": touch.topic,
                "by": touch.by,
                "link": touch.link,
                "tags": tags.get(touch.id, []),
            }
            for touch, name, domain in rows
        ]
        overrides = session.execute(
            select(Override, Account.name, Account.domain)
            .join(Account, Account.id == Override.account_id)
            .where(Override.created_at >= start, Override.created_at < end)
            .order_by(Override.created_at)
        ).all()
        near = accounts_near_limit(session, self._rules, after, NEAR_SHOWN)
        return {
            "period": {"start": first, "end": after - timedelta(days=1)},
            **_grouped(touches),
            "near_limit": [
                vars(usage) | {"account": usage.name, "at_limit": usage.at_limit} for usage in near
            ],
            "overrides": [
                {
                    "date": override.created_at.astimezone(zone).date(),
                    "stage": override.stage.value,
                    "by": override.by,
                    "account": name,
                    "domain": domain,
                    "rules": [rule["text"] for rule in override.rules],
                    "reason": override.reason,
                }
                for override, name, domain in overrides
            ],
        }

    def sample(self, definition: object, audience: object) -> dict[str, Any]:
        """The same shape, with text that must come out escaped, for checking templates."""
        touch = {
            "date": date(2027, 1, 12),
            "kind": "interview",
            "account": "Acme <!channel>",
            "domain": "acme.example",
            "topic": "Onboarding & <@U0SMUGGLED>",
            "by": "U0SAMPLE1",
            "link": "https://notes.example/1",
            "tags": ["onboarding"],
        }
        quiet = touch | {"kind": "email", "link": None, "tags": [], "by": "pm@example.com"}
        return {
            "period": {"start": date(2027, 1, 11), "end": date(2027, 1, 17)},
            **_grouped([touch, quiet]),
            "near_limit": [
                {
                    "account": "Acme <!channel>",
                    "name": "Acme <!channel>",
                    "domain": "acme.example",
                    "used": 4,
                    "limit": 4,
                    "period": "2027-Q1",
                    "at_limit": True,
                    "resets_on": date(2027, 4, 1),
                }
            ],
            "overrides": [
                {
                    "date": date(2027, 1, 13),
                    "stage": "log",
                    "by": "U0SAMPLE2",
                    "account": "Acme <!channel>",
                    "domain": "acme.example",
                    "rules": ["in cooldown until 2027-01-20 (last interview on 2026-12-21)"],
                    "reason": "The customer asked for us <https://evil.example|here>",
                }
            ],
        }


def _grouped(touches: list[dict[str, Any]]) -> dict[str, Any]:
    """The touches newest first, grouped by account (most touched first), and the tags' counts."""
    accounts: dict[str, dict[str, Any]] = {}
    for touch in touches:
        group = accounts.setdefault(
            touch["domain"],
            {"account": touch["account"], "domain": touch["domain"], "count": 0, "touches": []},
        )
        group["count"] += 1
        group["touches"].append(touch)
    tags = Counter(tag for touch in touches for tag in touch["tags"])
    return {
        "count": len(touches),
        "touches": touches,
        "by_account": sorted(
            accounts.values(), key=lambda group: (-group["count"], group["account"].lower())
        ),
        "tags": [
            {"tag": tag, "count": count} for tag, count in sorted(tags.items(), key=lambda t: (-t[1], t[0]))
        ],
    }
