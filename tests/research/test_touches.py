"""Logging touches: a broken rule needs a reason, the reason is kept, the owners are told."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from research.config import ResearchRules
from research.touches import CONTACT, InvalidTouch, NeedsReason, TouchDraft, record_touch
from storage.database import SessionFactory
from storage.models import Contact, Delivery, Override, OverrideStage, Touch, TouchKind, TouchTag

from .conftest import NOW, OWNER, Registry


def draft(account_id: int, **changes: object) -> TouchDraft:
    values: dict[str, object] = {
        "account_id": account_id,
        "touched_on": date(2027, 1, 12),
        "kind": TouchKind.INTERVIEW,
        "topic": "Onboarding",
        "summary": "Setup takes two weeks",
        "tags": ("onboarding",),
    }
    return TouchDraft(**(values | changes))  # type: ignore[arg-type]


def log(
    session_factory: SessionFactory, rules: ResearchRules, touch: TouchDraft, key: str = "slack:V1"
) -> int:
    with session_factory.begin() as session:
        return record_touch(session, rules, touch, "U0PM00001", key, NOW).touch_id


def test_a_touch_within_the_rules_is_saved_with_its_tags_and_a_new_contact(
    session_factory: SessionFactory, rules: ResearchRules, registry: Registry
) -> None:
    acme = registry.account("acme.com")
    touch_id = log(
        session_factory, rules, draft(acme, contact_email="jane@acme.com", new_contact_name="Jane")
    )
    with session_factory() as session:
        touch = session.get(Touch, touch_id)
        assert touch is not None
        assert touch.by == "U0PM00001"
        assert touch.account_id == acme
        contact = session.scalar(select(Contact).where(Contact.email == "jane@acme.com"))
        assert contact is not None
        assert (contact.name, contact.account_id, contact.id) == (
            "Jane",
            acme,
            touch.contact_id,
        )
        assert list(session.scalars(select(TouchTag.tag))) == ["onboarding"]
        assert session.scalar(select(Override)) is None
        assert session.scalar(select(Delivery)) is None


def test_a_second_delivery_of_the_same_submission_adds_nothing(
    session_factory: SessionFactory, rules: ResearchRules, registry: Registry
) -> None:
    acme = registry.account("acme.com")
    first = log(session_factory, rules, draft(acme))
    assert log(session_factory, rules, draft(acme)) == first
    with session_factory() as session:
        assert len(session.scalars(select(Touch)).all()) == 1


def test_breaking_a_rule_without_a_reason_saves_nothing(
    session_factory: SessionFactory, rules: ResearchRules, registry: Registry
) -> None:
    acme = registry.account("acme.com")
    jane = registry.contact("jane@acme.com", acme)
    registry.touch(acme, date(2027, 1, 2), contact_id=jane)
    with pytest.raises(NeedsReason) as refused, session_factory.begin() as session:
        record_touch(session, rules, draft(acme, contact_email="jane@acme.com"), "U0PM00001", "slack:V2", NOW)
    [violation] = refused.value.standing.violations
    assert violation.until == date(2027, 2, 1)
    with session_factory() as session:
        assert len(session.scalars(select(Touch)).all()) == 1


def test_an_override_keeps_the_reason_and_tells_every_owner_once(
    session_factory: SessionFactory, registry: Registry, rules: ResearchRules
) -> None:
    rules = rules.model_copy(update={"owners": (OWNER, "U0LEAD001")})
    acme = registry.account("acme.com", "Acme <!channel>")
    jane = registry.contact("jane@acme.com", acme)
    registry.touch(acme, date(2027, 1, 2), contact_id=jane, by="U0PM00005")
    reason = "She asked us to follow up <https://evil.example|here>"
    touch = draft(acme, contact_email="jane@acme.com", reason=reason)
    touch_id = log(session_factory, rules, touch, "slack:V3")
    log(session_factory, rules, touch, "slack:V3")  # Slack retries the submission
    with session_factory() as session:
        override = session.scalar(select(Override))
        assert override is not None
        assert (override.stage, override.touch_id, override.reason, override.by) == (
            OverrideStage.LOG,
            touch_id,
            reason,
            "U0PM00001",
        )
        assert override.rules == [
            {
                "rule": "cooldown",
                "until": "2027-02-01",
                "text": "in cooldown until 2027-02-01 (last interview on 2027-01-02)",
            }
        ]
        notices = session.scalars(select(Delivery).order_by(Delivery.target)).all()
    assert sorted(notice.target for notice in notices) == sorted([OWNER, "U0LEAD001"])
    text = str(notices[0].payload["blocks"])
    assert "<@U0PM00001> logged a touch with *Acme &lt;!channel&gt;*" in text
    assert "last interview on 2027-01-02 by <@U0PM00005>" in text
    assert "&lt;https://evil.example|here&gt;" in text
    assert "<https://evil" not in text


def test_a_contact_of_another_account_is_refused_next_to_the_contact(
    session_factory: SessionFactory, rules: ResearchRules, registry: Registry
) -> None:
    acme = registry.account("acme.com", "Acme")
    globex = registry.account("globex.com", "Globex")
    registry.contact("hank@globex.com", globex)
    with pytest.raises(InvalidTouch) as refused, session_factory.begin() as session:
        record_touch(
            session, rules, draft(acme, contact_email="hank@globex.com"), "U0PM00001", "slack:V4", NOW
        )
    assert refused.value.errors == {CONTACT: "hank@globex.com is a contact of Globex (globex.com), not Acme."}
