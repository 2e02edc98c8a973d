"""Rendered mrkdwn → Slack messages that Slack accepts, split instead of truncated.

Slack limits a message to 50 blocks, a section's text to 3,000 characters and, undocumented,
the block text of a whole message to roughly 12,000 characters (`msg_blocks_too_long`).
slack_sdk's block models check the per-block limits when serialised; the per-message ones are
checked here. A body that does not fit one message becomes a short parent post and replies in
its thread, each within every limit; nothing is ever cut off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

MESSAGE_BLOCKS_MAX = 50
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
# Slack refuses a message at about 12,000 characters of block text; leave room for the
# characters its own accounting adds around blocks.
MESSAGE_TEXT_BUDGET = 11_000
FALLBACK_TEXT_MAX = 3000

# Never split inside an escape (&amp;) or a Slack token (<@U123>, <https://x|text>).
_UNSPLITTABLE = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]{0,500}>")


@dataclass(frozen=True)
class SlackMessage:
    """One message: blocks plus the plain fallback shown in notifications."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def block_text_length(self) -> int:
        return sum(_block_text_length(block) for block in self.blocks)


@dataclass(frozen=True)
class SplitPost:
    """A parent message and, when the body needed more room, replies for its thread."""

    parent: SlackMessage
    replies: list[SlackMessage] = field(default_factory=list)

    @property
    def messages(self) -> list[SlackMessage]:
        return [self.parent, *self.replies]


def _block_text_length(block: dict[str, Any]) -> int:
    total = 0
    text = block.get("text")
    if isinstance(text, dict):
        total += len(text.get("text", ""))
    for element in block.get("elements", []) or []:
        if isinstance(element, dict) and "text" in element and isinstance(element["text"], str):
            total += len(element["text"])
    for item in block.get("fields", []) or []:
        total += len(item.get("text", ""))
    return total


def _cut_points(text: str) -> set[int]:
    """Offsets inside escapes and Slack tokens, where a split would break the markup."""
    inside: set[int] = set()
    for match in _UNSPLITTABLE.finditer(text):
        inside.update(range(match.start() + 1, match.end()))
    return inside


def split_text(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Pieces of at most `limit` characters, split at paragraph, then line, then word breaks."""
    pieces: list[str] = []
    rest = text.strip("\n")
    while len(rest) > limit:
        window = rest[: limit + 1]
        forbidden = _cut_points(rest[: limit + 200])
        cut = -1
        for separator in ("\n\n", "\n", " "):
            position = window.rfind(separator)
            while position > 0 and position in forbidden:
                position = window.rfind(separator, 0, position)
            if position > limit // 4:
                cut = position
                break
        if cut <= 0:
            cut = limit
            while cut > 0 and cut in forbidden:
                cut -= 1
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        pieces.append(rest)
    return pieces


def _section(text: str) -> dict[str, Any]:
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def _header(text: str) -> dict[str, Any]:
    clipped = text if len(text) <= HEADER_TEXT_MAX else text[: HEADER_TEXT_MAX - 1] + "…"
    return HeaderBlock(text=PlainTextObject(text=clipped)).to_dict()


def _context(text: str) -> dict[str, Any]:
    return ContextBlock(elements=[MarkdownTextObject(text=text)]).to_dict()


def _fallback(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= FALLBACK_TEXT_MAX else flat[: FALLBACK_TEXT_MAX - 1] + "…"


def _sections(body: str) -> Iterator[dict[str, Any]]:
    for paragraph_group in split_text(body, SECTION_TEXT_MAX):
        yield _section(paragraph_group)


def _pack(blocks: Sequence[dict[str, Any]], first_budget: tuple[int, int]) -> list[list[dict[str, Any]]]:
    """Greedy packing into messages; the first message has less room (its header and footer)."""
    messages: list[list[dict[str, Any]]] = [[]]
    blocks_left, text_left = first_budget
    for block in blocks:
        length = _block_text_length(block)
        if messages[-1] and (blocks_left < 1 or text_left < length):
            messages.append([])
            blocks_left, text_left = MESSAGE_BLOCKS_MAX, MESSAGE_TEXT_BUDGET
        messages[-1].append(block)
        blocks_left -= 1
        text_left -= length
    return messages


def compose(
    title: str, body: str, *, footer: str | None = None, actions: Sequence[dict[str, Any]] = ()
) -> SplitPost:
    """Lay out a titled mrkdwn body as one message, or a parent and thread replies.

    `actions` (buttons) go at the end of the first message, under the footer.
    """
    head = [_header(title)]
    tail = ([_context(footer)] if footer else []) + list(actions)
    sections = list(_sections(body))
    reserved_text = sum(_block_text_length(block) for block in head + tail)
    first_budget = (MESSAGE_BLOCKS_MAX - len(head) - len(tail), MESSAGE_TEXT_BUDGET - reserved_text)
    packed = _pack(sections, first_budget)
    if len(packed) == 1:
        blocks = head + packed[0] + tail
        return SplitPost(SlackMessage(text=_fallback(f"{title}: {body}"), blocks=_validated(blocks)))
    # Too long for one message: a short parent that says so, and the whole body in the thread.
    total = len(packed)
    parent_note = _section(f"The full text is in {total} replies in this thread.")
    parent = SlackMessage(text=_fallback(title), blocks=_validated([*head, parent_note, *tail]))
    replies = [
        SlackMessage(
            text=_fallback(f"{title} ({number}/{total})"),
            blocks=_validated([*chunk, _context(f"{title} · part {number} of {total}")]),
        )
        for number, chunk in enumerate(
            _pack(sections, (MESSAGE_BLOCKS_MAX - 1, MESSAGE_TEXT_BUDGET - 200)), 1
        )
    ]
    return SplitPost(parent, replies)


def _validated(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round-trip through slack_sdk's models, whose validators raise on any per-block limit."""
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        raise ValueError(f"{len(blocks)} blocks in one message (Slack allows {MESSAGE_BLOCKS_MAX})")
    parsed = [Block.parse(block) for block in blocks]
    if any(block is None for block in parsed):
        raise ValueError("an unknown block type would be dropped by Slack")
    return [block.to_dict() for block in parsed if block is not None]
