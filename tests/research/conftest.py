"""The research registry's test helpers: rules as YAML, and accounts, contacts and touches written
straight into the test database (SQLite or PostgreSQL, whichever the session runs on)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from research.config import ResearchRules, load_rules
from research.services import ResearchServices
from rituals.definition.loading import RitualLibrary
from storage.database import SessionFactory
from storage.models import Account, Contact, Touch, TouchKind, TouchTag
from tests.conftest import over_http

OWNER = "U0PRODOPS"
RULES = f"""
research:
  owners: [{OWNER}]
  contact_cooldown_days: 30
  account_limit: {{touches: 4, per: quarter}}
  do_not_contact: [ceo@acme.com, initech.com]
  timezone: America/New_York
"""
# Wednesday 13 January 2027, 10:00 in New York.
NOW = datetime(2027, 1, 13, 15, 0, tzinfo=UTC)
TODAY = date(2027, 1, 13)


def write_rules(folder: Path, text: str = RULES, name: str = "research.yml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def rules_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rituals"
    write_rules(folder)
    return folder


@pytest.fixture
def slack(
    request: pytest.FixtureRequest,
    engine: Engine,
    database_url: str,
    clock: FrozenClock,
    rules_folder: Path,
    builtin_library: RitualLibrary,
) -> Iterator[Sandbox]:
    """The bot with the research rules against the simulated workspace (in process; over HTTP
    for tests marked `e2e`)."""
    with Sandbox(
        database_url,
        clock,
        rituals_path=[rules_folder],
        library=builtin_library,
        migrate=False,
        serve_http=over_http(request),
    ) as running:
        yield running


@pytest.fixture
def rules(rules_folder: Path) -> ResearchRules:
    return load_rules([rules_folder])


@pytest.fixture
def research(session_factory: SessionFactory, clock: FrozenClock, rules: ResearchRules) -> ResearchServices:
    return ResearchServices(session_factory, clock, rules)


@dataclass
class Registry:
    """Writes registry rows directly, as an import or earlier Slack use would have left them."""

    session_factory: SessionFactory
    # (id, name) of every account written, in order.
    accounts: list[tuple[int, str]] = field(default_factory=list)
    _touches: int = 0

    def account(self, domain: str, name: str | None = None, owner: str | None = None) -> int:
        with self.session_factory.begin() as session:
            account = Account(
                name=name or domain.split(".")[0].title(),
                domain=domain,
                owner=owner,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(account)
            session.flush()
            self.accounts.append((account.id, account.name))
            return account.id

    def contact(self, email: str, account_id: int, name: str | None = None) -> int:
        with self.session_factory.begin() as session:
            contact = Contact(email=email, name=name, account_id=account_id, created_at=NOW)
            session.add(contact)
            session.flush()
            return contact.id

    def touch(
        self,
        account_id: int,
        on: date,
        *,
        contact_id: int | None = None,
        kind: TouchKind = TouchKind.INTERVIEW,
        by: str = "U0PM00002",
        topic: str = "Onboarding",
        summary: str = "",
        tags: tuple[str, ...] = (),
        link: str | None = None,
    ) -> int:
        self._touches += 1
        with self.session_factory.begin() as session:
            touch = Touch(
                account_id=account_id,
                contact_id=contact_id,
                touched_on=on,
                kind=kind,
                by=by,
                topic=topic,
                summary=summary,
                link=link,
                source_key=f"test:{self._touches}",
                created_at=NOW,
            )
            session.add(touch)
            session.flush()
            session.add_all(TouchTag(touch_id=touch.id, tag=tag) for tag in tags)
            return touch.id


@pytest.fixture
def registry(session_factory: SessionFactory) -> Registry:
    return Registry(session_factory)
