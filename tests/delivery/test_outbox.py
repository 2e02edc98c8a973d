"""The outbox sends each delivery once, through 429s, 5xx, timeouts and dead senders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from bot.slack_gateway import WebClientGateway
from core.clock import FrozenClock
from messaging.gateway import Message
from messaging.layout import SplitPost, compose
from messaging.outbox import (
    CannotCompose,
    Composer,
    OutboxPolicy,
    OutboxSender,
    enqueue,
    enqueue_composed,
    enqueue_split,
)
from storage.models import Delivery, DeliveryState

PM = "U0PM00001"


def _sender(
    sandbox: Sandbox, clock: FrozenClock, composers: dict[str, Composer] | None = None
) -> OutboxSender:
    # A client without its own 429 retries, so the outbox's handling is what is tested.
    from slack_sdk import WebClient

    bare = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.workspace.api_url, retry_handlers=[])
    return OutboxSender(
        sandbox.session_factory, WebClientGateway(bare), clock, OutboxPolicy(), composers=composers
    )


@pytest.fixture
def sender(sandbox: Sandbox, clock: FrozenClock) -> OutboxSender:
    return _sender(sandbox, clock)


def _queue(sandbox: Sandbox, clock: FrozenClock, key: str = "test:1", target: str = PM) -> None:
    with sandbox.session_factory.begin() as session:
        enqueue(session, key=key, kind="test", target=target, message=Message(text="hello"), now=clock.now())


def _delivery(sandbox: Sandbox, key: str = "test:1") -> Delivery:
    with Session(sandbox.engine) as session:
        delivery = session.scalar(select(Delivery).where(Delivery.dedupe_key == key))
        assert delivery is not None
        return delivery


def test_enqueue_is_idempotent(sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender) -> None:
    _queue(sandbox, clock)
    _queue(sandbox, clock)
    assert sender.send_due().sent == 1
    assert sender.send_due().sent == 0
    assert len(sandbox.workspace.dm_messages(PM)) == 1
    delivery = _delivery(sandbox)
    assert delivery.state is DeliveryState.SENT
    assert delivery.channel_id is not None
    assert delivery.channel_id.startswith("D")
    assert delivery.message_ts == sandbox.workspace.dm_messages(PM)[0].ts


def test_rate_limit_waits_for_retry_after(sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender) -> None:
    sandbox.workspace.faults.rate_limit_next("chat.postMessage", times=1, retry_after=30)
    _queue(sandbox, clock)
    report = sender.send_due()
    assert (report.sent, report.deferred) == (0, 1)
    delivery = _delivery(sandbox)
    assert delivery.state is DeliveryState.PENDING
    assert delivery.not_before == clock.now() + timedelta(seconds=30)
    assert delivery.maybe_sent is False  # a 429 means nothing was posted
    clock.advance(timedelta(seconds=29))
    assert sender.send_due().sent == 0
    clock.advance(timedelta(seconds=1))
    assert sender.send_due().sent == 1
    assert len(sandbox.workspace.dm_messages(PM)) == 1


def test_server_error_after_posting_does_not_post_twice(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    # Slack posted, then answered 500: the retry must find the post instead of posting again.
    sandbox.workspace.faults.server_error_next("chat.postMessage", times=1, status=503, after_processing=True)
    _queue(sandbox, clock)
    assert sender.send_due().deferred == 1
    assert _delivery(sandbox).maybe_sent is True
    assert len(sandbox.workspace.dm_messages(PM)) == 1
    clock.advance(timedelta(minutes=1))
    assert sender.send_due().recovered == 1
    assert len(sandbox.workspace.dm_messages(PM)) == 1
    delivery = _delivery(sandbox)
    assert delivery.state is DeliveryState.SENT
    assert delivery.message_ts == sandbox.workspace.dm_messages(PM)[0].ts


def test_server_error_before_posting_posts_on_retry(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    sandbox.workspace.faults.server_error_next(
        "chat.postMessage", times=1, status=500, after_processing=False
    )
    _queue(sandbox, clock)
    assert sender.send_due().deferred == 1
    assert sandbox.workspace.dm_messages(PM) == []
    clock.advance(timedelta(minutes=1))
    assert sender.send_due().deferred == 1  # nothing found yet: look once more, later
    clock.advance(OutboxPolicy().second_look_after)
    assert sender.send_due().sent == 1
    assert len(sandbox.workspace.dm_messages(PM)) == 1


def test_dead_sender_lease_expires_and_the_next_one_looks_first(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    # A sender claimed the delivery, posted, and died before recording it.
    _queue(sandbox, clock)
    sandbox.client.chat_postMessage(
        channel=PM,
        text="hello",
        metadata={"event_type": "ritualbot_delivery", "event_payload": {"delivery": "test:1"}},
    )
    with sandbox.session_factory.begin() as session:
        delivery = session.scalar(select(Delivery).where(Delivery.dedupe_key == "test:1"))
        assert delivery is not None
        delivery.state, delivery.lease_token = DeliveryState.SENDING, "dead"
        delivery.lease_until = clock.now() + timedelta(seconds=60)
    assert sender.send_due().sent == 0  # the lease is still held
    clock.advance(timedelta(seconds=61))
    assert sender.send_due().recovered == 1
    assert len(sandbox.workspace.dm_messages(PM)) == 1


def test_refused_delivery_fails_with_slacks_reason(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    _queue(sandbox, clock, target="C0NOWHERE1")
    assert sender.send_due().failed == 1
    delivery = _delivery(sandbox)
    assert delivery.state is DeliveryState.FAILED
    assert delivery.error == "channel_not_found"


def test_a_rate_limit_holds_the_method_back_until_retry_after(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    sandbox.workspace.faults.rate_limit_next("chat.postMessage", times=1, retry_after=5)
    _queue(sandbox, clock, key="test:0", target="U0PM00001")
    assert sender.send_due().deferred == 1
    # The budget is per workspace: the rest would be refused too, so they wait without asking.
    for n in range(1, 3):
        _queue(sandbox, clock, key=f"test:{n}", target=f"U0PM0000{n + 1}")
    report = sender.send_due()
    assert (report.sent, report.deferred) == (0, 0)
    assert len(sandbox.workspace.calls("chat.postMessage")) == 1
    clock.advance(timedelta(seconds=5))
    assert sender.send_due().sent == 3


def test_participants_by_channel_name_and_large_groups(sandbox: Sandbox) -> None:
    gateway = WebClientGateway(sandbox.client)
    general = gateway.channel_members("general")
    assert PM in general
    people = gateway.people(general)
    assert people[PM].timezone == "America/New_York"


def test_large_groups_resolve_through_paged_users_list(
    engine: Engine, database_url: str, clock: FrozenClock
) -> None:
    from simulator import generated_roster

    with Sandbox(database_url, clock, migrate=False, roster=generated_roster(450)) as big:
        gateway = WebClientGateway(big.client)
        members = gateway.usergroup_members("product-managers")
        assert len(members) == 450
        people = gateway.people(members)
        assert len(people) == 450
        # 450 people in pages of 200: a handful of users.list calls instead of 450 users.info.
        assert len(big.workspace.calls("users.list")) >= 3
        assert big.workspace.calls("users.info") == []


def test_a_split_post_goes_out_as_a_parent_and_replies_in_its_thread(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    body = "\n\n".join(f"Part {n}: " + "z" * 2500 for n in range(12))  # ~30,000 characters
    post = compose("Your answer", body, intro="A copy of your answer.")
    assert len(post.replies) >= 2
    with sandbox.session_factory.begin() as session:
        assert enqueue_split(session, key="copy:1", kind="test", target=PM, post=post, now=clock.now())
        assert not enqueue_split(session, key="copy:1", kind="test", target=PM, post=post, now=clock.now())
    # Replies wait for their parent's ts; the next round sends them into its thread.
    while sender.send_due().sent:
        clock.advance(timedelta(seconds=5))
    [parent, *replies] = sandbox.workspace.dm_messages(PM)
    assert "A copy of your answer." in str(parent.blocks)
    assert [reply.thread_ts for reply in replies] == [parent.ts] * len(post.replies)
    sent = " ".join(str(reply.blocks) for reply in replies)
    assert all(f"Part {n}:" in sent for n in range(12))


def test_a_composed_post_is_laid_out_when_it_is_sent(sandbox: Sandbox, clock: FrozenClock) -> None:
    composed: list[object] = []

    def greeting(source: str | int) -> SplitPost:
        composed.append(source)
        return compose("Greeting", f"hello number {source}")

    sender = _sender(sandbox, clock, {"greeting": greeting})
    with sandbox.session_factory.begin() as session:
        assert enqueue_composed(
            session, key="hi:7", kind="test", target=PM, composer="greeting", source=7, now=clock.now()
        )
        assert not enqueue_composed(
            session, key="hi:7", kind="test", target=PM, composer="greeting", source=7, now=clock.now()
        )
    assert composed == []  # queueing lays nothing out
    assert _delivery(sandbox, "hi:7").payload == {"composed": {"composer": "greeting", "source": 7}}
    assert sender.send_due().sent == 1
    assert composed == [7]
    [message] = sandbox.workspace.dm_messages(PM)
    assert "hello number 7" in str(message.blocks)


def test_a_long_composed_post_continues_in_its_thread_once(sandbox: Sandbox, clock: FrozenClock) -> None:
    body = "\n\n".join(f"Part {n}: " + "z" * 2500 for n in range(12))
    sender = _sender(sandbox, clock, {"long": lambda _source: compose("Long", body, intro="Intro.")})
    # Slack posts, then answers 503: the retry composes again, and finds the post.
    sandbox.workspace.faults.server_error_next("chat.postMessage", times=1, status=503, after_processing=True)
    with sandbox.session_factory.begin() as session:
        enqueue_composed(
            session, key="long:1", kind="test", target=PM, composer="long", source=1, now=clock.now()
        )
    for _ in range(12):
        sender.send_due()
        clock.advance(timedelta(seconds=40))
    [parent, *replies] = sandbox.workspace.dm_messages(PM)
    assert "Intro." in str(parent.blocks)
    assert len(replies) >= 2
    assert {reply.thread_ts for reply in replies} == {parent.ts}
    sent = " ".join(str(reply.blocks) for reply in replies)
    assert all(sent.count(f"Part {n}:") == 1 for n in range(1, 12))


def test_a_post_that_cannot_be_composed_fails_with_the_reason(sandbox: Sandbox, clock: FrozenClock) -> None:
    def gone(source: str | int) -> SplitPost:
        raise CannotCompose(f"answer {source} no longer exists")

    sender = _sender(sandbox, clock, {"gone": gone})
    with sandbox.session_factory.begin() as session:
        enqueue_composed(
            session, key="a:1", kind="test", target=PM, composer="gone", source=1, now=clock.now()
        )
        enqueue_composed(
            session, key="a:2", kind="test", target=PM, composer="unknown", source=2, now=clock.now()
        )
    assert sender.send_due().failed == 2
    assert _delivery(sandbox, "a:1").error == "cannot compose: answer 1 no longer exists"
    assert "no composer named 'unknown'" in str(_delivery(sandbox, "a:2").error)
    assert sandbox.workspace.dm_messages(PM) == []
