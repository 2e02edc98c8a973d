"""Erasing a contact: nothing personal is left, and the account's counts stay true."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from research.operations.exporting import export_csv, export_json
from research.operations.forgetting import ERASED_REASON, forget
from research.outreach import check, go_ahead
from research.rules import Rule
from research.search import parse_query, search
from research.services import ResearchServices
from storage.database import SessionFactory
from storage.models import Contact, Override, Touch, TouchTag

from .conftest import NOW, Registry


def test_forget_erases_the_person_and_keeps_the_counts(
    research: ResearchServices, session_factory: SessionFactory, registry: Registry
) -> None:
    acme = registry.account("acme.com", "Acme")
    jane = registry.contact("jane@acme.com", acme, "Jane Doe")
    for day in (4, 5, 6):
        registry.touch(acme, date(2027, 1, day), summary="The setup wizard is slow", tags=("setup",))
    registry.touch(acme, date(2027, 1, 7), contact_id=jane, topic="Jane's renewal", summary="Jane Doe renews")
    registry.contact("bob@acme.com", acme, "Bob")
    go_ahead(research, "U0PM00001", "jane@acme.com", "Jane Doe asked for a call", "plan:V9")
    assert check(research, "acme.com").violations[0].rule is Rule.ACCOUNT_LIMIT

    with session_factory.begin() as session:
        done = forget(session, "Jane@Acme.com", NOW)
    assert (done.found, done.touches, done.overrides) == (True, 1, 1)

    with session_factory() as session:
        contact = session.get(Contact, jane)
        assert contact is not None
        assert (contact.email, contact.name, contact.role) == (None, None, None)
        assert contact.erased_at is not None
        touch = session.scalar(select(Touch).where(Touch.contact_id == jane))
        assert touch is not None
        assert (touch.topic, touch.summary, touch.link) == ("", "", None)
        assert session.scalar(select(TouchTag).where(TouchTag.touch_id == touch.id)) is None
        override = session.scalar(select(Override))
        assert override is not None
        assert override.reason == ERASED_REASON
        assert search(session, parse_query("renews")).total == 0
        csv_text, json_text = export_csv(session), export_json(session)
    # The account is still at its limit: the erased touch still counts.
    assert check(research, "acme.com").violations[0].rule is Rule.ACCOUNT_LIMIT
    for text in (csv_text, json_text):
        assert "jane@acme.com" not in text
        assert "Jane Doe renews" not in text
        assert "Jane Doe asked" not in text
    assert "bob@acme.com" in json_text
    # Someone added again later is a new contact, with no history.
    with session_factory.begin() as session:
        assert forget(session, "jane@acme.com", NOW).found is False


def test_forgetting_someone_unknown_changes_nothing(
    session_factory: SessionFactory, registry: Registry
) -> None:
    registry.contact("bob@acme.com", registry.account("acme.com"))
    with session_factory.begin() as session:
        assert forget(session, "nobody@acme.com", NOW).found is False
    with session_factory() as session:
        assert session.scalar(select(Contact.email)) == "bob@acme.com"
