"""The "Log research" modal: its blocks, the options its menus suggest, and reading a submission.

Account and contact are external selects: Slack asks the app for options as the person types
(`block_suggestion`), so the menus search the whole registry rather than a list frozen into the
modal. Typing an email nobody has logged offers "Add …"; picking it adds two inputs (name and
role) under the contact, and saving adds the contact to the account. The same modal opens from
`/research log`, from the Home tab and from the "Log as research note" message shortcut, which
fills in the message's text as the summary and its link as the link.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.limits import (
    INPUT_LABEL,
    OPTION_TEXT,
    OPTION_VALUE,
    PRIVATE_METADATA,
    TEXT_INPUT,
)
from messaging.mrkdwn import mrkdwn_escape
from research.addresses import as_email, plain
from research.registry import matching_accounts, matching_contacts, resolve
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
    TOPIC_MAX,
    InvalidTouch,
    Logged,
    NeedsReason,
    TouchDraft,
    parse_tags,
    record_touch,
    tag_problem,
)
from storage.models import Account, Contact, TouchKind

LOG_CALLBACK = "research_log"
ACCOUNT_ACTION = "research_account"
CONTACT_ACTION = "research_contact"
NEW_NAME = "contact_name"
NEW_ROLE = "contact_role"
VALUE = "value"
OPTIONS_SHOWN = 20
REASON_HINT = "Only when a cooldown, an account limit or do-not-contact applies; the research owners see it."

_ACCOUNT_PREFIX = "account:"
_CONTACT_PREFIX = "contact:"
_NEW_PREFIX = "new:"


def _plain(text: str) -> JsonDict:
    return {"type": "plain_text", "text": text}


def _option(text: str, value: str) -> JsonDict:
    shown = text if len(text) <= OPTION_TEXT else text[: OPTION_TEXT - 1] + "…"
    return {"text": _plain(shown), "value": value}


def account_option(account: Account) -> JsonDict:
    return _option(f"{account.name} ({account.domain})", f"{_ACCOUNT_PREFIX}{account.id}")


def contact_option(contact: Contact) -> JsonDict:
    name = f"{contact.name} <{contact.email}>" if contact.name else str(contact.email)
    return _option(name, f"{_CONTACT_PREFIX}{contact.id}")


def _input(
    block_id: str, label: str, element: JsonDict, *, optional: bool = False, hint: str | None = None
) -> JsonDict:
    block: JsonDict = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label[:INPUT_LABEL]),
        "element": {"action_id": VALUE, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint[:INPUT_LABEL])
    return block


def _text(initial: str | None = None, *, multiline: bool = False, max_length: int = TEXT_INPUT) -> JsonDict:
    element: JsonDict = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def log_view(
    today: date,
    *,
    summary: str | None = None,
    link: str | None = None,
    account: Account | None = None,
    contact: Contact | None = None,
) -> JsonDict:
    """The modal, filled in with what is known (a message's text, an account already named)."""
    account_select: JsonDict = {"type": "external_select", "min_query_length": 1}
    if account is not None:
        account_select["initial_option"] = account_option(account)
    contact_select: JsonDict = {"type": "external_select", "min_query_length": 0}
    if contact is not None:
        contact_select["initial_option"] = contact_option(contact)
    kinds = [_option(kind.value.capitalize(), kind.value) for kind in TouchKind]
    link_element: JsonDict = {"type": "url_text_input"}
    if link:
        link_element["initial_value"] = link
    blocks = [
        _input(
            ACCOUNT,
            "Account",
            {**account_select, "action_id": ACCOUNT_ACTION, "placeholder": _plain("Type a name or domain")},
        ),
        {
            **_input(
                CONTACT,
                "Contact",
                {
                    **contact_select,
                    "action_id": CONTACT_ACTION,
                    "placeholder": _plain("Type a name or email"),
                },
                optional=True,
                hint="Type a new person's email to add them.",
            ),
            # Picking "Add …" shows the new person's name and role right away.
            "dispatch_action": True,
        },
        _input(KIND, "Kind", {"type": "static_select", "options": kinds, "initial_option": kinds[0]}),
        _input(DATE, "Date", {"type": "datepicker", "initial_date": today.isoformat()}),
        _input(TOPIC, "Topic", _text(max_length=TOPIC_MAX)),
        _input(
            SUMMARY,
            "Summary",
            _text(summary, multiline=True),
            hint="What you learned. Searchable by everyone.",
        ),
        _input(
            TAGS,
            "Tags",
            _text(max_length=500),
            optional=True,
            hint="Separated by commas, e.g. pricing, onboarding",
        ),
        _input(LINK, "Link to notes or recording", link_element, optional=True),
        _input(
            REASON,
            "Reason, if this breaks a research rule",
            _text(multiline=True, max_length=1000),
            optional=True,
            hint=REASON_HINT,
        ),
    ]
    return _modal(blocks)


def _modal(blocks: list[JsonDict]) -> JsonDict:
    return {
        "type": "modal",
        "callback_id": LOG_CALLBACK,
        "title": _plain("Log research"),
        "submit": _plain("Log"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def contact_picked(blocks: Sequence[JsonDict], picked: str) -> JsonDict | None:
    """The modal laid out for the contact just picked: with the new person's name and role
    under the contact for "Add …", without them otherwise; None when it is laid out so already.

    Slack keeps what was typed into inputs that stay (same block and action ids)."""
    adding = picked.startswith(_NEW_PREFIX)
    has_fields = any(block.get("block_id") == NEW_NAME for block in blocks)
    if adding == has_fields:
        return None
    kept = [block for block in blocks if block.get("block_id") not in (NEW_NAME, NEW_ROLE)]
    if not adding:
        return _modal(kept)
    at = next(i for i, block in enumerate(kept) if block.get("block_id") == CONTACT) + 1
    fields = [
        _input(NEW_NAME, "New contact's name", _text(max_length=200), optional=True),
        _input(NEW_ROLE, "New contact's role", _text(max_length=200), optional=True),
    ]
    return _modal([*kept[:at], *fields, *kept[at:]])


# --- what the menus suggest ----------------------------------------------------------------


def account_options(services: ResearchServices, typed: str) -> list[JsonDict]:
    """The accounts menu's options for what is typed so far."""
    with services.session_factory() as session:
        return [account_option(account) for account in matching_accounts(session, typed, OPTIONS_SHOWN)]


def contact_options(services: ResearchServices, typed: str, account_id: int | None) -> list[JsonDict]:
    """Known contacts matching `typed` (in the chosen account, if any), and "Add …" for a new email."""
    with services.session_factory() as session:
        contacts = matching_contacts(session, typed, account_id, OPTIONS_SHOWN)
    options = [contact_option(contact) for contact in contacts]
    email = as_email(typed)
    value = f"{_NEW_PREFIX}{email}"
    if email and all(contact.email != email for contact in contacts) and len(value) <= OPTION_VALUE:
        options.insert(0, _option(f"Add {email} as a new contact", value))
    return options


def chosen_account(values: Mapping[str, Mapping[str, Any]], blocks: Sequence[JsonDict] = ()) -> int | None:
    """The account picked so far in a modal (the contacts menu narrows to it): in its state, or
    the one it opened with."""
    option = (values.get(ACCOUNT, {}).get(ACCOUNT_ACTION) or {}).get("selected_option")
    if not option:
        block = next((block for block in blocks if block.get("block_id") == ACCOUNT), {})
        option = block.get("element", {}).get("initial_option")
    value = str((option or {}).get("value", ""))
    return int(value.removeprefix(_ACCOUNT_PREFIX)) if value.startswith(_ACCOUNT_PREFIX) else None


# --- reading a submission ------------------------------------------------------------------


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
    if picked.startswith(_NEW_PREFIX):
        contact_email = picked.removeprefix(_NEW_PREFIX)
        name, role = _text_value(values, NEW_NAME) or None, _text_value(values, NEW_ROLE) or None
    elif picked.startswith(_CONTACT_PREFIX):
        contact = session.get(Contact, int(picked.removeprefix(_CONTACT_PREFIX)))
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


def logged_view(logged: Logged, draft: TouchDraft) -> JsonDict:
    """What the modal turns into once the touch is saved."""
    what = f"*{draft.kind.value.capitalize()}* with *{mrkdwn_escape(logged.account)}* on {draft.touched_on}"
    lines = [f"✅ Logged: {what} — {mrkdwn_escape(draft.topic)}"]
    if logged.violations:
        lines.append("Your reason is recorded with the touch, and the research owners were told.")
    lines.append("Find it with `/research search`, and see the account with `/research check`.")
    return {
        "type": "modal",
        "callback_id": f"{LOG_CALLBACK}_done",
        "title": _plain("Research logged"),
        "close": _plain("Done"),
        "private_metadata": json.dumps({"touch": logged.touch_id})[:PRIVATE_METADATA],
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
    }


def summary_from_message(text: str) -> str:
    """A Slack message's text as a person would type it: links and mentions plain, `&lt;` as `<`."""
    return plain(text)[:TEXT_INPUT]


def opening_view(
    services: ResearchServices, text: str = "", *, summary: str | None = None, link: str | None = None
) -> JsonDict:
    """The modal for `/research log [ACCOUNT|EMAIL]`: the account (and person) named filled in.

    Text that names nothing known opens the modal empty rather than refusing: the menus find it."""
    account = contact = None
    if text.strip():
        with services.session_factory() as session:
            try:
                subject = resolve(session, text)
            except UserFacingError:
                subject = None
            if subject is not None:
                account, contact = subject.account, subject.contact
    return log_view(services.today(), summary=summary, link=link, account=account, contact=contact)
