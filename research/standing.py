"""Where an account or a person stands on a given day: the rules it breaks and who talked to it last.

Also the accounts at or near their limit this period, which the Home tab and the digest show.

This is what `/research check` shows, what `/research plan` asks before outreach, and what
logging a touch checks before it saves. The rules are pure (`research.rules`); here the
database supplies the touches they look at.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from research.config import ResearchRules
from research.registry import Subject
from research.rules import (
    PastTouch,
    Violation,
    account_limit,
    cooldown,
    do_not_contact,
    near_limit,
    period_of,
)
from storage.models import Account, Contact, Touch, TouchKind, TouchTag

RECENT_SHOWN = 8


@dataclass(frozen=True)
class TouchLine:
    """A past touch as people see it."""

    touch_id: int
    touched_on: date
    kind: TouchKind
    by: str
    topic: str
    account: str
    contact: str | None
    link: str | None
    summary: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usage:
    """An account's counted touches in the current period against its limit."""

    used: int
    limit: int
    period: str


@dataclass(frozen=True)
class Standing:
    subject: Subject
    on: date
    violations: tuple[Violation, ...]
    # Newest first, across every team: the person's touches when a person was asked about.
    recent: tuple[TouchLine, ...]
    usage: Usage | None

    @property
    def free(self) -> bool:
        return not self.violations

    @property
    def owner(self) -> str | None:
        return self.subject.account.owner if self.subject.account else None

    def last_people(self, count: int = 5) -> list[str]:
        """Who at our company talked to them last, newest first, each once."""
        return list(dict.fromkeys(line.by for line in self.recent))[:count]


def tags_by_touch(session: Session, touch_ids: Collection[int] | None = None) -> dict[int, list[str]]:
    """Each touch's tags in alphabetical order (of the given touches, or of all)."""
    query = select(TouchTag.touch_id, TouchTag.tag).order_by(TouchTag.tag)
    if touch_ids is not None:
        query = query.where(TouchTag.touch_id.in_(touch_ids))
    tags: dict[int, list[str]] = {}
    for touch_id, tag in session.execute(query):
        tags.setdefault(touch_id, []).append(tag)
    return tags


def touch_lines(session: Session, *conditions: ColumnElement[bool], limit: int) -> list[TouchLine]:
    """Touches matching `conditions`, newest first."""
    rows = session.execute(
        select(Touch, Account.name, Contact.name, Contact.email)
        .join(Account, Account.id == Touch.account_id)
        .outerjoin(Contact, Contact.id == Touch.contact_id)
        .where(*conditions)
        .order_by(Touch.touched_on.desc(), Touch.id.desc())
        .limit(limit)
    ).all()
    tags = tags_by_touch(session, [row[0].id for row in rows])
    return [
        TouchLine(
            touch_id=touch.id,
            touched_on=touch.touched_on,
            kind=touch.kind,
            by=touch.by,
            topic=touch.topic,
            account=account_name,
            contact=contact_name or contact_email,
            link=touch.link,
            summary=touch.summary,
            tags=tuple(tags.get(touch.id, ())),
        )
        for touch, account_name, contact_name, contact_email in rows
    ]


def counted_touches(session: Session, rules: ResearchRules, account_id: int, on: date) -> Usage | None:
    limit = rules.account_limit
    if limit is None:
        return None
    period = period_of(on, limit.per)
    used = session.scalar(
        select(func.count(Touch.id)).where(
            Touch.account_id == account_id,
            Touch.touched_on >= period.start,
            Touch.touched_on < period.end,
            Touch.kind.in_(limit.kinds),
        )
    )
    return Usage(used or 0, limit.touches, period.label)


def latest_conversations(
    session: Session, rules: ResearchRules, contact_id: int, on: date
) -> list[PastTouch]:
    """The contact's latest conversation that starts a cooldown, on or before `on` (at most one)."""
    row = session.execute(
        select(Touch.touched_on, Touch.kind, Touch.by)
        .where(Touch.contact_id == contact_id, Touch.touched_on <= on, Touch.kind.in_(rules.cooldown_kinds))
        .order_by(Touch.touched_on.desc(), Touch.id.desc())
        .limit(1)
    ).first()
    return [PastTouch(row.touched_on, row.kind, row.by)] if row else []


def standing(session: Session, rules: ResearchRules, subject: Subject, on: date) -> Standing:
    """The rules `subject` breaks on day `on`, its recent touches and its account's usage."""
    violations: list[Violation] = []
    blocked = do_not_contact(rules, subject.email, subject.domain)
    if blocked is not None:
        violations.append(blocked)
    if subject.contact is not None:
        resting = cooldown(rules, latest_conversations(session, rules, subject.contact.id, on), on)
        if resting is not None:
            violations.append(resting)
    usage = counted_touches(session, rules, subject.account.id, on) if subject.account else None
    if usage is not None:
        full = account_limit(rules, usage.used, on)
        if full is not None:
            violations.append(full)
    recent: list[TouchLine] = []
    if subject.contact is not None:
        recent = touch_lines(session, Touch.contact_id == subject.contact.id, limit=RECENT_SHOWN)
    if not recent and subject.account is not None:
        recent = touch_lines(session, Touch.account_id == subject.account.id, limit=RECENT_SHOWN)
    return Standing(subject, on, tuple(violations), tuple(recent), usage)


@dataclass(frozen=True)
class AccountUsage:
    name: str
    domain: str
    used: int
    limit: int
    period: str
    # The first day of the next period: when an account at its limit opens again.
    resets_on: date

    @property
    def at_limit(self) -> bool:
        return self.used >= self.limit


def accounts_near_limit(session: Session, rules: ResearchRules, on: date, count: int) -> list[AccountUsage]:
    """The fullest accounts of `on`'s period that are at least near their limit, fullest first."""
    limit = rules.account_limit
    if limit is None:
        return []
    period = period_of(on, limit.per)
    used = func.count(Touch.id).label("used")
    rows = session.execute(
        select(Account.name, Account.domain, used)
        .join(Touch, Touch.account_id == Account.id)
        .where(Touch.touched_on >= period.start, Touch.touched_on < period.end, Touch.kind.in_(limit.kinds))
        .group_by(Account.id, Account.name, Account.domain)
        .having(func.count(Touch.id) >= near_limit(limit.touches))
        .order_by(used.desc(), Account.name)
        .limit(count)
    ).all()
    return [
        AccountUsage(name, domain, used_count, limit.touches, period.label, period.end)
        for name, domain, used_count in rows
    ]
