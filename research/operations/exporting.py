"""The registry as a file: CSV in the touches' import format, or JSON with everything.

The CSV has exactly the columns `ritualbot research import --touches` reads, so an export
imports into another registry (or back into this one, adding nothing). JSON holds the accounts,
the contacts, the touches with their tags and the overrides with their reasons, for analysis.
Erased contacts appear without their personal data, as the registry keeps them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from research.standing import tags_by_touch
from storage.models import Account, Contact, Override, Touch

TOUCH_COLUMNS = ("date", "contact_email", "account_domain", "by", "kind", "topic", "summary", "tags", "link")


def _touches(session: Session) -> list[dict[str, Any]]:
    tags = tags_by_touch(session)
    rows = session.execute(
        select(Touch, Account.domain, Contact.email)
        .join(Account, Account.id == Touch.account_id)
        .outerjoin(Contact, Contact.id == Touch.contact_id)
        .order_by(Touch.touched_on, Touch.id)
    )
    return [
        {
            "date": touch.touched_on.isoformat(),
            "contact_email": email or "",
            "account_domain": domain,
            "by": touch.by,
            "kind": touch.kind.value,
            "topic": touch.topic,
            "summary": touch.summary,
            "tags": tags.get(touch.id, []),
            "link": touch.link or "",
            "erased": touch.erased_at is not None,
        }
        for touch, domain, email in rows
    ]


def export_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TOUCH_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for touch in _touches(session):
        writer.writerow(touch | {"tags": ";".join(touch["tags"])})
    return out.getvalue()


def export_json(session: Session) -> str:
    accounts = session.scalars(select(Account).order_by(Account.domain))
    contacts = session.execute(
        select(Contact, Account.domain).join(Account, Account.id == Contact.account_id).order_by(Contact.id)
    )
    overrides = session.execute(
        select(Override, Account.domain)
        .join(Account, Account.id == Override.account_id)
        .order_by(Override.id)
    )
    document = {
        "accounts": [
            {"name": a.name, "domain": a.domain, "crm_id": a.crm_id, "owner": a.owner} for a in accounts
        ],
        "contacts": [
            {
                "email": contact.email,
                "name": contact.name,
                "role": contact.role,
                "account_domain": domain,
                "erased": contact.erased_at is not None,
            }
            for contact, domain in contacts
        ],
        "touches": _touches(session),
        "overrides": [
            {
                "at": override.created_at.isoformat(),
                "stage": override.stage.value,
                "account_domain": domain,
                "by": override.by,
                "rules": override.rules,
                "reason": override.reason,
            }
            for override, domain in overrides
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
