"""The whole compiled answers one click from the digest: a canvas for the run, or a file.

A digest leads with what leaders need and leaves the full answers out; an audience with
`full_answers: canvas` gets them in a Slack canvas created for the run, readable by the
audience's channels and linked in a reply under the digest. Where the workspace has no
standalone canvases (a free plan, canvases turned off, no `canvases:write`), the same Markdown
is shared as a file in that thread, through the outbox.

A `RunDocument` row per run and audience is created when the run closes; this tick step makes
the document once the digest is posted. The row is claimed (pending → creating) before Slack is
asked, so replicas never create two canvases; a canvas whose creation timed out (Slack may have
made it) is not tried again: the file is shared instead, which the outbox sends exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging.gateway import FileUpload, Message, OutcomeUnknown, RateLimited, Rejected, SlackGateway
from messaging.layout import section
from messaging.mrkdwn import link
from messaging.outbox import enqueue, enqueue_file
from rituals.definition.loading import RitualLibrary, UnknownRitual
from rituals.definition.schema import Audience, RitualDefinition
from rituals.export.markdown import to_markdown
from rituals.export.snapshot import export_run
from rituals.publish.digest import load_run_data
from rituals.publish.publisher import post_key
from storage.database import SessionFactory
from storage.models import Participant, Publication, PublicationStatus, Run, RunDocument
from storage.queries import changed_one_row, insert_ignoring_conflicts

log = logging.getLogger(__name__)

PENDING, CREATING, CANVAS, FILE = "pending", "creating", "canvas", "file"
DOCUMENT_KIND = "full-answers"


def plan_documents(session: Session, definition: RitualDefinition, run: Run, now: datetime) -> None:
    """One pending document per audience that keeps the full answers."""
    rows = [
        {"run_id": run.id, "audience": a.name, "state": PENDING, "created_at": now, "updated_at": now}
        for a in definition.audiences
        if a.full_answers == "canvas" and a.to
    ]
    if rows:
        insert_ignoring_conflicts(session, RunDocument, rows)


def document_markdown(session: Session, definition: RitualDefinition, run: Run) -> str:
    participants = session.scalars(
        select(Participant).where(Participant.run_id == run.id).order_by(Participant.id)
    )
    return to_markdown(
        definition, [export_run(definition, load_run_data(session, definition, run), list(participants))]
    )


class FullAnswers:
    """The tick step that makes each pending document once its digest has been posted."""

    def __init__(
        self, session_factory: SessionFactory, library: RitualLibrary, gateway: SlackGateway
    ) -> None:
        self._session_factory = session_factory
        self._library = library
        self._gateway = gateway

    def on_close(self, session: Session, run: Run, now: datetime) -> None:
        """The close hook: plan the run's documents (made once the digests are posted)."""
        try:
            plan_documents(session, self._library.get(run.ritual_id), run, now)
        except UnknownRitual:
            return

    def __call__(self, now: datetime) -> int:
        with self._session_factory() as session:
            due = (
                session.execute(
                    select(RunDocument.id)
                    .join(
                        Publication,
                        (Publication.run_id == RunDocument.run_id)
                        & (Publication.audience == RunDocument.audience),
                    )
                    .where(RunDocument.state == PENDING, Publication.status == PublicationStatus.PUBLISHED)
                    .order_by(RunDocument.id)
                    .limit(5)
                )
                .scalars()
                .all()
            )
        return sum(1 for document_id in due if self._make(document_id, now))

    def _make(self, document_id: int, now: datetime) -> bool:
        with self._session_factory.begin() as session:
            if not changed_one_row(
                session,
                update(RunDocument)
                .where(RunDocument.id == document_id, RunDocument.state == PENDING)
                .values(state=CREATING, updated_at=now),
            ):
                return False  # another replica has it
            document = session.get(RunDocument, document_id)
            assert document is not None
            run = session.get(Run, document.run_id)
            assert run is not None
            try:
                definition = self._library.get(run.ritual_id)
            except UnknownRitual:
                document.state, document.note = FILE, "the ritual was removed"
                return False
            audience = definition.audience(document.audience)
            markdown = document_markdown(session, definition, run)
        title = f"{definition.name} · {run.scheduled_for.astimezone(definition.zone):%d %b %Y} · all answers"
        try:
            canvas = self._gateway.create_canvas(title, markdown, audience.to)
        except RateLimited:
            self._set(document_id, now, state=PENDING)  # nothing was made; the next tick tries again
            return False
        except (Rejected, OutcomeUnknown) as error:
            log.info("no canvas for run %s (%s); sharing the answers as a file", run.id, error)
            day = run.scheduled_for.astimezone(definition.zone)
            upload = FileUpload(
                filename=f"{definition.id}-{day:%Y-%m-%d}-{audience.name}-run{run.id}.md",
                content=markdown.encode(),
                title=title,
                initial_comment="📄 Every answer in full.",
            )
            with self._session_factory.begin() as session:
                _reply_under_digests(session, run, audience, document_id, now, upload)
                self._set(document_id, now, state=FILE, note=str(error), session=session)
            return True
        text = f"📄 Every answer in full: {link(canvas.url, title)}"
        message = Message(text=text, blocks=[section(text)])
        with self._session_factory.begin() as session:
            self._set(document_id, now, state=CANVAS, canvas_id=canvas.id, url=canvas.url, session=session)
            _reply_under_digests(session, run, audience, document_id, now, message)
        return True

    def _set(
        self, document_id: int, now: datetime, *, session: Session | None = None, **values: object
    ) -> None:
        statement = update(RunDocument).where(RunDocument.id == document_id).values(updated_at=now, **values)
        if session is not None:
            session.execute(statement)
            return
        with self._session_factory.begin() as own:
            own.execute(statement)


def _reply_under_digests(
    session: Session,
    run: Run,
    audience: Audience,
    document_id: int,
    now: datetime,
    reply: Message | FileUpload,
) -> None:
    """The link (or the file) as a reply under the digest in each of the audience's channels."""
    for channel in audience.to:
        key, thread_of = f"doc:{document_id}:{channel}", _digest_key(session, run.id, audience, channel)
        if isinstance(reply, FileUpload):
            enqueue_file(
                session,
                key=key,
                kind=DOCUMENT_KIND,
                target=channel,
                upload=reply,
                now=now,
                run_id=run.id,
                thread_of=thread_of,
            )
        else:
            enqueue(
                session,
                key=key,
                kind=DOCUMENT_KIND,
                target=channel,
                message=reply,
                now=now,
                run_id=run.id,
                thread_of=thread_of,
            )


def _digest_key(session: Session, run_id: int, audience: Audience, channel: str) -> str:
    """The outbox key of the digest's first message in `channel`."""
    publication_id = session.scalar(
        select(Publication.id).where(Publication.run_id == run_id, Publication.audience == audience.name)
    )
    assert publication_id is not None, "documents are made after their digest is published"
    return post_key(publication_id, channel)
