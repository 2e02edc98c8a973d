"""Slack mrkdwn from untrusted text: escaping, and the few tokens we build on purpose.

Slack treats `&`, `<` and `>` as control characters; escaping those three (and nothing else)
neutralises every injection a person could type into a post: `<!channel>`, `<@U…>`,
`<!subteam^S…>` and disguised links such as `<https://evil|innocent>` all need a literal `<`.
Mentions and links that the bot means to make are built here, and only from values that look
like what they claim to be; anything else comes out as escaped text.
"""

from __future__ import annotations

import re

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_SAFE_URL = re.compile(r"(https?://|mailto:)[^\s<>|]+")


def mrkdwn_escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters, and nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def without_bold(text: str) -> str:
    """A mrkdwn message for a place Slack shows as plain text (a modal's inline error)."""
    return text.replace("*", "")


def user_mention(user_id: str) -> str:
    """`<@U…>`: a deliberate ping. Anything that is not a user id is shown as escaped text."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else mrkdwn_escape(user_id)


def channel_mention(ref: str) -> str:
    """`<#C…>` for a channel id, `#name` (escaped, not a link) for a channel name."""
    if _CHANNEL_ID.fullmatch(ref):
        return f"<#{ref}>"
    return mrkdwn_escape("#" + ref.lstrip("#"))


def link(url: str, text: str | None = None) -> str:
    """`<url|text>` for an http(s) or mailto URL; anything else is escaped text, not a link."""
    if _SAFE_URL.fullmatch(url):
        label = f"|{mrkdwn_escape(text)}" if text else ""
        return f"<{mrkdwn_escape(url)}{label}>"
    if not text:
        return mrkdwn_escape(url)
    return mrkdwn_escape(f"{text} ({url})")
