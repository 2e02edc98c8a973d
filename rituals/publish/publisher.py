"""Publishing: a closed run's posts for each audience, through approval and the outbox.

On close every audience gets a `Publication` (unique per run and audience) holding the rendered
text. An audience without approval is posted at once; one with `approval: owner` waits: each
owner gets a preview with Approve, Edit and Reject, and only an approved version is posted.
A later change (a late answer, an owner's edit) raises the publication's version; once that
version is approved it updates the posted messages in place, marked as edited. Every Slack
write is an outbox delivery keyed by publication, channel, part and version, so repeating a
close, an approval or a crash half-way never posts anything twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import UserFacingError
from messaging.gateway import FileUpload, Message
from messaging.layout import SplitPost, compose
from messaging.outbox import enqueue, enqueue_file, enqueue_split, enqueue_webhook
from rituals.definition.loading import RitualLibrary
from rituals.definition.schema import Audience, RitualDefinition
from rituals.export.export_button import export_button
from rituals.publish.approval_preview import decided_preview, preview_message
from rituals.publish.contributions import DigestContribution, DigestFiles
from rituals.publish.digest import RunData, compile_context, load_run_data
from rituals.publish.templating import render_template
from storage.models import Delivery, Publication, PublicationStatus, Run
from storage.queries import insert_ignoring_conflicts

log = logging.getLogger(__name__)

REMOVED_PART = "_This part was removed in a later edit._"


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def render(
    library: RitualLibrary,
    definition: RitualDefinition,
    data: RunData,
    audience: Audience,
    contributions: Sequence[DigestContribution] = (),
    session: Session | None = None,
) -> Rendered:
    context = compile_context(definition, data, audience)
    if session is not None:
        # Only what the template reads is computed: each part may cost queries.
        reads = library.loaded(definition.id).reads(audience)
        for contribution in contributions:
            if contribution.name in context:
                raise ValueError(
                    f"digest contribution {contribution.name!r} would hide the compiled {contribution.name!r}"
                )
            if reads is None or contribution.name in reads:
                context[contribution.name] = contribution.context(session, definition, data.run, audience)
    body = render_template(library.loaded(definition.id).templates, audience.template_name, context)
    opened = data.run.scheduled_for.astimezone(definition.zone)
    return Rendered(title=f"{definition.name} · {opened:%d %b %Y}", body=body.strip())


def post_key(publication_id: int, channel: str, part: int = 0) -> str:
    """The outbox key of one part of a publication's post in a channel (part 0: the first)."""
    return f"pub:{publication_id}:{channel}:part{part}"


def _post_key(publication: Publication, channel: str, part: int) -> str:
    return post_key(publication.id, channel, part)


class Publisher:
    def __init__(
        self,
        library: RitualLibrary,
        contributions: Sequence[DigestContribution] = (),
        files: Sequence[DigestFiles] = (),
    ) -> None:
        self._library = library
        self._contributions = tuple(contributions)
        self._files = tuple(files)

    # --- the close hook ------------------------------------------------------------------------

    def on_close(self, session: Session, run: Run, now: datetime) -> None:
        """Create each audience's publication; post it, or ask the owners to approve it."""
        definition = self._library.get(run.ritual_id)
        data = load_run_data(session, definition, run)
        for audience in definition.audiences:
            rendered = render(self._library, definition, data, audience, self._contributions, session)
            insert_ignoring_conflicts(
                session,
                Publication,
                [
                    {
                        "run_id": run.id,
                        "audience": audience.name,
                        "status": PublicationStatus.AWAITING_APPROVAL.value,
                        "title": rendered.title,
                        "body": rendered.body,
                        "version": 1,
                        "approved_version": 0,
                        "published_version": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
            publication = self._publication(session, run.id, audience.name)
            self._advance(session, definition, audience, publication, now)

    # --- decisions -----------------------------------------------------------------------------

    def approve(
        self, session: Session, publication_id: int, version: int, by: str, now: datetime
    ) -> Publication:
        publication, definition, audience = self._locked(session, publication_id)
        _check_current(publication, version)
        if publication.approved_version >= version:
            return publication  # approved already (a double click, or Slack retrying)
        publication.approved_version = version
        publication.decided_by, publication.decided_at = by, now
        self._sync(session, definition, audience, publication, now)
        self._close_previews(session, definition, publication, f"Approved by <@{by}>", now)
        return publication

    def reject(
        self, session: Session, publication_id: int, version: int, by: str, now: datetime
    ) -> Publication:
        publication, definition, _ = self._locked(session, publication_id)
        _check_current(publication, version)
        if publication.status is PublicationStatus.REJECTED or publication.approved_version >= version:
            return publication
        # A rejected change leaves whatever was posted before as it is.
        publication.status = PublicationStatus.REJECTED
        publication.decided_by, publication.decided_at = by, now
        self._close_previews(
            session, definition, publication, f"Rejected by <@{by}>; nothing was posted", now
        )
        return publication

    def edit(
        self,
        session: Session,
        publication_id: int,
        body: str,
        by: str,
        now: datetime,
        *,
        from_version: int | None = None,
    ) -> Publication:
        """An owner's new text: a new version, which needs approval like any other.

        `from_version` is the version the owner started from; when the post has changed since
        (a late answer re-rendered it), the edit would drop that change, so it is refused with
        `StaleEdit`, as a stale preview's Approve and Reject are.
        """
        publication, definition, audience = self._locked(session, publication_id)
        if from_version is not None and from_version != publication.version:
            raise StaleEdit(publication.version, publication.body, publication.change_note)
        if body.strip() == publication.body.strip():
            return publication
        self._close_previews(session, definition, publication, f"Replaced by an edit from <@{by}>", now)
        publication.body = body.strip()
        publication.version += 1
        publication.edited_by, publication.change_note = by, f"edited by <@{by}>"
        publication.status = PublicationStatus.AWAITING_APPROVAL
        publication.updated_at = now
        self._advance(session, definition, audience, publication, now)
        return publication

    def refresh(self, session: Session, run: Run, why: str, now: datetime) -> None:
        """Re-render a closed run's publications after its answers changed (a late answer)."""
        definition = self._library.get(run.ritual_id)
        data = load_run_data(session, definition, run)
        for audience in definition.audiences:
            publication = session.scalar(
                select(Publication)
                .where(Publication.run_id == run.id, Publication.audience == audience.name)
                .with_for_update()
            )
            if publication is None:
                continue
            rendered = render(self._library, definition, data, audience, self._contributions, session)
            if rendered.body == publication.body:
                continue
            if publication.approved_version < publication.version:
                self._close_previews(session, definition, publication, "Replaced by a newer version", now)
            publication.body = rendered.body
            publication.version += 1
            publication.change_note = why
            publication.updated_at = now
            if publication.status is PublicationStatus.REJECTED:
                publication.status = PublicationStatus.AWAITING_APPROVAL
            self._advance(session, definition, audience, publication, now)

    # --- internals -----------------------------------------------------------------------------

    def _advance(
        self,
        session: Session,
        definition: RitualDefinition,
        audience: Audience,
        publication: Publication,
        now: datetime,
    ) -> None:
        if audience.approval == "owner":
            if publication.approved_version < publication.version:
                self._queue_previews(session, definition, audience, publication, now)
            return
        publication.approved_version = publication.version
        self._sync(session, definition, audience, publication, now)

    def _sync(
        self,
        session: Session,
        definition: RitualDefinition,
        audience: Audience,
        publication: Publication,
        now: datetime,
    ) -> None:
        """Make the posted messages show the approved version: post them, or edit them in place."""
        if publication.published_version >= publication.approved_version:
            return
        version = publication.approved_version
        buttons = [export_button(definition.id, publication.run_id)] if audience.export_button else []
        split = compose(publication.title, publication.body, footer=_footer(publication), actions=buttons)
        attached: list[FileUpload] | None = None
        for channel in audience.to:
            if self._sync_channel(session, publication, channel, split, version, now):
                # A first post in this channel: the files go into its thread, made once.
                if attached is None:
                    attached = self._attachments(session, definition, audience, publication)
                self._queue_files(session, publication, channel, attached, now)
        if audience.webhook:
            enqueue_webhook(
                session,
                key=f"pub:{publication.id}:webhook:v{version}",
                url=audience.webhook,
                body=_webhook_body(definition, audience, publication, version),
                now=now,
                run_id=publication.run_id,
            )
        publication.published_version = version
        publication.status = PublicationStatus.PUBLISHED
        publication.updated_at = now
        log.info("publication %s (%s) version %s queued", publication.id, audience.name, version)

    def _sync_channel(
        self,
        session: Session,
        publication: Publication,
        channel: str,
        split: SplitPost,
        version: int,
        now: datetime,
    ) -> bool:
        """Queue the channel's posts (or their edits); True when this is its first post."""
        # The first post of each part (keys ending in ":part<n>"); edits add ":v<version>".
        first_post = re.compile(rf"^pub:{publication.id}:{re.escape(channel)}:part\d+$")
        posted = {
            key
            for key in session.scalars(
                select(Delivery.dedupe_key).where(
                    Delivery.dedupe_key.startswith(f"pub:{publication.id}:{channel}:part", autoescape=True)
                )
            )
            if first_post.match(key)
        }
        messages = split.messages
        for part in range(max(len(messages), len(posted))):
            key = _post_key(publication, channel, part)
            if part < len(messages):
                outgoing = Message(text=messages[part].text, blocks=messages[part].blocks)
            else:  # the new text needs fewer parts: say so rather than leave stale text behind
                outgoing = Message(text=REMOVED_PART, blocks=[_section(REMOVED_PART)])
            if key not in posted:
                thread_of = _post_key(publication, channel, 0) if part else None
                enqueue(
                    session,
                    key=key,
                    kind="post",
                    target=channel,
                    message=outgoing,
                    now=now,
                    run_id=publication.run_id,
                    thread_of=thread_of,
                )
            else:
                # An edit of that part's message; it waits for the first post if that has not
                # gone out yet, so a change made meanwhile is never lost.
                enqueue(
                    session,
                    key=f"{key}:v{version}",
                    kind="post-update",
                    target=channel,
                    message=outgoing,
                    now=now,
                    run_id=publication.run_id,
                    edit_of=key,
                )
        return _post_key(publication, channel, 0) not in posted

    def _attachments(
        self, session: Session, definition: RitualDefinition, audience: Audience, publication: Publication
    ) -> list[FileUpload]:
        reads = self._library.loaded(definition.id).reads(audience)
        run = session.get(Run, publication.run_id)
        assert run is not None
        return [
            upload
            for provider in self._files
            if reads is None or provider.name in reads
            for upload in provider.files(session, definition, run, audience)
        ]

    def _queue_files(
        self, session: Session, publication: Publication, channel: str, files: list[FileUpload], now: datetime
    ) -> None:
        parent = _post_key(publication, channel, 0)
        for upload in files:
            enqueue_file(
                session,
                key=f"{parent}:file:{upload.filename}",
                kind="digest-file",
                target=channel,
                upload=upload,
                now=now,
                run_id=publication.run_id,
                thread_of=parent,
            )

    def _queue_previews(
        self,
        session: Session,
        definition: RitualDefinition,
        audience: Audience,
        publication: Publication,
        now: datetime,
    ) -> None:
        preview = preview_message(definition, audience, publication)
        for owner in definition.owners:
            enqueue_split(
                session,
                key=f"pub:{publication.id}:preview:v{publication.version}:{owner}",
                kind="preview",
                target=owner,
                post=preview,
                now=now,
                run_id=publication.run_id,
            )

    def _close_previews(
        self,
        session: Session,
        definition: RitualDefinition,
        publication: Publication,
        outcome: str,
        now: datetime,
    ) -> None:
        """Replace the buttons on every owner's preview of the current version with the outcome."""
        prefix = f"pub:{publication.id}:preview:v{publication.version}:"
        for delivery in session.scalars(select(Delivery).where(Delivery.dedupe_key.like(prefix + "%"))):
            if ":" in delivery.dedupe_key.removeprefix(prefix):
                continue  # the outcome itself, or a reply in a long preview's thread (no buttons)
            enqueue(
                session,
                key=f"{delivery.dedupe_key}:decided",
                kind="preview-update",
                target=delivery.target,
                message=decided_preview(definition, publication, outcome),
                now=now,
                run_id=publication.run_id,
                edit_of=delivery.dedupe_key,
            )

    def _publication(self, session: Session, run_id: int, audience: str) -> Publication:
        publication = session.scalar(
            select(Publication)
            .where(Publication.run_id == run_id, Publication.audience == audience)
            .with_for_update()
        )
        assert publication is not None
        return publication

    def _locked(
        self, session: Session, publication_id: int
    ) -> tuple[Publication, RitualDefinition, Audience]:
        publication = session.get(Publication, publication_id, with_for_update=True, populate_existing=True)
        if publication is None:
            raise UserFacingError("That post no longer exists.")
        run = session.get(Run, publication.run_id)
        assert run is not None
        definition = self._library.get(run.ritual_id)
        return publication, definition, definition.audience(publication.audience)


def posted_digests(session: Session, run_id: int) -> list[tuple[str, str, str]]:
    """(audience, channel id, ts) of each publication's first message in each channel."""
    found: list[tuple[str, str, str]] = []
    for publication in session.scalars(select(Publication).where(Publication.run_id == run_id)):
        parents = session.scalars(
            select(Delivery).where(
                Delivery.dedupe_key.like(f"pub:{publication.id}:%:part0"), Delivery.message_ts.is_not(None)
            )
        )
        found += [
            (publication.audience, d.channel_id, d.message_ts)
            for d in parents
            if d.channel_id and d.message_ts
        ]
    return found


class StaleEdit(Exception):
    """The post changed after the owner opened the editor; nothing was saved."""

    def __init__(self, version: int, body: str, change_note: str | None) -> None:
        super().__init__(f"the post is at version {version} now")
        self.version, self.body, self.change_note = version, body, change_note


def _check_current(publication: Publication, version: int) -> None:
    if version != publication.version:
        raise UserFacingError(
            "This preview is out of date: a newer version is waiting for approval in a newer message."
        )


def _footer(publication: Publication) -> str:
    if publication.version > 1 and publication.change_note:
        return f"_Edited_ — {publication.change_note}"
    return "Compiled by ritualbot"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _webhook_body(
    definition: RitualDefinition, audience: Audience, publication: Publication, version: int
) -> dict[str, Any]:
    return {
        "ritual": definition.id,
        "ritual_name": definition.name,
        "run_id": publication.run_id,
        "audience": audience.name,
        "version": version,
        "edited": version > 1,
        "title": publication.title,
        "text": publication.body,
        "channels": list(audience.to),
    }
