"""An answer as mrkdwn: the copy a PM gets in their DM after submitting.

Every value goes through the templating filters that escape user text (``&``, ``<``, ``>``), so
an answer containing ``<!channel>`` or a disguised link shows as text and pings nobody. A DM can
continue in a thread, so a copy too long for one message is laid out like a digest: a parent
post and the rest of the answer in its thread, nothing cut off.
"""

from __future__ import annotations

from messaging.layout import SplitPost, compose
from rituals.definition.schema import RitualDefinition
from rituals.publish.templating import answer as answer_mrkdwn
from rituals.publish.templating import mrkdwn_escape
from storage.models import Answer


def field_lines(definition: RitualDefinition, values: dict[str, object]) -> list[str]:
    """One mrkdwn paragraph per field: the label in bold, then the answer (or a dash)."""
    lines = []
    for form_field in definition.form:
        shown = str(answer_mrkdwn(values.get(form_field.id), form_field)) or "—"
        lines.append(f"*{mrkdwn_escape(form_field.label)}*\n{shown}")
    return lines


def answer_copy(definition: RitualDefinition, answer: Answer) -> SplitPost:
    name = mrkdwn_escape(definition.name)
    intro = f"Here is a copy of your answer to *{name}* (version {answer.version})."
    if answer.version > 1:
        intro = f"Your answer to *{name}* is updated (version {answer.version}; earlier versions are kept)."
    if answer.late:
        intro += " The check-in had already closed, so it was added as a *late* answer."
    body = "\n\n".join(field_lines(definition, answer.values))
    return compose(f"Your answer: {definition.name}", body, intro=intro)
