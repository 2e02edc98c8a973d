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

Most rows carry the post itself. A post that would cost its request too much to lay out (the
copy of an answer, queued by every PM at a deadline rush) is queued as what to compose it from
(`enqueue_composed`), and the sender composes it when it sends it, with the composer the app
registered under its name. A caller that creates the source in the same statement queues the
row with `composed_delivery` instead.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)

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
from messaging.pacing import Pacer
from messaging.webhooks import WebhookSender
from storage.database import SessionFactory
from storage.models import Delivery, DeliveryState
from storage.queries import conflict_ignoring_insert, insert_ignoring_conflicts

log = logging.getLogger(__name__)

T = TypeVar("T")

METADATA_EVENT_TYPE = "ritualbot_delivery"
WEBHOOK_KIND = "webhook"
# PostgreSQL channel on which a committed enqueue wakes the senders of every replica (the
# deliveries table's trigger NOTIFYs it).
NOTIFY_CHANNEL = "ritualbot_outbox"
# `Session.info` key: a delivery was queued in this session (wake the sender after commit).
QUEUED = "ritualbot.outbox.queued"
# The payload key of a post composed when it is sent (`enqueue_composed`).
COMPOSED = "composed"
# How long a reply waits before looking again whether the message it replies to is posted.
THREAD_PARENT_WAIT = timedelta(seconds=2)


@dataclass(frozen=True)
class OutboxPolicy:
    # A little longer than the Slack client's timeout (10 s): no call outlives its lease, so a
    # delivery whose sender died is taken over within about 15 s, and nobody sleeps in a lease.
    lease: timedelta = timedelta(seconds=15)
    call_timeout: timedelta = timedelta(seconds=10)
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=5)
    # Rows claimed by one statement; they are posted in parallel and recorded in one transaction.
    batch_size: int = 100
    # Sender threads posting a batch in parallel, one conversation each at a time.
    senders: int = 4
    # The longest a sender waits for a budget while it holds a lease; a longer wait puts the
    # delivery back in the queue until then instead.
    max_pacing_wait: timedelta = timedelta(seconds=2)
    # After an ambiguous attempt the first look-up comes after `first_backoff`. A post Slack
    # accepted but stores slowly can still be invisible then, so a look-up that finds nothing
    # waits this long and looks once more before posting again (docs/operations.md).
    second_look_after: timedelta = timedelta(seconds=30)


# Lays out a post queued with `enqueue_composed` from what the row names (say, an answer's id).
Composer = Callable[[str | int], SplitPost]


class CannotCompose(Exception):
    """A composer's "never": what the post was to be composed from is gone, so it fails."""


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    recovered: int = 0
    deferred: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Outgoing:
    """One post for `enqueue_many`: what `enqueue` takes, for many rows in one statement."""

    key: str
    kind: str
    target: str
    message: Message
    not_before: datetime | None = None
    run_id: int | None = None


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
    payload = _post_payload(message)
    if update_of is not None:
        payload["update"] = {"channel": update_of[0], "ts": update_of[1]}
    if thread_of is not None:
        payload["thread_of"] = thread_of
    if edit_of is not None:
        payload["edit_of"] = edit_of
    return _insert(session, _row(key, kind, target, payload, not_before or now, now, run_id))


def enqueue_many(session: Any, posts: Sequence[Outgoing], now: datetime) -> int:
    """Queue many top-level posts in one INSERT (a run's prompts); how many were new. Keys
    queued before are left as they are, as `enqueue` leaves them."""
    rows = [
        _row(
            post.key,
            post.kind,
            post.target,
            _post_payload(post.message),
            post.not_before or now,
            now,
            post.run_id,
        )
        for post in posts
    ]
    new = insert_ignoring_conflicts(session, Delivery, rows)
    if new:
        announce(session)
    return new


def _post_payload(message: Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": list(message.blocks), "thread_ts": message.thread_ts}


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
    _enqueue_replies(session, key, kind, target, post, now, run_id)
    return new


def _enqueue_replies(
    session: Any, key: str, kind: str, target: str, post: SplitPost, now: datetime, run_id: int | None
) -> None:
    """Each reply of `post` under `key:part<n>`, in the thread of the message queued as `key`."""
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


def enqueue_composed(
    session: Any,
    *,
    key: str,
    kind: str,
    target: str,
    composer: str,
    source: str | int,
    now: datetime,
    run_id: int | None = None,
) -> bool:
    """Queue a post that the sender lays out when it sends it, with the composer registered as
    `composer`, from `source`; False if `key` was queued before.

    The post is laid out as `enqueue_split` lays it out: what does not fit one message follows
    in its thread. A caller that must answer quickly queues this instead of the post itself.
    """
    if not queue_composed(
        session.connection(),
        key=key,
        kind=kind,
        target=target,
        composer=composer,
        source=source,
        now=now,
        run_id=run_id,
    ):
        return False
    announce(session)
    return True


def queue_composed(
    connection: Connection,
    *,
    key: str,
    kind: str,
    target: str,
    composer: str,
    source: str | int,
    now: datetime,
    run_id: int | None = None,
) -> bool:
    """`enqueue_composed` in the transaction `connection` is in, as one statement of driver SQL;
    the caller wakes the sender once it commits (`OutboxBell.ring`)."""
    payload = {COMPOSED: {"composer": composer, "source": source}}
    row = _row(key, kind, target, payload, now, now, run_id)
    return _QUEUE_ONE.execute(connection, row).rowcount == 1


def composed_delivery(
    *,
    key: ColumnElement[str],
    kind: str,
    target: ColumnElement[str],
    composer: str,
    source: ColumnElement[Any],
    now: ColumnElement[datetime],
    run_id: ColumnElement[int],
) -> Select[Any]:
    """The row `enqueue_composed` queues, as a one-row SELECT for an ``INSERT … SELECT`` in the
    statement that creates its `source` (a new row's id, known only inside that statement).

    The values are SQL expressions (bound parameters, say), so the statement is built once.
    The caller inserts it ignoring a conflict on the key, as `enqueue_composed` does, and calls
    `announce` on its session when a row was inserted. PostgreSQL only: the payload is built
    with its ``json_build_object``."""
    columns = cast(Table, Delivery.__table__).c

    def constant(name: str, value: Any) -> ColumnElement[Any]:
        return literal(value, columns[name].type).label(name)

    payload = func.json_build_object(
        COMPOSED, func.json_build_object("composer", composer, "source", source), type_=JSON
    )
    # The columns `_row` fills.
    return select(
        run_id.label("run_id"),
        key.label("dedupe_key"),
        constant("kind", kind),
        target.label("target"),
        payload.label("payload"),
        now.label("not_before"),
        now.label("created_at"),
        *(constant(name, value) for name, value in _NEW_DELIVERY.items()),
    )


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
    return _insert(session, _row(key, kind, target, payload, now, now, run_id))


def enqueue_webhook(
    session: Any, *, key: str, url: str, body: dict[str, Any], now: datetime, run_id: int | None = None
) -> bool:
    """Queue a JSON POST to an outside system; sent, retried and recorded like a Slack post."""
    return _insert(session, _row(key, WEBHOOK_KIND, url, body, now, now, run_id))


def _insert(session: Any, row: dict[str, Any]) -> bool:
    """Queue one delivery; False when its key was queued before (nothing changes then)."""
    # On the transaction's connection: one plain statement, without the session's bookkeeping.
    if insert_ignoring_conflicts(session.connection(), Delivery, [row]) != 1:
        return False
    announce(session)
    return True


def _row(
    key: str,
    kind: str,
    target: str,
    payload: dict[str, Any],
    not_before: datetime,
    now: datetime,
    run_id: int | None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "dedupe_key": key,
        "kind": kind,
        "target": target,
        "payload": payload,
        "not_before": not_before,
        "created_at": now,
        **_NEW_DELIVERY,
    }


# What every delivery starts with, whichever way it is queued (`_row`, `composed_delivery`).
_NEW_DELIVERY = {"state": DeliveryState.PENDING.value, "attempts": 0, "maybe_sent": False}
# One delivery of `_row`'s columns, queued as driver SQL: the answer's copy is queued by every
# submission of a deadline rush.
_QUEUE_ONE = conflict_ignoring_insert(
    cast(Table, Delivery.__table__),
    ("run_id", "dedupe_key", "kind", "target", "payload", "not_before", "created_at", *_NEW_DELIVERY),
)


def announce(session: Any) -> None:
    """Say a delivery was queued: the background sender of this process wakes when the
    transaction commits. On PostgreSQL every replica listening hears it then too, from the
    trigger on the deliveries table (migration 0009), which costs the transaction no round trip."""
    session.info[QUEUED] = True


def _file(delivery: Delivery) -> FileUpload:
    spec = delivery.payload["file"]
    return FileUpload(
        filename=spec["filename"],
        content=base64.b64decode(spec["content"]),
        title=spec["title"],
        initial_comment=spec.get("initial_comment"),
        alt_text=spec.get("alt_text"),
    )


def _message(delivery: Delivery, payload: dict[str, Any], thread_ts: str | None = None) -> Message:
    return Message(
        text=payload["text"],
        blocks=payload.get("blocks") or (),
        thread_ts=thread_ts or payload.get("thread_ts"),
        metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"delivery": delivery.dedupe_key}},
    )


class _Deferred(Exception):
    """The delivery goes back to the queue untouched (no attempt spent) until `wait` has passed."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"deferred for {wait}")
        self.wait = wait


@dataclass
class _Batch:
    """Deliveries claimed by one statement under one lease token, and what became of them."""

    token: str
    # Past this (monotonic) time a call could outlive the lease: nothing new is started.
    start_before: float
    # Messages posted in this batch by delivery key: a reply in the same batch finds its parent
    # here before the outcomes are written.
    posted: dict[str, PostedMessage] = field(default_factory=dict)
    outcomes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    soonest_put_back: timedelta | None = None


class OutboxSender:
    """Claims due deliveries in batches, posts them in parallel, records outcomes in batches.

    `send_due` is the synchronous "drain now" (tests, `ritualbot trigger`); `bot.delivery` runs
    it continuously in the background, woken when a delivery is queued.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        gateway: SlackGateway,
        clock: Clock,
        policy: OutboxPolicy | None = None,
        webhooks: WebhookSender | None = None,
        pacer: Pacer | None = None,
        composers: Mapping[str, Composer] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._composers = dict(composers or {})
        self._gateway = gateway
        self._clock = clock
        self._policy = policy or OutboxPolicy()
        self._webhooks = webhooks
        self._pacer = pacer or Pacer(wall_clock=lambda: clock.now().timestamp())
        self._pool = ThreadPoolExecutor(max_workers=self._policy.senders, thread_name_prefix="outbox")
        self._stopping = threading.Event()
        # One drain at a time per process: its batches already post in parallel.
        self._draining = threading.Lock()
        # The shortest wait of a delivery the last `send_due` put back for its budget: a
        # background sender looks again then rather than at its next poll.
        self.soonest_put_back: timedelta | None = None

    @property
    def pacer(self) -> Pacer:
        return self._pacer

    def send_due(self, before_each_batch: Callable[[], int | None] | None = None) -> SendReport:
        """Send every delivery due now, batch after batch, until none is left.

        `before_each_batch` runs before each claim and may name fewer rows than a batch to claim:
        the background sender waits there, briefly, while requests are being acknowledged, and
        takes a small batch if they go on."""
        with self._draining:
            return self._drain(before_each_batch)

    def _drain(self, before_each_batch: Callable[[], int | None] | None) -> SendReport:
        total: Counter[str] = Counter()
        self.soonest_put_back = None
        while not self._stopping.is_set():
            limit = before_each_batch() if before_each_batch is not None else None
            batch, deliveries = self._claim_batch(limit or self._policy.batch_size)
            if not deliveries:
                break
            self._send(batch, deliveries)
            self._record(batch)
            total.update(batch.counts)
            if batch.soonest_put_back is not None:
                self.soonest_put_back = min(
                    self.soonest_put_back or batch.soonest_put_back, batch.soonest_put_back
                )
        return SendReport(
            sent=total["sent"],
            recovered=total["recovered"],
            deferred=total["deferred"],
            failed=total["failed"],
        )

    def stop(self) -> None:
        """Finish the posts in flight, put back what was claimed but not started, stop the threads."""
        self._stopping.set()
        with self._draining:  # the batch in progress puts back what it has not started
            self._pool.shutdown(wait=True)

    def _due(self, now: datetime) -> Any:
        # A delivery whose lease expired was being sent by a process that died: it may have
        # posted, so the new holder must look before posting.
        return or_(
            and_(Delivery.state == DeliveryState.PENDING, Delivery.not_before <= now),
            and_(Delivery.state == DeliveryState.SENDING, Delivery.lease_until < now),
        )

    def _claim_batch(self, limit: int) -> tuple[_Batch, list[Delivery]]:
        """One statement claims up to a batch of due rows (SKIP LOCKED on PostgreSQL, so replicas
        claim different rows rather than wait for each other)."""
        now = self._clock.now()
        token = secrets.token_hex(8)
        started = time.monotonic()
        due_ids = (
            select(Delivery.id)
            .where(self._due(now))
            .order_by(Delivery.not_before, Delivery.id)
            .limit(min(limit, self._policy.batch_size))
            .with_for_update(skip_locked=True)
        )
        with self._session_factory.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Chosen once, in a materialised CTE: as a plain `IN (subquery)` PostgreSQL may
                # run the locking subquery again for each row it compares, each run skipping
                # the rows the last one took, and claim more than the limit (all of them).
                claimable: Any = select(due_ids.cte("due").prefix_with("MATERIALIZED").c.id)
            else:
                claimable = due_ids.scalar_subquery()
            deliveries = list(
                session.scalars(
                    update(Delivery)
                    .where(Delivery.id.in_(claimable), self._due(now))
                    .values(
                        maybe_sent=Delivery.maybe_sent | (Delivery.state == DeliveryState.SENDING),
                        # Taken over from a dead sender: its post, if any, was made at least a
                        # lease minus the client's timeout ago, so one look decides (a second,
                        # later look would hold every prompt it never reached for another 30 s).
                        looked_at=case(
                            (Delivery.state == DeliveryState.SENDING, now), else_=Delivery.looked_at
                        ),
                        state=DeliveryState.SENDING,
                        lease_token=token,
                        lease_until=now + self._policy.lease,
                        attempts=Delivery.attempts + 1,
                    )
                    .returning(Delivery),
                    execution_options={"synchronize_session": False, "populate_existing": True},
                )
            )
        deliveries.sort(key=lambda delivery: (delivery.not_before, delivery.id))
        spare = (self._policy.lease - self._policy.call_timeout).total_seconds()
        return _Batch(token=token, start_before=started + spare), deliveries

    def _send(self, batch: _Batch, deliveries: list[Delivery]) -> None:
        """One lane per conversation, posted in order (a thread's replies after its parent);
        lanes in parallel on the sender threads."""
        lanes: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            lanes.setdefault(delivery.target, []).append(delivery)
        if len(lanes) == 1:
            self._send_lane(batch, next(iter(lanes.values())))
            return
        for _ in self._pool.map(lambda lane: self._send_lane(batch, lane), lanes.values()):
            pass

    def _send_lane(self, batch: _Batch, lane: list[Delivery]) -> None:
        for delivery in lane:
            if self._stopping.is_set() or time.monotonic() > batch.start_before:
                self._put_back(batch, delivery, timedelta(0))
                continue
            try:
                outcome = self._attempt(delivery, batch)
            except _Deferred as deferred:
                self._put_back(batch, delivery, deferred.wait)
                continue
            except Exception:
                # Never lose a row to a bug: it goes back with its attempt counted, and the
                # next attempt looks before posting again.
                log.exception("delivery %s failed unexpectedly", delivery.id)
                self._retry_later(
                    delivery, batch, self._policy.first_backoff, maybe_sent=True, error="unexpected error"
                )
                outcome = "deferred"
            if outcome != "waiting":
                batch.counts[outcome] += 1

    def _put_back(self, batch: _Batch, delivery: Delivery, wait: timedelta) -> None:
        batch.soonest_put_back = wait if batch.soonest_put_back is None else min(batch.soonest_put_back, wait)
        self._retry_later(delivery, batch, wait, maybe_sent=False, error=None, counts=False)

    def _paced(self, batch: _Batch, method: str, channel: str | None = None) -> None:
        """Wait for `method`'s budget; a wait that would outlive the lease defers the delivery.

        A method Slack blocked with Retry-After defers at once: that is a deadline on the
        outbox's clock, like `not_before`, not something to sleep through.
        """
        slept = 0.0
        while True:
            blocked = self._pacer.blocked_for(method)
            if blocked > 0:
                raise _Deferred(timedelta(seconds=blocked))
            wait = self._pacer.reserve(method, channel)
            if wait <= 0:
                return
            if (
                slept + wait > self._policy.max_pacing_wait.total_seconds()
                or time.monotonic() + wait > batch.start_before
                or self._stopping.is_set()
            ):
                raise _Deferred(timedelta(seconds=wait))
            time.sleep(wait)
            slept += wait

    def _call(self, batch: _Batch, method: str, channel: str | None, call: Callable[[], T]) -> T:
        self._paced(batch, method, channel)
        granted_at = self._pacer.now()
        try:
            result = call()
        except RateLimited as error:
            self._pacer.rate_limited(method, error.retry_after, granted_at)
            raise
        self._pacer.succeeded(method, granted_at)
        return result

    def _attempt(self, delivery: Delivery, batch: _Batch) -> str:
        target, thread_ts = delivery.target, None
        edit: tuple[str, str] | None = None
        if "update" in delivery.payload:
            edit = (delivery.payload["update"]["channel"], delivery.payload["update"]["ts"])
        reference = delivery.payload.get("thread_of") or delivery.payload.get("edit_of")
        if delivery.kind != WEBHOOK_KIND and reference:
            parent = batch.posted.get(reference)
            if parent is None:
                row = self._parent(reference)
                if row is None or row.state in (DeliveryState.FAILED, DeliveryState.SKIPPED):
                    self._finish(
                        delivery, batch, DeliveryState.FAILED, error="the message it refers to was not posted"
                    )
                    return "failed"
                if (
                    row.state is DeliveryState.SENT
                    and row.channel_id is not None
                    and row.message_ts is not None
                ):
                    parent = PostedMessage(channel=row.channel_id, ts=row.message_ts)
            if parent is None:
                self._retry_later(
                    delivery, batch, THREAD_PARENT_WAIT, maybe_sent=False, error=None, counts=False
                )
                return "waiting"
            if "edit_of" in delivery.payload:
                edit = (parent.channel, parent.ts)
            else:
                target, thread_ts = parent.channel, parent.ts
        try:
            if delivery.kind == WEBHOOK_KIND:
                if self._webhooks is None:
                    raise Rejected("no webhook sender is configured")
                self._webhooks.post(delivery.target, delivery.payload, delivery.dedupe_key)
                self._finish(delivery, batch, DeliveryState.SENT)
                return "sent"
            if "file" in delivery.payload:
                return self._upload(delivery, batch, target, thread_ts)
            message = _message(delivery, self._post_payload(delivery), thread_ts)
            if edit is not None:
                channel, ts = edit
                posted = self._call(
                    batch, "chat.update", None, lambda: self._gateway.update_message(channel, ts, message)
                )
                self._finish(delivery, batch, DeliveryState.SENT, posted=posted)
                return "sent"
            if delivery.maybe_sent:
                found = self._look_for_earlier_post(delivery, batch, target, thread_ts)
                if found is not None:
                    return found
            posted = self._call(
                batch, "chat.postMessage", target, lambda: self._gateway.post_message(target, message)
            )
        except RateLimited as error:
            self._retry_later(
                delivery, batch, timedelta(seconds=error.retry_after), maybe_sent=False, error=str(error)
            )
            return "deferred"
        except OutcomeUnknown as error:
            if delivery.attempts >= self._policy.max_attempts:
                self._finish(delivery, batch, DeliveryState.FAILED, error=f"gave up: {error}")
                return "failed"
            backoff = self._policy.first_backoff * (2 ** (delivery.attempts - 1))
            # This attempt may have posted anew: its look-ups start over.
            self._retry_later(delivery, batch, backoff, maybe_sent=True, error=str(error), looked=False)
            return "deferred"
        except Rejected as error:
            log.warning(
                "Slack refused delivery %s (%s to %s): %s", delivery.id, delivery.kind, delivery.target, error
            )
            self._finish(delivery, batch, DeliveryState.FAILED, error=error.error)
            return "failed"
        except CannotCompose as error:
            log.warning("delivery %s (%s) cannot be composed: %s", delivery.id, delivery.kind, error)
            self._finish(delivery, batch, DeliveryState.FAILED, error=f"cannot compose: {error}")
            return "failed"
        self._finish(delivery, batch, DeliveryState.SENT, posted=posted)
        return "sent"

    def _post_payload(self, delivery: Delivery) -> dict[str, Any]:
        """The post a row carries, or for a composed one its first message, laid out now (its
        replies are queued in its thread, as `enqueue_split` queues them)."""
        composed = delivery.payload.get(COMPOSED)
        if composed is None:
            return delivery.payload
        composer = self._composers.get(composed["composer"])
        if composer is None:
            raise CannotCompose(f"no composer named {composed['composer']!r} is registered")
        post = composer(composed["source"])
        if post.replies:
            # Queued under their own keys: composed again after a retry, they are not doubled.
            with self._session_factory.begin() as session:
                _enqueue_replies(
                    session,
                    delivery.dedupe_key,
                    delivery.kind,
                    delivery.target,
                    post,
                    self._clock.now(),
                    delivery.run_id,
                )
        return _post_payload(post.parent.as_message())

    def _look_for_earlier_post(
        self, delivery: Delivery, batch: _Batch, target: str, thread_ts: str | None
    ) -> str | None:
        """After an ambiguous attempt: "recovered" if Slack holds the post, "deferred" if the
        first look found nothing (a slow store may still show it), None to post again."""
        earlier = self._call(
            batch,
            "conversations.replies" if thread_ts else "conversations.history",
            None,
            lambda: self._gateway.find_posted(
                target,
                METADATA_EVENT_TYPE,
                delivery.dedupe_key,
                delivery.created_at.timestamp() - 1,
                thread_ts,
            ),
        )
        if earlier is not None:
            log.info("delivery %s was already posted (ts %s); not posting again", delivery.id, earlier.ts)
            self._finish(delivery, batch, DeliveryState.SENT, posted=earlier)
            return "recovered"
        if delivery.looked_at is None:
            self._retry_later(
                delivery,
                batch,
                self._policy.second_look_after,
                maybe_sent=True,
                error="not found yet; looking once more before posting again",
                counts=False,
                looked=True,
            )
            return "deferred"
        return None

    def _upload(self, delivery: Delivery, batch: _Batch, target: str, thread_ts: str | None) -> str:
        """Share the delivery's file; after an ambiguous attempt, look for it by name first."""
        upload = _file(delivery)
        if delivery.maybe_sent:
            earlier = self._call(
                batch,
                "conversations.history",
                None,
                lambda: self._gateway.find_uploaded(
                    target, upload.filename, delivery.created_at.timestamp() - 1, thread_ts
                ),
            )
            if earlier is not None:
                log.info("delivery %s was already uploaded (%s); not uploading again", delivery.id, earlier)
                self._finish(delivery, batch, DeliveryState.SENT, posted=earlier)
                return "recovered"
        posted = self._call(
            batch,
            "files.completeUploadExternal",
            None,
            lambda: self._gateway.upload_file(target, upload, thread_ts),
        )
        self._finish(delivery, batch, DeliveryState.SENT, posted=posted)
        return "sent"

    def _finish(
        self,
        delivery: Delivery,
        batch: _Batch,
        state: DeliveryState,
        *,
        posted: PostedMessage | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state, "lease_token": None, "lease_until": None, "error": error}
        if posted is not None:
            values.update(channel_id=posted.channel, message_ts=posted.ts or None, sent_at=self._clock.now())
            if posted.ts:
                batch.posted[delivery.dedupe_key] = posted
        batch.outcomes.append((delivery.id, values))

    def _retry_later(
        self,
        delivery: Delivery,
        batch: _Batch,
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
        if not counts:  # waiting for a thread parent, a budget or a second look is not a failed attempt
            values["attempts"] = delivery.attempts - 1
        if looked is not None:  # True: a look-up just found nothing; False: forget past looks
            values["looked_at"] = self._clock.now() if looked else None
        batch.outcomes.append((delivery.id, values))

    def _parent(self, key: str) -> Delivery | None:
        with self._session_factory() as session:
            return session.scalar(select(Delivery).where(Delivery.dedupe_key == key))

    def _record(self, batch: _Batch) -> None:
        """Write the batch's outcomes in one transaction, each fenced by the lease.

        Only the lease holder may record an outcome; a sender whose lease expired while it
        waited on Slack finds its token replaced and leaves the row to the new holder.
        """
        if not batch.outcomes:
            return
        # One executemany per shape of outcome (sent, retry, ...) rather than a statement each.
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for delivery_id, values in batch.outcomes:
            parameters = {f"new_{name}": value for name, value in values.items()}
            parameters.update(fenced_id=delivery_id, fenced_token=batch.token)
            shapes.setdefault(tuple(sorted(values)), []).append(parameters)
        changed = 0
        table = cast(Table, Delivery.__table__)
        with self._session_factory.begin() as session:
            connection = session.connection()
            for names, rows in shapes.items():
                statement = (
                    update(table)
                    .where(
                        table.c.id == bindparam("fenced_id"), table.c.lease_token == bindparam("fenced_token")
                    )
                    .values({name: bindparam(f"new_{name}") for name in names})
                )
                changed += max(connection.execute(statement, rows).rowcount, 0)
        if changed < len(batch.outcomes):
            log.warning(
                "lost the lease on %d of %d deliveries before recording their outcomes",
                len(batch.outcomes) - changed,
                len(batch.outcomes),
            )
