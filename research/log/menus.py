"""The log modal's account and contact menus: external selects that Slack fills from the app.

Slack sends what the person has typed so far (`block_suggestion`) and shows the options the app
answers within three seconds, so each answer is one indexed query over the whole registry. The
contacts menu narrows to the account chosen; typing an email nobody has logged offers "Add …".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.types import JsonDict
from messaging.limits import OPTION_TEXT, OPTION_VALUE
from research.addresses import as_email
from research.registry import matching_accounts, matching_contacts
from research.services import ResearchServices
from research.touches import ACCOUNT
from storage.models import Account, Contact

ACCOUNT_ACTION = "research_account"
CONTACT_ACTION = "research_contact"
OPTIONS_SHOWN = 20

ACCOUNT_PREFIX = "account:"
CONTACT_PREFIX = "contact:"
NEW_PREFIX = "new:"


def plain_text(text: str) -> JsonDict:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> JsonDict:
    shown = text if len(text) <= OPTION_TEXT else text[: OPTION_TEXT - 1] + "…"
    return {"text": plain_text(shown), "value": value}


def account_option(account: Account) -> JsonDict:
    return option(f"{account.name} ({account.domain})", f"{ACCOUNT_PREFIX}{account.id}")


def contact_option(contact: Contact) -> JsonDict:
    name = f"{contact.name} <{contact.email}>" if contact.name else str(contact.email)
    return option(name, f"{CONTACT_PREFIX}{contact.id}")


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
    value = f"{NEW_PREFIX}{email}"
    if email and all(contact.email != email for contact in contacts) and len(value) <= OPTION_VALUE:
        options.insert(0, option(f"Add {email} as a new contact", value))
    return options


def chosen_account(values: Mapping[str, Mapping[str, Any]], blocks: Sequence[JsonDict] = ()) -> int | None:
    """The account picked so far in a modal (the contacts menu narrows to it): in its state, or
    the one it opened with."""
    picked = (values.get(ACCOUNT, {}).get(ACCOUNT_ACTION) or {}).get("selected_option")
    if not picked:
        block = next((block for block in blocks if block.get("block_id") == ACCOUNT), {})
        picked = block.get("element", {}).get("initial_option")
    value = str((picked or {}).get("value", ""))
    return int(value.removeprefix(ACCOUNT_PREFIX)) if value.startswith(ACCOUNT_PREFIX) else None
