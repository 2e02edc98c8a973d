"""An answer as mrkdwn: the copy a PM gets in their DM after submitting.

Every value goes through the templating filters that escape user text (``&``, ``<``, ``>``), so
an answer containing ``<!channel>`` or a disguised link shows as text and pings nobody. The
copy must fit one message (50 blocks, about 12,000 characters of text); a very long answer is
cut with a visible note rather than making the post fail.
"""

from __future__ import annotations

from messaging.gateway import Message
from messaging.layout import split_text
from rituals.definition.schema import RitualDefinition
from rituals.publish.templating import answer as answer_mrkdwn
from rituals.publish.templating import mrkdwn_escape
from storage.models import Answer

SECTION_MAX = 2900
MESSAGE_BLOCKS_MAX = 45
MESSAGE_TEXT_MAX = 11_000
CUT_NOTE = "_…the rest of this answer is too long for one message; it is saved in full._"


def field_lines(definition: RitualDefinition, values: dict[str, object]) -> list[str]:
    """One mrkdwn paragraph per field: the label in bold, then the answer (or a dash)."""
    lines = []
    for form_field in definition.form:
        shown = str(answer_mrkdwn(values.get(form_field.id), form_field)) or "—"
        lines.append(f"*{mrkdwn_escape(form_field.label)}*\n{shown}")
    return lines


def _sections(paragraphs: list[str]) -> list[str]:
    """Paragraphs packed into section texts of at most SECTION_MAX characters."""
    sections: list[str] = []
    current = ""
    for whole in paragraphs:
        # One huge answer is split at line or word breaks, never inside an escape or a link.
        *heads, paragraph = split_text(whole, SECTION_MAX) or [""]
        if heads:
            if current:
                sections.append(current)
                current = ""
            sections += heads
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) > SECTION_MAX:
            sections.append(current)
            current = paragraph
        else:
            current = candidate
    if current:
        sections.append(current)
    return sections


def answer_copy(definition: RitualDefinition, answer: Answer) -> Message:
    name = mrkdwn_escape(definition.name)
    intro = f"Here is a copy of your answer to *{name}* (version {answer.version})."
    if answer.version > 1:
        intro = f"Your answer to *{name}* is updated (version {answer.version}; earlier versions are kept)."
    if answer.late:
        intro += " The check-in had already closed, so it was added as a *late* answer."
    blocks: list[dict[str, object]] = [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}]
    used = len(intro)
    for text in _sections(field_lines(definition, answer.values)):
        if len(blocks) >= MESSAGE_BLOCKS_MAX or used + len(text) > MESSAGE_TEXT_MAX:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": CUT_NOTE}]})
            break
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        used += len(text)
    return Message(text=f"Your answer to {name} (version {answer.version})", blocks=blocks)
