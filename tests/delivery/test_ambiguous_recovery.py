"""After an ambiguous post (5xx or timeout once Slack took it) the outbox looks before posting
again: thread replies in their thread, and slow stores get a second, later look."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from bot.slack_gateway import WebClientGateway
from core.clock import FrozenClock
from messaging.gateway import Message
from messaging.layout import compose
from messaging.outbox import OutboxPolicy, OutboxSender, SendReport, enqueue, enqueue_split
from storage.models import Delivery, DeliveryState

pytestmark = pytest.mark.fault

PM = "U0PM00001"
POLICY = OutboxPolicy()


@pytest.fixture
def sender(sandbox: Sandbox, clock: FrozenClock) -> OutboxSender:
    # No 429 retries in the client: the outbox's own handling is what is tested.
    bare = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.workspace.api_url, retry_handlers=[])
    return OutboxSender(sandbox.session_factory, WebClientGateway(bare), clock, POLICY)


def _queue(sandbox: Sandbox, clock: FrozenClock) -> None:
    with sandbox.session_factory.begin() as session:
        enqueue(session, key="test:1", kind="test", target=PM, message=Message(text="hello"), now=clock.now())


def _delivery(sandbox: Sandbox, key: str = "test:1") -> Delivery:
    with Session(sandbox.engine) as session:
        delivery = session.scalar(select(Delivery).where(Delivery.dedupe_key == key))
        assert delivery is not None
        return delivery


def _drain(sender: OutboxSender, clock: FrozenClock, step: timedelta, rounds: int = 40) -> None:
    for _ in range(rounds):
        sender.send_due()
        clock.advance(step)


@pytest.mark.parametrize("status", [500, None], ids=["http-500", "timeout"])
def test_thread_replies_of_a_long_digest_are_posted_once_after_ambiguous_failures(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender, status: int | None
) -> None:
    body = "\n\n".join(f"Part {n}: " + "z" * 2500 for n in range(12))
    post = compose("Digest", body, intro="The digest.")
    assert len(post.replies) >= 2
    with sandbox.session_factory.begin() as session:
        enqueue_split(session, key="digest:1", kind="test", target="C0GENERAL", post=post, now=clock.now())
        # The replies wait until the parent is out, so the faults below hit only them.
        for reply in session.scalars(select(Delivery).where(Delivery.dedupe_key.like("digest:1:part%"))):
            reply.not_before = clock.now() + timedelta(seconds=1)
    assert sender.send_due().sent == 1
    clock.advance(timedelta(seconds=1))
    # Every reply reaches Slack, but each answer is lost: Slack posted, the bot cannot tell.
    faults = sandbox.workspace.faults
    if status is None:
        faults.drop_next("chat.postMessage", times=len(post.replies), after_processing=True)
    else:
        faults.server_error_next("chat.postMessage", times=len(post.replies), after_processing=True)
    assert sender.send_due().deferred == len(post.replies)
    _drain(sender, clock, timedelta(seconds=10))
    [parent, *replies] = sandbox.workspace.messages_in("general")
    assert len(replies) == len(post.replies)  # none doubled
    assert {reply.thread_ts for reply in replies} == {parent.ts}
    for number, reply in enumerate(replies, 1):
        delivery = _delivery(sandbox, f"digest:1:part{number}")
        assert (delivery.state, delivery.message_ts) == (DeliveryState.SENT, reply.ts)
    # Found in the thread (conversations.replies), never looked for in channel history.
    assert len(sandbox.workspace.calls("conversations.replies")) >= len(post.replies)


def test_a_post_stored_after_the_first_look_is_found_by_the_second(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    # Slack takes the post, answers 500, and shows it only 20 s later: after the first look
    # (at 5 s) but before the second (5 s + 30 s).
    stored_after = POLICY.first_backoff + POLICY.second_look_after / 2
    sandbox.workspace.faults.slow_store_next("chat.postMessage", visible_after=stored_after.total_seconds())
    _queue(sandbox, clock)
    assert sender.send_due().deferred == 1
    clock.advance(POLICY.first_backoff)
    assert sender.send_due().deferred == 1  # the first look finds nothing yet and waits
    assert _delivery(sandbox).looked_at == clock.now()
    clock.advance(POLICY.second_look_after - timedelta(seconds=1))
    assert sender.send_due() == SendReport()  # not due before the longer wait
    clock.advance(timedelta(seconds=1))
    assert sender.send_due().recovered == 1
    assert len(sandbox.workspace.dm_messages(PM)) == 1
    delivery = _delivery(sandbox)
    assert delivery.state is DeliveryState.SENT
    assert delivery.message_ts == sandbox.workspace.dm_messages(PM)[0].ts
    assert delivery.attempts == 2  # waiting for the second look is not a failed attempt


def test_a_post_that_never_arrived_is_posted_after_the_second_look(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    sandbox.workspace.faults.server_error_next("chat.postMessage", after_processing=False)
    _queue(sandbox, clock)
    assert sender.send_due().deferred == 1
    clock.advance(POLICY.first_backoff)
    assert sender.send_due().deferred == 1
    clock.advance(POLICY.second_look_after)
    assert sender.send_due().sent == 1
    assert len(sandbox.workspace.dm_messages(PM)) == 1
    assert len(sandbox.workspace.calls("conversations.history")) == 2


def test_every_ambiguous_attempt_gets_its_own_two_looks(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    # Nothing posted the first time; the repost is taken but stored slowly: it must be looked
    # for twice again rather than reposted on the first empty look.
    faults = sandbox.workspace.faults
    faults.server_error_next("chat.postMessage", after_processing=False)
    _queue(sandbox, clock)
    sender.send_due()
    clock.advance(POLICY.first_backoff)
    sender.send_due()
    faults.slow_store_next("chat.postMessage", visible_after=20)
    clock.advance(POLICY.second_look_after)
    assert sender.send_due().deferred == 1  # posted again: ambiguous again
    assert _delivery(sandbox).looked_at is None
    _drain(sender, clock, timedelta(seconds=5))
    assert len(sandbox.workspace.dm_messages(PM)) == 1
    assert _delivery(sandbox).state is DeliveryState.SENT
