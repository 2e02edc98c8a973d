"""Finding accounts and contacts from what a person typed, and adding contacts.

People name an account by its domain (`acme.com`) or its name (`Acme`), and a contact by email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.errors import UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from research.addresses import as_domain, as_email, email_domain, plain
from storage.models import Account, Contact
from storage.queries import insert_ignoring_conflicts

CANDIDATES_SHOWN = 6


@dataclass(frozen=True)
class Subject:
    """Whom a check or a plan is about: an account, or a person (and then their account)."""

    label: str
    account: Account | None = None
    contact: Contact | None = None
    email: str | None = None

    @property
    def domain(self) -> str | None:
        if self.account is not None:
            return self.account.domain
        return email_domain(self.email) if self.email else as_domain(self.label)


def account_by_domain(session: Session, domain: str) -> Account | None:
    """The account of a domain, or of its nearest parent domain (`eu.acme.com` → `acme.com`)."""
    parts = domain.lower().split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    rows = session.scalars(select(Account).where(Account.domain.in_(candidates)))
    found = {account.domain: account for account in rows}
    return next((found[candidate] for candidate in candidates if candidate in found), None)


def contact_by_email(session: Session, email: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.email == email.lower()))


def matching_accounts(session: Session, text: str, limit: int) -> list[Account]:
    """Accounts whose name or domain contains `text`, names starting with it first."""
    needle = text.strip().lower()
    name = func.lower(Account.name)
    return list(
        session.scalars(
            select(Account)
            .where(
                or_(name.contains(needle, autoescape=True), Account.domain.contains(needle, autoescape=True))
            )
            .order_by(~name.startswith(needle, autoescape=True), name)
            .limit(limit)
        )
    )


def matching_contacts(session: Session, text: str, account_id: int | None, limit: int) -> list[Contact]:
    """Contacts (not erased) whose email or name contains `text`, in one account if given."""
    needle = text.strip().lower()
    query = select(Contact).where(
        Contact.email.is_not(None),
        or_(
            Contact.email.contains(needle, autoescape=True),
            func.lower(Contact.name).contains(needle, autoescape=True),
        ),
    )
    if account_id is not None:
        query = query.where(Contact.account_id == account_id)
    return list(session.scalars(query.order_by(Contact.email).limit(limit)))


def resolve(session: Session, text: str) -> Subject:
    """The account or person `text` names; a `UserFacingError` when it names none or several."""
    label = plain(text)
    if not label:
        raise UserFacingError("Name an account (its domain or name) or a person's email address.")
    if "@" in label:
        email = as_email(label)
        if email is None:
            raise UserFacingError(f"`{mrkdwn_escape(label)}` is not an email address.")
        contact = contact_by_email(session, email)
        if contact is not None:
            account = session.get(Account, contact.account_id)
        else:
            account = account_by_domain(session, email_domain(email))
        return Subject(label=email, account=account, contact=contact, email=email)
    domain = as_domain(label)
    account = account_by_domain(session, domain) if domain else None
    if account is None:
        account = session.scalar(select(Account).where(func.lower(Account.name) == label.lower()))
    if account is not None:
        return Subject(label=label, account=account)
    candidates = matching_accounts(session, label, CANDIDATES_SHOWN + 1)
    if len(candidates) == 1:
        return Subject(label=label, account=candidates[0])
    if candidates:
        shown = ", ".join(
            f"{mrkdwn_escape(account.name)} ({mrkdwn_escape(account.domain)})"
            for account in candidates[:CANDIDATES_SHOWN]
        )
        more = " and more" if len(candidates) > CANDIDATES_SHOWN else ""
        raise UserFacingError(f"`{mrkdwn_escape(label)}` matches several accounts: {shown}{more}. Which one?")
    if domain is not None:
        # Not in the registry yet: nobody has talked to them, but do-not-contact still applies.
        return Subject(label=domain)
    raise UserFacingError(
        f"No account matches `{mrkdwn_escape(label)}`. "
        "Try its domain, such as `acme.com`, or an email address."
    )


def add_contact(
    session: Session, account: Account, email: str, name: str | None, role: str | None, now: datetime
) -> Contact:
    """The contact with this email, added to `account` if new (a double submission adds one)."""
    insert_ignoring_conflicts(
        session,
        Contact,
        [{"account_id": account.id, "email": email.lower(), "name": name, "role": role, "created_at": now}],
    )
    contact = contact_by_email(session, email)
    assert contact is not None
    return contact


def ensure_account(session: Session, domain: str, now: datetime) -> Account:
    """The account of `domain`, added under its domain as a name when nobody has logged it yet."""
    insert_ignoring_conflicts(
        session,
        Account,
        [{"name": domain, "domain": domain.lower(), "created_at": now, "updated_at": now}],
    )
    account = session.scalar(select(Account).where(Account.domain == domain.lower()))
    assert account is not None
    return account
