"""Reading the log modal's submission and saving the touch it describes.

Each problem goes next to its input; a touch that breaks a rule without a reason is refused
next to the reason box, naming the rule and until when. Saving is idempotent per modal: Slack
may deliver a submission twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from core.types import JsonDict
from research.log.menus import CONTACT_ACTION, CONTACT_PREFIX, NEW_PREFIX, chosen_account
from research.log.modal import NEW_NAME, NEW_ROLE, VALUE, logged_view
from research.rules import describe
from research.services import ResearchServices
from research.touches import (
    ACCOUNT,
    CONTACT,
    DATE,
    KIND,
    LINK,
    LINK_MAX,
    REASON,
    SUMMARY,
    TAGS,
    TOPIC,
    InvalidTouch,
    NeedsReason,
    TouchDraft,
    parse_tags,
    record_touch,
    tag_problem,
)
from storage.models import Contact, TouchKind


def _value(values: Mapping[str, Mapping[str, Any]], block: str, action: str = VALUE) -> Any:
    return values.get(block, {}).get(action) or {}


def _text_value(values: Mapping[str, Mapping[str, Any]], block: str) -> str:
    return str(_value(values, block).get("value") or "").strip()


def read_draft(
    session: Session, values: Mapping[str, Mapping[str, Any]], today: date
) -> tuple[TouchDraft | None, dict[str, str]]:
    """The touch the modal describes, or the problems next to each input."""
    errors: dict[str, str] = {}
    account_id = chosen_account(values)
    if account_id is None:
        errors[ACCOUNT] = "Pick the account."
    contact_email, name, role = None, None, None
    picked = str((_value(values, CONTACT, CONTACT_ACTION).get("selected_option") or {}).get("value") or "")
    if picked.startswith(NEW_PREFIX):
        contact_email = picked.removeprefix(NEW_PREFIX)
        name, role = _text_value(values, NEW_NAME) or None, _text_value(values, NEW_ROLE) or None
    elif picked.startswith(CONTACT_PREFIX):
        contact = session.get(Contact, int(picked.removeprefix(CONTACT_PREFIX)))
        if contact is None or contact.email is None:
            errors[CONTACT] = "That contact is no longer in the registry; pick another."
        else:
            contact_email = contact.email
    kind_value = str((_value(values, KIND).get("selected_option") or {}).get("value") or "")
    kind = TouchKind(kind_value) if kind_value in {kind.value for kind in TouchKind} else None
    if kind is None:
        errors[KIND] = "Pick what kind of touch it was."
    picked_date = _value(values, DATE).get("selected_date")
    touched_on = date.fromisoformat(picked_date) if picked_date else None
    if touched_on is None:
        errors[DATE] = "Pick the day it happened."
    elif touched_on > today:
        errors[DATE] = "Log a touch once it has happened; before reaching out, use /research plan."
    topic, summary = _text_value(values, TOPIC), _text_value(values, SUMMARY)
    if not topic:
        errors[TOPIC] = "Give the topic."
    if not summary:
        errors[SUMMARY] = "Say what you learned."
    tags = parse_tags(_text_value(values, TAGS))
    if problem := tag_problem(tags):
        errors[TAGS] = problem
    link = _text_value(values, LINK) or None
    if link and urlsplit(link).scheme not in ("http", "https"):
        errors[LINK] = "Give an http(s) link."
    elif link and len(link) > LINK_MAX:
        errors[LINK] = f"A link has at most {LINK_MAX} characters."
    if errors or account_id is None or kind is None or touched_on is None:
        return None, errors
    draft = TouchDraft(
        account_id=account_id,
        touched_on=touched_on,
        kind=kind,
        topic=topic,
        summary=summary,
        tags=tags,
        link=link,
        contact_email=contact_email,
        new_contact_name=name,
        new_contact_role=role,
        reason=_text_value(values, REASON) or None,
    )
    return draft, {}


@dataclass(frozen=True)
class SubmitOutcome:
    errors: dict[str, str]
    view: JsonDict | None = None


def submit(
    services: ResearchServices, user_id: str, view_id: str, values: Mapping[str, Mapping[str, Any]]
) -> SubmitOutcome:
    """Save the modal's touch (once per view, however often Slack delivers it)."""
    # A refusal leaves the transaction by exception, so a contact added on the way is undone.
    try:
        with services.session_factory.begin() as session:
            draft, errors = read_draft(session, values, services.today())
            if draft is None:
                return SubmitOutcome(errors)
            now = services.clock.now()
            logged = record_touch(session, services.rules, draft, user_id, f"slack:{view_id}", now)
    except InvalidTouch as error:
        return SubmitOutcome(error.errors)
    except NeedsReason as needs:
        broken = "; ".join(describe(v, who=None) for v in needs.standing.violations)
        return SubmitOutcome({REASON: f"This touch is {broken}. Give a reason to log it anyway."})
    return SubmitOutcome({}, logged_view(logged, draft))
