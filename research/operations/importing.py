"""Importing accounts, contacts and touches from CSV files, as often as you like.

    accounts: name,domain[,crm_id,owner]
    contacts: email,name,account_domain[,role]
    touches:  date,contact_email,account_domain,by,kind,topic,summary[,tags,link]

Importing the same file again adds nothing: accounts are keyed by domain and contacts by email
(a row that changes them updates them, and a blank optional cell keeps what is there), and a
touch is keyed by the digest of its row, so only a new or changed row adds one. Each bad row is
reported as `file:line: message` and skipped while the good rows import; a header that does not
fit stops that file before any row. Dates are ISO (`2027-01-15`); `by` is a Slack user id or an
email address; `tags` are separated by `;`. Rules are not applied to imported history: it is
what happened, and the limits count it from then on.

Rows are written in batches, each in its own transaction, so a large file shows progress and an
interrupted import is finished by importing the file again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config_files import Problem
from research.operations.csv_rows import AccountRow, ContactRow, Parsed, Progress, TouchRow, read_rows
from research.touches import tag_problem
from storage.database import SessionFactory
from storage.models import Account, Contact, Touch, TouchTag
from storage.queries import insert_ignoring_conflicts


@dataclass
class ImportReport:
    path: Path
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # Touches naming a contact the registry did not know add that contact to the account.
    contacts_added: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self, noun: str) -> str:
        parts = [f"{self.added} {noun} added", f"{self.updated} updated", f"{self.unchanged} already there"]
        if self.contacts_added:
            parts.append(f"{self.contacts_added} contacts added from touches")
        bad = len({problem.line for problem in self.problems if problem.line > 1})
        if bad:
            parts.append(f"{bad} bad row(s) skipped")
        elif self.problems:
            parts.append("not imported (see above)")
        return f"{self.path.name}: " + ", ".join(parts)


def import_accounts(
    session_factory: SessionFactory, path: Path, now: datetime, today: date, progress: Progress
) -> ImportReport:
    report = ImportReport(path)
    seen: dict[str, int] = {}
    for batch in read_rows(path, AccountRow, report.problems, progress, today):
        with session_factory.begin() as session:
            existing = _accounts(session, [parsed.row.domain for parsed in batch])
            for parsed in batch:
                row: AccountRow = parsed.row
                if _repeated(report, seen, parsed.line, "domain", row.domain):
                    continue
                found = existing.get(row.domain)
                _add_or_update(session, Account, found, row.model_dump(), report, now, updated_at=True)
    return report


def import_contacts(
    session_factory: SessionFactory, path: Path, now: datetime, today: date, progress: Progress
) -> ImportReport:
    report = ImportReport(path)
    seen: dict[str, int] = {}
    for batch in read_rows(path, ContactRow, report.problems, progress, today):
        with session_factory.begin() as session:
            accounts = _accounts(session, [parsed.row.account_domain for parsed in batch])
            existing = _contacts(session, [parsed.row.email for parsed in batch])
            for parsed in batch:
                row: ContactRow = parsed.row
                if _repeated(report, seen, parsed.line, "email", row.email):
                    continue
                account = accounts.get(row.account_domain)
                if account is None:
                    report.problems.append(_no_account(path, parsed.line, row.account_domain))
                    continue
                # A person who moved to another customer becomes that account's contact.
                values = row.model_dump(exclude={"account_domain"}) | {"account_id": account.id}
                _add_or_update(session, Contact, existing.get(row.email), values, report, now)
    return report


def _repeated(report: ImportReport, seen: dict[str, int], line: int, column: str, value: str) -> bool:
    """Whether `value` was on an earlier line of the file (then it is reported); else remember it."""
    if value in seen:
        message = f"{column}: {value} is already at line {seen[value]}"
        report.problems.append(Problem(report.path, line, message))
        return True
    seen[value] = line
    return False


def _add_or_update(
    session: Session,
    model: type[Account] | type[Contact],
    found: Account | Contact | None,
    values: dict[str, Any],
    report: ImportReport,
    now: datetime,
    *,
    updated_at: bool = False,
) -> None:
    """Add the row, or change `found` where `values` differ; a None value keeps what is there."""
    stamps = {"created_at": now} | ({"updated_at": now} if updated_at else {})
    if found is None:
        report.added += insert_ignoring_conflicts(session, model, [values | stamps])
        return
    changes = {
        key: value for key, value in values.items() if value is not None and getattr(found, key) != value
    }
    if not changes:
        report.unchanged += 1
        return
    if updated_at:
        changes["updated_at"] = now
    for key, value in changes.items():
        setattr(found, key, value)
    report.updated += 1


def import_touches(
    session_factory: SessionFactory, path: Path, now: datetime, today: date, progress: Progress
) -> ImportReport:
    report = ImportReport(path)
    for batch in read_rows(path, TouchRow, report.problems, progress, today):
        with session_factory.begin() as session:
            _import_touch_batch(session, path, batch, now, report)
    return report


def _import_touch_batch(
    session: Session, path: Path, batch: list[Parsed], now: datetime, report: ImportReport
) -> None:
    accounts = _accounts(session, [parsed.row.account_domain for parsed in batch])
    contacts = _new_contacts(session, batch, accounts, now, report)
    rows: list[dict[str, Any]] = []
    tags: dict[str, tuple[str, ...]] = {}
    for parsed in batch:
        row: TouchRow = parsed.row
        account = accounts.get(row.account_domain)
        if account is None:
            report.problems.append(_no_account(path, parsed.line, row.account_domain))
            continue
        if problem := tag_problem(row.tag_list):
            report.problems.append(Problem(path, parsed.line, f"tags: {problem}"))
            continue
        contact_id = contacts[row.contact_email].id if row.contact_email else None
        tags[row.source_key] = row.tag_list
        rows.append(
            {
                "account_id": account.id,
                "contact_id": contact_id,
                "touched_on": row.touched_on,
                "kind": row.kind.value,
                "by": row.by,
                "topic": row.topic,
                "summary": row.summary,
                "link": row.link,
                "source_key": row.source_key,
                "created_at": now,
            }
        )
    added = insert_ignoring_conflicts(session, Touch, rows)
    report.added += added
    report.unchanged += len(rows) - added
    ids = {
        key: touch_id
        for key, touch_id in session.execute(
            select(Touch.source_key, Touch.id).where(Touch.source_key.in_(tags))
        )
    }
    tag_rows = [{"touch_id": ids[key], "tag": tag} for key, values in tags.items() for tag in values]
    insert_ignoring_conflicts(session, TouchTag, tag_rows)


def _new_contacts(
    session: Session, batch: list[Parsed], accounts: dict[str, Account], now: datetime, report: ImportReport
) -> dict[str, Contact]:
    """The batch's contacts by email, adding the ones the registry does not know to their account."""
    emails = [parsed.row.contact_email for parsed in batch if parsed.row.contact_email]
    known = _contacts(session, emails)
    new: dict[str, dict[str, Any]] = {}
    for parsed in batch:
        row: TouchRow = parsed.row
        account = accounts.get(row.account_domain)
        if row.contact_email and row.contact_email not in known and account is not None:
            new.setdefault(
                row.contact_email, {"email": row.contact_email, "account_id": account.id, "created_at": now}
            )
    if not new:
        return known
    report.contacts_added += insert_ignoring_conflicts(session, Contact, list(new.values()))
    return _contacts(session, emails)


def _no_account(path: Path, line: int, domain: str) -> Problem:
    return Problem(path, line, f"account_domain: no account {domain}; import it with --accounts first")


def _accounts(session: Session, domains: list[str]) -> dict[str, Account]:
    return {a.domain: a for a in session.scalars(select(Account).where(Account.domain.in_(set(domains))))}


def _contacts(session: Session, emails: list[str]) -> dict[str, Contact]:
    found = session.scalars(select(Contact).where(Contact.email.in_(set(emails))))
    return {contact.email: contact for contact in found if contact.email}
