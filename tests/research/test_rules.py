"""The rules at their edges, as pure functions of days: cooldowns, periods, do-not-contact."""

from __future__ import annotations

from datetime import date

import pytest

from research.config import AccountLimit, ResearchRules
from research.rules import (
    PastTouch,
    Rule,
    account_limit,
    cooldown,
    describe,
    do_not_contact,
    near_limit,
    period_of,
)
from storage.models import TouchKind

RULES = ResearchRules(
    contact_cooldown_days=30,
    account_limit=AccountLimit(touches=4, per="quarter"),
    do_not_contact=("ceo@acme.com", "initech.com"),
)


def interview(on: date, kind: TouchKind = TouchKind.INTERVIEW) -> PastTouch:
    return PastTouch(on, kind, "U0PM00002")


def test_a_cooldown_ending_today_is_over() -> None:
    last = interview(date(2027, 1, 1))
    assert cooldown(RULES, [last], date(2027, 1, 31)) is None  # 30 days later: free again today
    resting = cooldown(RULES, [last], date(2027, 1, 30))
    assert resting is not None
    assert (resting.rule, resting.until, resting.last) == (Rule.COOLDOWN, date(2027, 1, 31), last)


def test_the_cooldown_runs_from_the_latest_conversation_only() -> None:
    touches = [interview(date(2026, 12, 1)), interview(date(2027, 1, 10)), interview(date(2027, 1, 5))]
    resting = cooldown(RULES, touches, date(2027, 1, 20))
    assert resting is not None
    assert resting.until == date(2027, 2, 9)


def test_surveys_and_emails_start_no_cooldown_and_later_touches_do_not_count() -> None:
    today = date(2027, 1, 20)
    assert cooldown(RULES, [interview(date(2027, 1, 19), TouchKind.SURVEY)], today) is None
    assert cooldown(RULES, [interview(date(2027, 1, 19), TouchKind.EMAIL)], today) is None
    # Logging an interview from last month: a conversation after it does not make it a breach.
    assert cooldown(RULES, [interview(date(2027, 1, 19))], date(2026, 12, 10)) is None
    for kind in (TouchKind.CALL, TouchKind.VISIT):
        assert cooldown(RULES, [interview(date(2027, 1, 19), kind)], today) is not None


def test_no_cooldown_without_the_rule() -> None:
    assert cooldown(ResearchRules(), [interview(date(2027, 1, 19))], date(2027, 1, 20)) is None


@pytest.mark.parametrize(
    ("day", "per", "start", "end", "label"),
    [
        (date(2027, 3, 31), "quarter", date(2027, 1, 1), date(2027, 4, 1), "2027-Q1"),
        (date(2027, 4, 1), "quarter", date(2027, 4, 1), date(2027, 7, 1), "2027-Q2"),
        (date(2027, 12, 31), "quarter", date(2027, 10, 1), date(2028, 1, 1), "2027-Q4"),
        (date(2027, 2, 28), "month", date(2027, 2, 1), date(2027, 3, 1), "2027-02"),
        (date(2027, 12, 5), "month", date(2027, 12, 1), date(2028, 1, 1), "2027-12"),
        (date(2027, 7, 4), "year", date(2027, 1, 1), date(2028, 1, 1), "2027"),
    ],
)
def test_calendar_periods(day: date, per: str, start: date, end: date, label: str) -> None:
    period = period_of(day, per)  # type: ignore[arg-type]
    assert (period.start, period.end, period.label) == (start, end, label)


def test_the_account_limit_lifts_when_the_next_quarter_starts() -> None:
    assert account_limit(RULES, 3, date(2027, 3, 31)) is None
    full = account_limit(RULES, 4, date(2027, 3, 31))
    assert full is not None
    assert (full.rule, full.until, full.used, full.limit, full.period) == (
        Rule.ACCOUNT_LIMIT,
        date(2027, 4, 1),
        4,
        4,
        "2027-Q1",
    )
    assert account_limit(ResearchRules(), 99, date(2027, 3, 31)) is None


@pytest.mark.parametrize(
    ("email", "domain", "entry"),
    [
        ("ceo@acme.com", "acme.com", "ceo@acme.com"),
        ("CEO@Acme.com", None, "ceo@acme.com"),
        ("bob@initech.com", None, "initech.com"),
        ("bob@eu.initech.com", None, "initech.com"),  # a subdomain is the same company
        (None, "initech.com", "initech.com"),  # the whole account
        ("bob.personal@gmail.com", "initech.com", "initech.com"),  # a contact of that account
    ],
)
def test_do_not_contact_by_email_and_by_domain(email: str | None, domain: str | None, entry: str) -> None:
    found = do_not_contact(RULES, email, domain)
    assert found is not None
    assert (found.rule, found.entry, found.until) == (Rule.DO_NOT_CONTACT, entry, None)


@pytest.mark.parametrize(
    ("email", "domain"),
    [("cto@acme.com", "acme.com"), (None, "notinitech.com"), ("x@initech.co", None), (None, None)],
)
def test_do_not_contact_does_not_catch_neighbours(email: str | None, domain: str | None) -> None:
    assert do_not_contact(RULES, email, domain) is None


def test_near_the_limit() -> None:
    assert [near_limit(limit) for limit in (1, 2, 4, 10)] == [1, 2, 3, 8]


def test_descriptions_name_the_rule_and_the_day_it_lifts() -> None:
    resting = cooldown(RULES, [interview(date(2027, 1, 1))], date(2027, 1, 15))
    assert resting is not None
    assert describe(resting) == "in cooldown until 2027-01-31 (last interview on 2027-01-01 by U0PM00002)"
    assert describe(resting, who=None) == "in cooldown until 2027-01-31 (last interview on 2027-01-01)"
    full = account_limit(RULES, 5, date(2027, 2, 1))
    assert full is not None
    assert describe(full) == "at the account's limit of 4 touches in 2027-Q1 (5 so far) until 2027-04-01"
    blocked = do_not_contact(RULES, "ceo@acme.com", None)
    assert blocked is not None
    assert describe(blocked, text=str.upper) == "on the do-not-contact list (CEO@ACME.COM)"
