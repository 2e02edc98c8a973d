"""Email addresses, domains and Slack user ids as people type them.

Slack may hand typed text over formatted (`<mailto:jane@acme.com|jane@acme.com>`,
`<http://acme.com|acme.com>`, `<@U0PM00001|ana>`), so that is undone first. Addresses and
domains are compared in lower case everywhere.
"""

from __future__ import annotations

import html
import re

_SLACK_LINK = re.compile(r"<(?:mailto:|https?://)?([^<>|]+)(?:\|[^<>]*)?>")
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_EMAIL = re.compile(r"[^@\s<>,;:|]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def plain(text: str) -> str:
    """Text as typed: without Slack's link and mention formatting, and with the `&amp;`, `&lt;`
    and `&gt;` Slack writes for typed `&`, `<` and `>` turned back."""
    text = _SLACK_MENTION.sub(r"\1", text)
    return html.unescape(_SLACK_LINK.sub(r"\1", text)).strip()


def as_email(text: str) -> str | None:
    candidate = plain(text).lower()
    return candidate if _EMAIL.fullmatch(candidate) else None


def as_domain(text: str) -> str | None:
    candidate = plain(text).lower().removeprefix("www.").rstrip("/")
    return candidate if _DOMAIN.fullmatch(candidate) else None


def as_person(text: str) -> str | None:
    """Someone at our company: a Slack user id (`U…`, `@U…`, `<@U…|name>`) or an email address."""
    candidate = plain(text).lstrip("@")
    if _USER_ID.fullmatch(candidate):
        return candidate
    return as_email(candidate)


def email_domain(email: str) -> str:
    return email.rpartition("@")[2]
