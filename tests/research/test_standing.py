"""Checking and planning against the database: what is counted, for whom, and until when."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.clock import FrozenClock
from core.errors import UserFacingError
from research.outreach import check
from research.rules import Rule
from research.services import ResearchServices
from storage.models import TouchKind

from .conftest import NOW, TODAY, Registry


def test_an_account_with_nothing_logged_is_free(research: ResearchServices, registry: Registry) -> None:
    registry.account("acme.com", "Acme Health", owner="U0LEAD001")
    where = check(research, "acme.com")
    assert where.free
    assert where.on == TODAY
    assert where.owner == "U0LEAD001"
    assert where.usage is not None
    assert (where.usage.used, where.usage.limit, where.usage.period) == (
        0,
        4,
        "2027-Q1",
    )


def test_a_contact_in_cooldown_until_thirty_days_after_the_interview(
    research: ResearchServices, registry: Registry, clock: FrozenClock
) -> None:
    acme = registry.account("acme.com")
    jane = registry.contact("jane@acme.com", acme, "Jane Doe")
    registry.touch(acme, date(2026, 12, 20), contact_id=jane, by="U0PM00003", topic="Billing")
    where = check(research, "jane@acme.com")
    [violation] = where.violations
    assert (violation.rule, violation.until) == (Rule.COOLDOWN, date(2027, 1, 19))
    assert where.last_people() == ["U0PM00003"]
    # The account itself is not in cooldown: another person there may be asked.
    assert check(research, "acme.com").free
    clock.set(NOW + timedelta(days=6))  # Tuesday 19 January: the cooldown ends today
    assert check(research, "jane@acme.com").free


def test_the_account_limit_counts_every_team_within_the_quarter(
    research: ResearchServices, registry: Registry, clock: FrozenClock
) -> None:
    acme = registry.account("acme.com")
    registry.touch(acme, date(2026, 12, 31), by="U0PM00001")  # last quarter: not counted
    for day, by in ((2, "U0PM00001"), (5, "U0PM00002"), (8, "pm@ours.example"), (12, "U0PM00004")):
        registry.touch(acme, date(2027, 1, day), by=by, kind=TouchKind.EMAIL)
    where = check(research, "Acme")
    [violation] = where.violations
    assert (violation.rule, violation.until, violation.used) == (Rule.ACCOUNT_LIMIT, date(2027, 4, 1), 4)
    assert where.last_people() == ["U0PM00004", "pm@ours.example", "U0PM00002", "U0PM00001"]
    clock.set(NOW.replace(month=4, day=1))  # 1 April: a new quarter
    assert check(research, "acme.com").free


def test_a_quarter_boundary_in_the_rules_time_zone(
    research: ResearchServices, registry: Registry, clock: FrozenClock
) -> None:
    acme = registry.account("acme.com")
    for day in (1, 2, 3, 4):
        registry.touch(acme, date(2027, 3, day), kind=TouchKind.SURVEY)
    # 23:30 on 31 March in New York is already 1 April in UTC: still the first quarter there.
    clock.set(NOW.replace(month=4, day=1, hour=3, minute=30))
    assert not check(research, "acme.com").free
    clock.set(NOW.replace(month=4, day=1, hour=4, minute=0))  # midnight in New York
    assert check(research, "acme.com").free


def test_do_not_contact_by_domain_even_when_nobody_logged_them(research: ResearchServices) -> None:
    where = check(research, "bob@eu.initech.com")
    [violation] = where.violations
    assert (violation.rule, violation.entry) == (Rule.DO_NOT_CONTACT, "initech.com")
    assert where.subject.account is None
    assert check(research, "initech.com").violations[0].rule is Rule.DO_NOT_CONTACT


def test_slack_formatting_of_what_people_type_is_undone(
    research: ResearchServices, registry: Registry
) -> None:
    registry.account("acme.com", "Acme Health")
    assert check(research, "<http://acme.com|acme.com>").subject.account is not None
    registry.account("att.example", "AT&T")
    assert check(research, "at&amp;t").subject.label == "at&t"  # Slack escapes what people type
    blocked = check(research, "<mailto:CEO@acme.com|CEO@acme.com>")
    assert blocked.subject.email == "ceo@acme.com"
    assert blocked.violations[0].rule is Rule.DO_NOT_CONTACT


def test_names_that_match_several_accounts_ask_which(research: ResearchServices, registry: Registry) -> None:
    registry.account("acme.com", "Acme Health")
    registry.account("acmebank.com", "Acme Bank")
    with pytest.raises(
        UserFacingError, match=r"matches several accounts: Acme Bank \(acmebank.com\), Acme Health"
    ):
        check(research, "acme")
    assert check(research, "acme health").subject.account is not None
    with pytest.raises(UserFacingError, match="No account matches `Globex`"):
        check(research, "Globex")
    with pytest.raises(UserFacingError, match="is not an email address"):
        check(research, "jane@")
