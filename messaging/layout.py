"""Rendered mrkdwn → Slack messages that Slack accepts: split where the whole must be kept.

Slack limits a message to 50 blocks, a section's text to 3,000 characters and, undocumented,
the block text of a whole message to roughly 12,000 characters (`msg_blocks_too_long`); the
numbers are in `messaging.limits`. slack_sdk's block models check the per-block limits when
serialised; the per-message ones are checked here.

One policy for text that does not fit:

* **Split** (`compose`, `split_text`): a body that does not fit one message becomes a short
  parent post and replies in its thread, each within every limit; nothing is cut off. Every
  post, DM and preview is laid out this way.
* **Cut, clearly marked** (`cut_to_fit`, `one_message`): only where Slack offers no way to
  continue: a header, a button, a modal title, a notification fallback, the Home tab, an
  ephemeral answer to a command. The cut ends in "…" (or a line saying what was left out) and
  never falls inside an escape or a Slack token.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from core.types import JsonDict
from messaging.gateway import Message
from messaging.limits import FALLBACK_TEXT, HEADER_TEXT, MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET, SECTION_TEXT
from messaging.mrkdwn import mrkdwn_escape

#: What a cut ends with, so nobody mistakes cut text for the whole.
CUT_MARK = "…"
#: The line under a message that had to leave paragraphs out.
LEFT_OUT_NOTE = "_…more than one message can hold; the rest is left out here._"

# Never split inside an escape (&amp;) or a Slack token (<@U123>, <https://x|text>).
TOKEN_MAX = 502
_UNSPLITTABLE = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]{0,500}>")


@dataclass(frozen=True)
class SlackMessage:
    """One message: blocks plus the plain fallback shown in notifications."""

    text: str
    blocks: list[JsonDict] = field(default_factory=list)

    def as_message(self) -> Message:
        return Message(text=self.text, blocks=self.blocks)

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


def _block_text_length(block: JsonDict) -> int:
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


def split_text(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, split at paragraph, then line, then word breaks."""
    pieces: list[str] = []
    rest = text.strip("\n")
    while len(rest) > limit:
        window = rest[: limit + 1]
        forbidden = _cut_points(rest[: limit + TOKEN_MAX])
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


def cut_to_fit(text: str, limit: int) -> str:
    """`text`, or its start ending in "…" when it is longer than `limit` characters.

    Only for places where Slack offers no continuation (see the module's docstring); never
    cuts inside an escape or a Slack token, so what is left still renders.
    """
    if len(text) <= limit:
        return text
    cut = limit - len(CUT_MARK)
    # A token that starts before the cut may end after it: look far enough to see its end.
    inside = _cut_points(text[: limit + TOKEN_MAX])
    while cut > 0 and cut in inside:
        cut -= 1
    return text[:cut].rstrip() + CUT_MARK


def section(text: str) -> JsonDict:
    """A mrkdwn section block; `text` must already fit (split or cut it first)."""
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def context(text: str) -> JsonDict:
    """A context block with one mrkdwn line; `text` must already fit."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)]).to_dict()


def _header(text: str) -> JsonDict:
    return HeaderBlock(text=PlainTextObject(text=cut_to_fit(text, HEADER_TEXT))).to_dict()


def fallback_text(text: str) -> str:
    """The top-level `text` of a message: one line, cut to what a notification shows."""
    return cut_to_fit(" ".join(text.split()), FALLBACK_TEXT)


def sections(text: str) -> list[JsonDict]:
    """Sections holding `text`, split between lines where it is longer than a section allows."""
    return [section(part) for part in split_text(text, SECTION_TEXT)]


def _pack(blocks: Sequence[JsonDict], first_budget: tuple[int, int]) -> list[list[JsonDict]]:
    """Greedy packing into messages; the first message has less room (its header and footer)."""
    messages: list[list[JsonDict]] = [[]]
    blocks_left, text_left = first_budget
    for block in blocks:
        length = _block_text_length(block)
        if messages[-1] and (blocks_left < 1 or text_left < length):
            messages.append([])
            blocks_left, text_left = MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET
        messages[-1].append(block)
        blocks_left -= 1
        text_left -= length
    return messages


def compose(
    title: str,
    body: str,
    *,
    intro: str | None = None,
    footer: str | None = None,
    actions: Sequence[JsonDict] = (),
) -> SplitPost:
    """Lay out a titled mrkdwn body as one message, or a parent and thread replies.

    `intro` (mrkdwn, short) opens the first message under the title; `actions` (buttons) go at
    the end of the first message, under the footer.
    """
    head = [_header(title)] + ([section(cut_to_fit(intro, SECTION_TEXT))] if intro else [])
    tail = ([context(footer)] if footer else []) + list(actions)
    body_sections = sections(body)
    reserved_text = sum(_block_text_length(block) for block in head + tail)
    first_budget = (MESSAGE_BLOCKS - len(head) - len(tail), MESSAGE_TEXT_BUDGET - reserved_text)
    packed = _pack(body_sections, first_budget)
    if len(packed) == 1:
        blocks = head + packed[0] + tail
        text = fallback_text(f"{mrkdwn_escape(title)}: {body}")
        return SplitPost(SlackMessage(text=text, blocks=_validated(blocks)))
    # Too long for one message: a short parent that says so, and the whole body in the thread.
    total = len(packed)
    parent_note = section(f"The full text is in {total} replies in this thread.")
    name = mrkdwn_escape(title)
    parent = SlackMessage(text=fallback_text(name), blocks=_validated([*head, parent_note, *tail]))
    replies = [
        SlackMessage(
            text=fallback_text(f"{name} ({number}/{total})"),
            blocks=_validated([*chunk, context(f"{name} · part {number} of {total}")]),
        )
        for number, chunk in enumerate(
            _pack(body_sections, (MESSAGE_BLOCKS - 1, MESSAGE_TEXT_BUDGET - 200)), 1
        )
    ]
    return SplitPost(parent, replies)


def one_message(
    paragraphs: Sequence[str], separator: str = "\n", left_out: str = LEFT_OUT_NOTE
) -> list[JsonDict]:
    """mrkdwn paragraphs as the blocks of a message that cannot continue (an ephemeral answer).

    Packed into sections within one message's limits; what does not fit is left out, with one
    line saying so (`left_out`, which may say where to find the rest). Anything that can be a
    thread is laid out with `compose` instead.
    """
    blocks: list[JsonDict] = []
    used = 0
    for text in split_text(separator.join(paragraphs)):
        full = len(blocks) + 2 > MESSAGE_BLOCKS or used + len(text) + len(left_out) > MESSAGE_TEXT_BUDGET
        if full:
            blocks.append(context(left_out))
            break
        blocks.append(section(text))
        used += len(text)
    return blocks


def _validated(blocks: list[JsonDict]) -> list[JsonDict]:
    """Round-trip through slack_sdk's models, whose validators raise on any per-block limit."""
    if len(blocks) > MESSAGE_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks in one message (Slack allows {MESSAGE_BLOCKS})")
    parsed = [Block.parse(block) for block in blocks]
    if any(block is None for block in parsed):
        raise ValueError("an unknown block type would be dropped by Slack")
    return [block.to_dict() for block in parsed if block is not None]
