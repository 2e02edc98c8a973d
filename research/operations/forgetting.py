"""Erasing a contact's personal data on request, keeping the anonymous counts the rules need.

The contact keeps its row and its account, without email, name or role; their touches keep
their day, kind, account and who at our company had them, without topic, summary, link or tags
(the notes are about the person). So an account's limit for the quarter still counts those
touches, while nothing left identifies the person. If they are added again later, they are a
new contact: the old touches are not linked to them, so their cooldown starts afresh.

Messages already sent to Slack (an override notice names the account, not the contact, and
quotes the reason) are Slack's to delete; override reasons kept here for that contact are
erased with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from research.addresses import as_email
from research.registry import contact_by_email
from storage.models import Override, Touch, TouchTag

ERASED_REASON = "(erased on request)"


@dataclass(frozen=True)
class Forgotten:
    email: str
    found: bool
    touches: int = 0
    overrides: int = 0


def forget(session: Session, email: str, now: datetime) -> Forgotten:
    """Erase the personal data of the contact with this email, if the registry has them."""
    address = as_email(email)
    if address is None:
        raise ValueError(f"{email!r} is not an email address")
    contact = contact_by_email(session, address)
    if contact is None:
        return Forgotten(address, found=False)
    touch_ids = list(session.scalars(select(Touch.id).where(Touch.contact_id == contact.id)))
    session.execute(delete(TouchTag).where(TouchTag.touch_id.in_(touch_ids)))
    session.execute(
        update(Touch)
        .where(Touch.contact_id == contact.id)
        .values(topic="", summary="", link=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    override_ids = list(session.scalars(select(Override.id).where(Override.contact_id == contact.id)))
    session.execute(
        update(Override)
        .where(Override.id.in_(override_ids))
        .values(reason=ERASED_REASON)
        .execution_options(synchronize_session=False)
    )
    contact.email = contact.name = contact.role = None
    contact.erased_at = now
    return Forgotten(address, found=True, touches=len(touch_ids), overrides=len(override_ids))
