"""An answer as mrkdwn: the copy a PM gets in their DM after submitting.

Every value goes through the templating filters that escape user text (``&``, ``<``, ``>``), so
an answer containing ``<!channel>`` or a disguised link shows as text and pings nobody. A DM can
continue in a thread, so a copy too long for one message is laid out like a digest: a parent
post and the rest of the answer in its thread, nothing cut off.

The submission only queues the copy, by the answer's id; the outbox sender lays it out when it
sends it (`AnswerCopies`), so at a deadline rush Slack's acknowledgements do not wait on it.
"""

from __future__ import annotations

from messaging.layout import SplitPost, compose
from messaging.outbox import CannotCompose
from rituals.definition.loading import RitualLibrary, UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.publish.templating import answer as answer_mrkdwn
from rituals.publish.templating import mrkdwn_escape
from storage.database import SessionFactory
from storage.models import Answer

# The outbox composer that lays out answer copies (`messaging.outbox.enqueue_composed`).
ANSWER_COPY = "answer-copy"


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


class AnswerCopies:
    """The outbox's composer of answer copies: the copy of the answer whose id a row names."""

    def __init__(self, session_factory: SessionFactory, library: RitualLibrary) -> None:
        self._session_factory = session_factory
        self._library = library

    def __call__(self, answer_id: str | int) -> SplitPost:
        with self._session_factory() as session:
            answer = session.get(Answer, int(answer_id))
        if answer is None:
            raise CannotCompose(f"answer {answer_id} no longer exists")
        try:
            definition = self._library.get(answer.ritual_id)
        except UnknownRitual:
            raise CannotCompose(f"the ritual {answer.ritual_id!r} has been retired") from None
        return answer_copy(definition, answer)
