"""The log modal's layout: what it asks, filled in with what is known, and what it becomes.

Picking "Add …" in the contacts menu lays it out again with two more inputs (the new person's
name and role) under the contact; saving adds the contact to the account. Opened from a message
shortcut, it holds the message's text as the summary and its link as the link.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.limits import INPUT_LABEL, PRIVATE_METADATA, TEXT_INPUT
from messaging.mrkdwn import mrkdwn_escape
from research.addresses import plain
from research.log.menus import (
    ACCOUNT_ACTION,
    CONTACT_ACTION,
    NEW_PREFIX,
    account_option,
    contact_option,
    option,
    plain_text,
)
from research.registry import resolve
from research.services import ResearchServices
from research.touches import (
    ACCOUNT,
    CONTACT,
    DATE,
    KIND,
    LINK,
    REASON,
    SUMMARY,
    TAGS,
    TOPIC,
    TOPIC_MAX,
    Logged,
    TouchDraft,
)
from storage.models import Account, Contact, TouchKind

LOG_CALLBACK = "research_log"
NEW_NAME = "contact_name"
NEW_ROLE = "contact_role"
VALUE = "value"
REASON_HINT = "Only when a cooldown, an account limit or do-not-contact applies; the research owners see it."


def _input(
    block_id: str, label: str, element: JsonDict, *, optional: bool = False, hint: str | None = None
) -> JsonDict:
    block: JsonDict = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label[:INPUT_LABEL]),
        "element": {"action_id": VALUE, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint[:INPUT_LABEL])
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
    kinds = [option(kind.value.capitalize(), kind.value) for kind in TouchKind]
    link_element: JsonDict = {"type": "url_text_input"}
    if link:
        link_element["initial_value"] = link
    blocks = [
        _input(
            ACCOUNT,
            "Account",
            {
                **account_select,
                "action_id": ACCOUNT_ACTION,
                "placeholder": plain_text("Type a name or domain"),
            },
        ),
        {
            **_input(
                CONTACT,
                "Contact",
                {
                    **contact_select,
                    "action_id": CONTACT_ACTION,
                    "placeholder": plain_text("Type a name or email"),
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
        "title": plain_text("Log research"),
        "submit": plain_text("Log"),
        "close": plain_text("Cancel"),
        "blocks": blocks,
    }


def contact_picked(blocks: Sequence[JsonDict], picked: str) -> JsonDict | None:
    """The modal laid out for the contact just picked: with the new person's name and role
    under the contact for "Add …", without them otherwise; None when it is laid out so already.

    Slack keeps what was typed into inputs that stay (same block and action ids)."""
    adding = picked.startswith(NEW_PREFIX)
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
        "title": plain_text("Research logged"),
        "close": plain_text("Done"),
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
