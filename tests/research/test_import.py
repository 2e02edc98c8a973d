"""Importing CSV: bad rows reported by line and skipped, good rows kept, a second import adds nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from research.operations import csv_rows, importing
from research.operations.importing import import_accounts, import_contacts, import_touches
from storage.database import SessionFactory
from storage.models import Account, Contact, Touch, TouchTag

from .conftest import NOW, TODAY

ACCOUNTS = """\
name,domain,crm_id,owner
Acme Health,acme.com,CRM-1,U0PM00001
Globex,GLOBEX.com,,pm@ours.example
Broken,not a domain,,
Initech,initech.com,,nobody
"""
CONTACTS = """\
email,name,account_domain,role
jane@acme.com,Jane Doe,acme.com,CTO
hank@globex.com,Hank,globex.com,
x@nowhere.com,X,nowhere.com,
not-an-email,Y,acme.com,
"""
TOUCHES = """\
date,contact_email,account_domain,by,kind,topic,summary,tags,link
2027-01-04,jane@acme.com,acme.com,U0PM00002,interview,Onboarding,"Two weeks to set up SSO, ""painful"" they said",onboarding;sso,https://notes.example/1
2027-01-05,new@acme.com,acme.com,pm@ours.example,call,Pricing,Confusing tiers,pricing,
2027-01-06,,globex.com,U0PM00003,survey,NPS,,,
2027-01-07,,acme.com,U0PM00003,chat,Wrong kind,,,
2099-01-01,,acme.com,U0PM00003,survey,From the future,,,
2027-01-08,,acme.com,U0PM00003,email,Bad link,,,ftp://x
2027-01-09,,unknown.com,U0PM00003,email,No account,,,
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def count(session_factory: SessionFactory, model: type) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def run_all(session_factory: SessionFactory, folder: Path) -> list[importing.ImportReport]:
    files = [(ACCOUNTS, import_accounts), (CONTACTS, import_contacts), (TOUCHES, import_touches)]
    return [
        importer(session_factory, write(folder, f"{importer.__name__}.csv", text), NOW, TODAY, print)
        for text, importer in files
    ]


def test_bad_rows_are_reported_by_line_and_the_good_ones_import(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    accounts, contacts, touches = run_all(session_factory, tmp_path)
    assert [str(p).removeprefix(f"{tmp_path}/") for p in accounts.problems] == [
        "import_accounts.csv:4: domain: expected a domain such as acme.com, got 'not a domain'",
        "import_accounts.csv:5: owner: expected a Slack user id (U…) or an email address, got 'nobody'",
    ]
    assert [str(p).removeprefix(f"{tmp_path}/") for p in contacts.problems] == [
        "import_contacts.csv:5: email: expected an email address, got 'not-an-email'",
        "import_contacts.csv:4: account_domain: no account nowhere.com; import it with --accounts first",
    ]
    assert [str(p).removeprefix(f"{tmp_path}/") for p in touches.problems] == [
        "import_touches.csv:5: kind: Input should be 'interview', 'survey', 'call', 'email' or 'visit'",
        "import_touches.csv:6: date: 2099-01-01 is in the future; import touches that happened",
        "import_touches.csv:7: link: String should match pattern '^https?://\\S+$'",
        "import_touches.csv:8: account_domain: no account unknown.com; import it with --accounts first",
    ]
    assert (accounts.added, contacts.added, touches.added, touches.contacts_added) == (2, 2, 3, 1)
    assert touches.summary("touches") == (
        "import_touches.csv: 3 touches added, 0 updated, 0 already there, 1 contacts added from touches, "
        "4 bad row(s) skipped"
    )
    with session_factory() as session:
        globex = session.scalar(select(Account).where(Account.domain == "globex.com"))
        assert globex is not None
        assert globex.owner == "pm@ours.example"
        onboarding = session.scalar(select(Touch).where(Touch.topic == "Onboarding"))
        assert onboarding is not None
        assert onboarding.summary == 'Two weeks to set up SSO, "painful" they said'
        tags = session.scalars(
            select(TouchTag.tag).where(TouchTag.touch_id == onboarding.id).order_by(TouchTag.tag)
        )
        assert list(tags) == ["onboarding", "sso"]
        new = session.scalar(select(Contact).where(Contact.email == "new@acme.com"))
        assert new is not None
        assert new.account_id == onboarding.account_id


def test_importing_the_same_files_again_adds_nothing(session_factory: SessionFactory, tmp_path: Path) -> None:
    run_all(session_factory, tmp_path)
    before = [count(session_factory, model) for model in (Account, Contact, Touch, TouchTag)]
    accounts, contacts, touches = run_all(session_factory, tmp_path)
    assert [count(session_factory, model) for model in (Account, Contact, Touch, TouchTag)] == before
    assert (accounts.added, accounts.updated, accounts.unchanged) == (0, 0, 2)
    assert (contacts.added, contacts.updated, contacts.unchanged) == (0, 0, 2)
    assert (touches.added, touches.unchanged, touches.contacts_added) == (0, 3, 0)


def test_a_changed_row_updates_and_a_blank_cell_keeps(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    run_all(session_factory, tmp_path)
    changed = write(tmp_path, "again.csv", "name,domain,crm_id,owner\nAcme Health Inc,acme.com,,\n")
    report = import_accounts(session_factory, changed, NOW, TODAY, print)
    assert (report.added, report.updated) == (0, 1)
    with session_factory() as session:
        acme = session.scalar(select(Account).where(Account.domain == "acme.com"))
        assert acme is not None
        assert (acme.name, acme.crm_id, acme.owner) == (
            "Acme Health Inc",
            "CRM-1",
            "U0PM00001",
        )


def test_a_header_that_does_not_fit_stops_the_file_before_any_row(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = write(tmp_path, "accounts.csv", "name,domian,crmid\nAcme,acme.com,1\n")
    report = import_accounts(session_factory, path, NOW, TODAY, print)
    header = "the header is name,domain[,crm_id,owner]"
    assert [str(problem) for problem in report.problems] == [
        f"{path}:1: unknown column 'domian' (did you mean 'domain'?); {header}",
        f"{path}:1: unknown column 'crmid' (did you mean 'crm_id'?); {header}",
        f"{path}:1: missing column 'domain'; {header}",
    ]
    assert count(session_factory, Account) == 0
    empty = write(tmp_path, "empty.csv", "")
    [problem] = import_accounts(session_factory, empty, NOW, TODAY, print).problems
    assert problem.message == "empty file; the first line must be the header name,domain[,crm_id,owner]"


def test_rows_with_missing_or_extra_cells_and_repeats(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        "name,domain\nAcme,acme.com\nShort\nLong,long.com,extra\n\nAcme again,ACME.com\n,blank.com\n",
    )
    report = import_accounts(session_factory, path, NOW, TODAY, print)
    assert [str(problem).removeprefix(f"{path}:") for problem in report.problems] == [
        "3: 1 cells, but the header has 2 columns",
        "4: 3 cells, but the header has 2 columns",
        "7: name: String should have at least 1 character",
        "6: domain: acme.com is already at line 2",
    ]
    assert report.added == 1


def test_a_large_file_reports_progress(
    session_factory: SessionFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_rows, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(csv_rows, "BATCH_ROWS", 7)
    rows = "".join(f"Account {n},a{n}.example\n" for n in range(25))
    path = write(tmp_path, "many.csv", "name,domain\n" + rows)
    lines: list[str] = []
    report = import_accounts(session_factory, path, NOW, TODAY, lines.append)
    assert lines == ["many.csv: 10 of 25 rows read", "many.csv: 20 of 25 rows read"]
    assert report.added == 25
    assert count(session_factory, Account) == 25
