"""The outbox: every Slack write is a `Delivery` row, sent at most once.

A delivery moves pending → sending (claimed with a lease) → sent (with Slack's ts), or to
failed / skipped / superseded, and is never silently gone. The claim is a compare-and-set
UPDATE, the post happens outside any transaction, and the outcome is written only by the
holder of the lease, so two replicas, or a sender that died mid-way, cannot post twice:

* a 429 is unambiguous — nothing was posted — so the delivery waits for `Retry-After`;
* a timeout, dropped connection or 5xx is ambiguous — Slack may have posted — so the delivery
  is marked `maybe_sent`, and the next attempt first looks for a message carrying the
  delivery's key in its metadata before posting again;
* an expired lease (the sender died) is treated as ambiguous for the same reason.
"""

from __future__ import annotations

import base64
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from core.clock import Clock
from messaging.gateway import (
    FileUpload,
    Message,
    OutcomeUnknown,
    PostedMessage,
    RateLimited,
    Rejected,
    SlackGateway,
)
from messaging.layout import SplitPost
from messaging.webhooks import WebhookSender
from storage.database import SessionFactory
from storage.models import Delivery, DeliveryState
from storage.queries import changed_one_row, insert_ignoring_conflicts

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "ritualbot_delivery"
WEBHOOK_KIND = "webhook"
# How long a reply waits before looking again whether the message it replies to is posted.
THREAD_PARENT_WAIT = timedelta(seconds=2)


@dataclass(frozen=True)
class OutboxPolicy:
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=5)
    batch_size: int = 200
    # After an ambiguous attempt the first look-up comes after `first_backoff`. A post Slack
    # accepted but stores slowly can still be invisible then, so a look-up that finds nothing
    # waits this long and looks once more before posting again (docs/operations.md).
    second_look_after: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    recovered: int = 0
    deferred: int = 0
    failed: int = 0


def enqueue(
    session: Any,
    *,
    key: str,
    kind: str,
    target: str,
    message: Message,
    now: datetime,
    not_before: datetime | None = None,
    run_id: int | None = None,
    update_of: tuple[str, str] | None = None,
    thread_of: str | None = None,
    edit_of: str | None = None,
) -> bool:
    """Queue a post; False if `key` was queued before.

    `update_of=(channel, ts)` makes it an edit of that message. `thread_of` and `edit_of` name
    another delivery (by key) whose message this one replies to or edits; it waits until that
    one is posted, so an edit queued before the first post went out is not lost.
    """
    payload: dict[str, Any] = {
        "text": message.text,
        "blocks": list(message.blocks),
        "thread_ts": message.thread_ts,
    }
    if update_of is not None:
        payload["update"] = {"channel": update_of[0], "ts": update_of[1]}
    if thread_of is not None:
        payload["thread_of"] = thread_of
    if edit_of is not None:
        payload["edit_of"] = edit_of
    return _insert(session, key, kind, target, payload, not_before or now, now, run_id)


def enqueue_split(
    session: Any,
    *,
    key: str,
    kind: str,
    target: str,
    post: SplitPost,
    now: datetime,
    run_id: int | None = None,
) -> bool:
    """Queue a post laid out by `messaging.layout.compose`: its parent under `key`, and each
    reply under `key:part<n>` in the parent's thread; False if `key` was queued before."""
    new = enqueue(
        session, key=key, kind=kind, target=target, message=post.parent.as_message(), now=now, run_id=run_id
    )
    for number, reply in enumerate(post.replies, 1):
        enqueue(
            session,
            key=f"{key}:part{number}",
            kind=kind,
            target=target,
            message=reply.as_message(),
            now=now,
            run_id=run_id,
            thread_of=key,
        )
    return new


def enqueue_file(
    session: Any,
    *,
    key: str,
    kind: str,
    target: str,
    upload: FileUpload,
    now: datetime,
    run_id: int | None = None,
    thread_of: str | None = None,
) -> bool:
    """Queue a file to share into `target` (a channel, or a person's DM by user id); False if
    `key` was queued before, so a click delivered twice uploads once.

    `thread_of` names the delivery (by key) whose message the file goes under, as for replies.
    The content travels in the row, so keep files to what a person downloads from a message
    (exports, charts), not archives.
    """
    payload: dict[str, Any] = {
        "file": {
            "filename": upload.filename,
            "title": upload.title,
            "content": base64.b64encode(upload.content).decode("ascii"),
            "initial_comment": upload.initial_comment,
            "alt_text": upload.alt_text,
        }
    }
    if thread_of is not None:
        payload["thread_of"] = thread_of
    return _insert(session, key, kind, target, payload, now, now, run_id)


def enqueue_webhook(
    session: Any, *, key: str, url: str, body: dict[str, Any], now: datetime, run_id: int | None = None
) -> bool:
    """Queue a JSON POST to an outside system; sent, retried and recorded like a Slack post."""
    return _insert(session, key, WEBHOOK_KIND, url, body, now, now, run_id)


def _insert(
    session: Any,
    key: str,
    kind: str,
    target: str,
    payload: dict[str, Any],
    not_before: datetime,
    now: datetime,
    run_id: int | None,
) -> bool:
    row = {
        "run_id": run_id,
        "dedupe_key": key,
        "kind": kind,
        "target": target,
        "payload": payload,
        "state": DeliveryState.PENDING.value,
        "not_before": not_before,
        "attempts": 0,
        "maybe_sent": False,
        "created_at": now,
    }
    return insert_ignoring_conflicts(session, Delivery, [row]) == 1


def _file(delivery: Delivery) -> FileUpload:
    spec = delivery.payload["file"]
    return FileUpload(
        filename=spec["filename"],
        content=base64.b64decode(spec["content"]),
        title=spec["title"],
        initial_comment=spec.get("initial_comment"),
        alt_text=spec.get("alt_text"),
    )


def _message(delivery: Delivery, thread_ts: str | None = None) -> Message:
    payload = delivery.payload
    return Message(
        text=payload["text"],
        blocks=payload.get("blocks") or (),
        thread_ts=thread_ts or payload.get("thread_ts"),
        metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"delivery": delivery.dedupe_key}},
    )


class OutboxSender:
    def __init__(
        self,
        session_factory: SessionFactory,
        gateway: SlackGateway,
        clock: Clock,
        policy: OutboxPolicy | None = None,
        webhooks: WebhookSender | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._gateway = gateway
        self._clock = clock
        self._policy = policy or OutboxPolicy()
        self._webhooks = webhooks

    def send_due(self) -> SendReport:
        """Send every due delivery once; stops early when Slack says to slow down."""
        sent = recovered = deferred = failed = 0
        for delivery_id in self._due_ids():
            claim = self._claim(delivery_id)
            if claim is None:
                continue  # another sender took it
            delivery, token = claim
            outcome = self._attempt(delivery, token)
            if outcome == "waiting":
                continue
            if outcome == "sent":
                sent += 1
            elif outcome == "recovered":
                recovered += 1
            elif outcome == "failed":
                failed += 1
            else:
                deferred += 1
                if outcome == "rate_limited":
                    break  # the budget is per workspace: the rest would be refused too
        return SendReport(sent=sent, recovered=recovered, deferred=deferred, failed=failed)

    def _due_ids(self) -> list[int]:
        now = self._clock.now()
        with self._session_factory() as session:
            return list(
                session.scalars(
                    select(Delivery.id)
                    .where(
                        or_(
                            and_(Delivery.state == DeliveryState.PENDING, Delivery.not_before <= now),
                            and_(Delivery.state == DeliveryState.SENDING, Delivery.lease_until < now),
                        )
                    )
                    .order_by(Delivery.not_before, Delivery.id)
                    .limit(self._policy.batch_size)
                )
            )

    def _claim(self, delivery_id: int) -> tuple[Delivery, str] | None:
        now = self._clock.now()
        token = secrets.token_hex(8)
        with self._session_factory.begin() as session:
            # A delivery whose lease expired was being sent by a process that died: it may
            # have posted, so the new holder must look before posting.
            expired = and_(Delivery.state == DeliveryState.SENDING, Delivery.lease_until < now)
            if not changed_one_row(
                session,
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    or_(and_(Delivery.state == DeliveryState.PENDING, Delivery.not_before <= now), expired),
                )
                .values(
                    maybe_sent=Delivery.maybe_sent | (Delivery.state == DeliveryState.SENDING),
                    state=DeliveryState.SENDING,
                    lease_token=token,
                    lease_until=now + self._policy.lease,
                    attempts=Delivery.attempts + 1,
                ),
            ):
                return None
            delivery = session.get(Delivery, delivery_id, populate_existing=True)
            assert delivery is not None
            return delivery, token

    def _attempt(self, delivery: Delivery, token: str) -> str:
        target, thread_ts = delivery.target, None
        edit: tuple[str, str] | None = None
        if "update" in delivery.payload:
            edit = (delivery.payload["update"]["channel"], delivery.payload["update"]["ts"])
        reference = delivery.payload.get("thread_of") or delivery.payload.get("edit_of")
        if delivery.kind != WEBHOOK_KIND and reference:
            parent = self._parent(reference)
            if parent is None or parent.state in (DeliveryState.FAILED, DeliveryState.SKIPPED):
                self._finish(
                    delivery, token, DeliveryState.FAILED, error="the message it refers to was not posted"
                )
                return "failed"
            if (
                parent.state is not DeliveryState.SENT
                or parent.channel_id is None
                or parent.message_ts is None
            ):
                self._retry_later(
                    delivery, token, THREAD_PARENT_WAIT, maybe_sent=False, error=None, counts=False
                )
                return "waiting"
            if "edit_of" in delivery.payload:
                edit = (parent.channel_id, parent.message_ts)
            else:
                target, thread_ts = parent.channel_id, parent.message_ts
        try:
            if delivery.kind == WEBHOOK_KIND:
                if self._webhooks is None:
                    raise Rejected("no webhook sender is configured")
                self._webhooks.post(delivery.target, delivery.payload, delivery.dedupe_key)
                self._finish(delivery, token, DeliveryState.SENT)
                return "sent"
            if "file" in delivery.payload:
                return self._upload(delivery, token, target, thread_ts)
            message = _message(delivery, thread_ts)
            if edit is not None:
                posted = self._gateway.update_message(edit[0], edit[1], message)
                self._finish(delivery, token, DeliveryState.SENT, posted=posted)
                return "sent"
            if delivery.maybe_sent:
                found = self._look_for_earlier_post(delivery, token, target, thread_ts)
                if found is not None:
                    return found
            posted = self._gateway.post_message(target, message)
        except RateLimited as error:
            self._retry_later(
                delivery, token, timedelta(seconds=error.retry_after), maybe_sent=False, error=str(error)
            )
            return "rate_limited"
        except OutcomeUnknown as error:
            if delivery.attempts >= self._policy.max_attempts:
                self._finish(delivery, token, DeliveryState.FAILED, error=f"gave up: {error}")
                return "failed"
            backoff = self._policy.first_backoff * (2 ** (delivery.attempts - 1))
            # This attempt may have posted anew: its look-ups start over.
            self._retry_later(delivery, token, backoff, maybe_sent=True, error=str(error), looked=False)
            return "deferred"
        except Rejected as error:
            log.warning(
                "Slack refused delivery %s (%s to %s): %s", delivery.id, delivery.kind, delivery.target, error
            )
            self._finish(delivery, token, DeliveryState.FAILED, error=error.error)
            return "failed"
        self._finish(delivery, token, DeliveryState.SENT, posted=posted)
        return "sent"

    def _look_for_earlier_post(
        self, delivery: Delivery, token: str, target: str, thread_ts: str | None
    ) -> str | None:
        """After an ambiguous attempt: "recovered" if Slack holds the post, "deferred" if the
        first look found nothing (a slow store may still show it), None to post again."""
        earlier = self._gateway.find_posted(
            target,
            METADATA_EVENT_TYPE,
            delivery.dedupe_key,
            delivery.created_at.timestamp() - 1,
            thread_ts,
        )
        if earlier is not None:
            log.info("delivery %s was already posted (ts %s); not posting again", delivery.id, earlier.ts)
            self._finish(delivery, token, DeliveryState.SENT, posted=earlier)
            return "recovered"
        if delivery.looked_at is None:
            self._retry_later(
                delivery,
                token,
                self._policy.second_look_after,
                maybe_sent=True,
                error="not found yet; looking once more before posting again",
                counts=False,
                looked=True,
            )
            return "deferred"
        return None

    def _upload(self, delivery: Delivery, token: str, target: str, thread_ts: str | None) -> str:
        """Share the delivery's file; after an ambiguous attempt, look for it by name first."""
        upload = _file(delivery)
        if delivery.maybe_sent:
            earlier = self._gateway.find_uploaded(
                target, upload.filename, delivery.created_at.timestamp() - 1, thread_ts
            )
            if earlier is not None:
                log.info("delivery %s was already uploaded (%s); not uploading again", delivery.id, earlier)
                self._finish(delivery, token, DeliveryState.SENT, posted=earlier)
                return "recovered"
        posted = self._gateway.upload_file(target, upload, thread_ts)
        self._finish(delivery, token, DeliveryState.SENT, posted=posted)
        return "sent"

    def _finish(
        self,
        delivery: Delivery,
        token: str,
        state: DeliveryState,
        *,
        posted: PostedMessage | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state, "lease_token": None, "lease_until": None, "error": error}
        if posted is not None:
            values.update(channel_id=posted.channel, message_ts=posted.ts or None, sent_at=self._clock.now())
        self._fenced_update(delivery, token, values)

    def _retry_later(
        self,
        delivery: Delivery,
        token: str,
        wait: timedelta,
        *,
        maybe_sent: bool,
        error: str | None,
        counts: bool = True,
        looked: bool | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "state": DeliveryState.PENDING,
            "not_before": self._clock.now() + wait,
            "lease_token": None,
            "lease_until": None,
            "error": error,
        }
        if maybe_sent:
            values["maybe_sent"] = True
        if not counts:  # waiting for a thread parent or a second look is not a failed attempt
            values["attempts"] = delivery.attempts - 1
        if looked is not None:  # True: a look-up just found nothing; False: forget past looks
            values["looked_at"] = self._clock.now() if looked else None
        self._fenced_update(delivery, token, values)

    def _parent(self, key: str) -> Delivery | None:
        with self._session_factory() as session:
            return session.scalar(select(Delivery).where(Delivery.dedupe_key == key))

    def _fenced_update(self, delivery: Delivery, token: str, values: dict[str, Any]) -> None:
        # Only the lease holder may record an outcome; a sender whose lease expired while it
        # waited on Slack finds its token replaced and leaves the row to the new holder.
        with self._session_factory.begin() as session:
            if not changed_one_row(
                session,
                update(Delivery)
                .where(Delivery.id == delivery.id, Delivery.lease_token == token)
                .values(**values),
            ):
                log.warning("lost the lease on delivery %s before recording its outcome", delivery.id)
