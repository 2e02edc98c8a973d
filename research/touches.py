"""Logging a touch: check it against the rules, record it, and record an override when one is given.

A touch that breaks a rule is recorded only with a reason; without one the person is told which
rule and until when (in the modal, next to the reason box), and nothing is saved until they
either give a reason or change the touch. Logging is idempotent per source: Slack may deliver a
submission twice, and the second delivery finds the first touch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import UserFacingError
from research.config import ResearchRules
from research.overrides import record_override
from research.registry import Subject, add_contact, contact_by_email
from research.rules import Violation
from research.standing import Standing, standing
from storage.models import Account, OverrideStage, Touch, TouchKind, TouchTag
from storage.queries import insert_ignoring_conflicts

# The parts of a touch, also the modal's block ids, so an error lands next to its input.
ACCOUNT = "account"
CONTACT = "contact"
KIND = "kind"
DATE = "date"
TOPIC = "topic"
SUMMARY = "summary"
TAGS = "tags"
LINK = "link"
REASON = "reason"

TAG_MAX = 64
TAGS_MAX = 20
TOPIC_MAX = 200
# A link to notes or a recording; long enough for any real one, short enough for a message.
LINK_MAX = 2000
_TAG_SEPARATORS = re.compile(r"[;,\n]+")


def parse_tags(text: str | None) -> tuple[str, ...]:
    """Tags from `a; b, #c`: lower case, without `#`, each once, in the order given."""
    found = (part.strip().lstrip("#").strip().lower() for part in _TAG_SEPARATORS.split(text or ""))
    return tuple(dict.fromkeys(tag for tag in found if tag))


def tag_problem(tags: tuple[str, ...]) -> str | None:
    if len(tags) > TAGS_MAX:
        return f"At most {TAGS_MAX} tags."
    long = next((tag for tag in tags if len(tag) > TAG_MAX), None)
    return f"A tag has at most {TAG_MAX} characters: {long[:20]}…" if long else None


@dataclass(frozen=True)
class TouchDraft:
    account_id: int
    touched_on: date
    kind: TouchKind
    topic: str
    summary: str
    tags: tuple[str, ...] = ()
    link: str | None = None
    # An existing contact's email, or a new one's (then added to the account).
    contact_email: str | None = None
    new_contact_name: str | None = None
    new_contact_role: str | None = None
    reason: str | None = None


class InvalidTouch(UserFacingError):
    """Parts of the touch that cannot be saved as they are, by part (`CONTACT`: "...")."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class NeedsReason(UserFacingError):
    """The touch breaks a rule and no reason was given; nothing was saved."""

    def __init__(self, where: Standing) -> None:
        super().__init__("This touch breaks a research rule; give a reason to log it anyway.")
        self.standing = where


@dataclass(frozen=True)
class Logged:
    touch_id: int
    account: str
    violations: tuple[Violation, ...] = ()
    # False when this submission had been recorded already (a repeated delivery).
    created: bool = True


def record_touch(
    session: Session,
    rules: ResearchRules,
    draft: TouchDraft,
    by: str,
    source_key: str,
    now: datetime,
) -> Logged:
    """Save `draft` as a touch by `by`; `NeedsReason` when it breaks a rule without a reason."""
    earlier = session.scalar(select(Touch).where(Touch.source_key == source_key))
    if earlier is not None:
        account = session.get(Account, earlier.account_id)
        return Logged(earlier.id, account.name if account else "", created=False)
    # Locked, so two people logging at the same account are counted one after the other.
    account = session.get(Account, draft.account_id, with_for_update=True)
    if account is None:
        raise InvalidTouch({ACCOUNT: "That account is no longer in the registry; pick another."})
    contact = None
    if draft.contact_email:
        contact = contact_by_email(session, draft.contact_email)
        if contact is not None and contact.account_id != account.id:
            other = session.get(Account, contact.account_id)
            assert other is not None
            belongs = f"{other.name} ({other.domain}), not {account.name}"
            raise InvalidTouch({CONTACT: f"{draft.contact_email} is a contact of {belongs}."})
        if contact is None:
            contact = add_contact(
                session, account, draft.contact_email, draft.new_contact_name, draft.new_contact_role, now
            )
    subject = Subject(label=account.domain, account=account, contact=contact, email=draft.contact_email)
    where = standing(session, rules, subject, draft.touched_on)
    reason = (draft.reason or "").strip()
    if where.violations and not reason:
        raise NeedsReason(where)
    added = insert_ignoring_conflicts(
        session,
        Touch,
        [
            {
                "account_id": account.id,
                "contact_id": contact.id if contact else None,
                "touched_on": draft.touched_on,
                "kind": draft.kind.value,
                "by": by,
                "topic": draft.topic.strip(),
                "summary": draft.summary.strip(),
                "link": draft.link,
                "source_key": source_key,
                "created_at": now,
            }
        ],
    )
    touch = session.scalar(select(Touch).where(Touch.source_key == source_key))
    assert touch is not None
    if not added:  # the same submission, delivered twice at once
        return Logged(touch.id, account.name, created=False)
    insert_ignoring_conflicts(session, TouchTag, [{"touch_id": touch.id, "tag": tag} for tag in draft.tags])
    if where.violations:
        record_override(
            session,
            rules,
            stage=OverrideStage.LOG,
            account=account,
            contact_id=contact.id if contact else None,
            touch_id=touch.id,
            by=by,
            violations=where.violations,
            reason=reason,
            source_key=f"touch:{touch.id}",
            now=now,
        )
    return Logged(touch.id, account.name, where.violations)
