"""The rules themselves, as pure functions of dates and past touches.

Days are calendar days in the rules' time zone. A cooldown of 30 days after a conversation on
1 March runs until 31 March: on 31 March the contact is free again ("until" is the first free
day). An account's limit counts its touches in the calendar month, quarter or year of the day
in question, across every team; at the limit it is closed until the next period starts.
Do-not-contact matches an email address, or a domain and every address and subdomain under it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from research.config import Period, ResearchRules
from storage.models import TouchKind


class Rule(enum.StrEnum):
    DO_NOT_CONTACT = "do_not_contact"
    COOLDOWN = "cooldown"
    ACCOUNT_LIMIT = "account_limit"


@dataclass(frozen=True)
class PastTouch:
    """What the rules need to know of a touch."""

    touched_on: date
    kind: TouchKind
    by: str


@dataclass(frozen=True)
class CalendarPeriod:
    start: date
    # The first day of the next period: when a limit reached in this one lifts.
    end: date
    label: str


@dataclass(frozen=True)
class Violation:
    rule: Rule
    # The first day the rule allows it again; None for do-not-contact, which does not lift.
    until: date | None = None
    # do-not-contact: the list entry that matched.
    entry: str = ""
    # cooldown: the conversation that started it.
    last: PastTouch | None = None
    # account limit: touches so far in the period, the limit, and the period ("2027-Q1").
    used: int = 0
    limit: int = 0
    period: str = ""


def period_of(day: date, per: Period) -> CalendarPeriod:
    if per == "year":
        return CalendarPeriod(date(day.year, 1, 1), date(day.year + 1, 1, 1), f"{day.year}")
    if per == "quarter":
        quarter = (day.month - 1) // 3
        start = date(day.year, 3 * quarter + 1, 1)
        label = f"{day.year}-Q{quarter + 1}"
    else:
        start = date(day.year, day.month, 1)
        label = f"{day.year}-{day.month:02d}"
    months = 3 if per == "quarter" else 1
    following = start.month - 1 + months
    return CalendarPeriod(start, date(start.year + following // 12, following % 12 + 1, 1), label)


def _domain_matches(domain: str, entry: str) -> bool:
    return domain == entry or domain.endswith("." + entry)


def do_not_contact(rules: ResearchRules, email: str | None, domain: str | None) -> Violation | None:
    """The list entry naming this email, its domain, or the account's domain."""
    email = (email or "").lower()
    email_domain = email.rpartition("@")[2] if "@" in email else ""
    for entry in rules.do_not_contact:
        if "@" in entry:
            hit = entry == email
        else:
            hit = any(_domain_matches(d, entry) for d in (email_domain, (domain or "").lower()) if d)
        if hit:
            return Violation(Rule.DO_NOT_CONTACT, entry=entry)
    return None


def cooldown(rules: ResearchRules, contact_touches: Iterable[PastTouch], on: date) -> Violation | None:
    """In cooldown when the latest conversation on or before `on` was fewer than N days before."""
    days = rules.contact_cooldown_days
    if days is None:
        return None
    conversations = [
        touch for touch in contact_touches if touch.kind in rules.cooldown_kinds and touch.touched_on <= on
    ]
    if not conversations:
        return None
    last = max(conversations, key=lambda touch: touch.touched_on)
    until = last.touched_on + timedelta(days=days)
    return Violation(Rule.COOLDOWN, until=until, last=last) if on < until else None


def counts_towards_limit(rules: ResearchRules, kind: TouchKind) -> bool:
    return rules.account_limit is not None and kind in rules.account_limit.kinds


#: An account is "near" its limit from this share of it on (3 of 4, 8 of 10), and always at it.
NEAR_SHARE = 0.75


def near_limit(limit: int) -> int:
    """The count from which an account with this limit is shown as near it."""
    return min(limit, max(1, math.ceil(limit * NEAR_SHARE)))


def account_limit(rules: ResearchRules, touches_in_period: int, on: date) -> Violation | None:
    """At the limit when the period of `on` already holds `limit` counted touches."""
    limit = rules.account_limit
    if limit is None:
        return None
    period = period_of(on, limit.per)
    if touches_in_period < limit.touches:
        return None
    return Violation(
        Rule.ACCOUNT_LIMIT, until=period.end, used=touches_in_period, limit=limit.touches, period=period.label
    )


def describe(
    violation: Violation, who: Callable[[str], str] | None = str, text: Callable[[str], str] = str
) -> str:
    """One sentence about a broken rule. `who` renders a person (a Slack mention in Slack; None
    leaves people out, for plain-text places that cannot mention), `text` makes list entries safe
    for where the sentence goes (mrkdwn escaping in Slack)."""
    if violation.rule is Rule.DO_NOT_CONTACT:
        return f"on the do-not-contact list ({text(violation.entry)})"
    if violation.rule is Rule.COOLDOWN:
        assert violation.last is not None
        last = violation.last
        by = f" by {who(last.by)}" if who is not None else ""
        return f"in cooldown until {violation.until} (last {last.kind.value} on {last.touched_on}{by})"
    return (
        f"at the account's limit of {violation.limit} touches in {violation.period} "
        f"({violation.used} so far) until {violation.until}"
    )


def as_record(violations: Sequence[Violation]) -> list[dict[str, str | None]]:
    """The broken rules as kept with an override, in words that stay true later (without the
    colleague a cooldown came from: digests say who went ahead, not whom it was about)."""
    return [
        {
            "rule": violation.rule.value,
            "until": violation.until.isoformat() if violation.until else None,
            "text": describe(violation, who=None),
        }
        for violation in violations
    ]
