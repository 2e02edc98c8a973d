"""The continuous sender: woken on enqueue, paced per method, shared safely between replicas.

Nothing here is timed: background senders are awaited with a generous timeout, and what is
asserted is who posted what, how many times, and what Slack was asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event, func, select

from bot.database import connect
from bot.delivery import BackgroundSender
from bot.sandbox import Sandbox
from bot.slack_gateway import WebClientGateway
from core.clock import FrozenClock
from messaging.gateway import Message, PostedMessage
from messaging.outbox import NOTIFY_CHANNEL, QUEUED, OutboxPolicy, OutboxSender, enqueue
from messaging.outbox_bell import OutboxBell
from simulator import generated_roster
from storage.models import Delivery, DeliveryState

PEOPLE = 40
PMS = [f"U0PM{i:05d}" for i in range(1, PEOPLE + 1)]


@pytest.fixture
def workspace(engine: Engine, database_url: str, clock: FrozenClock) -> Iterator[Sandbox]:
    with Sandbox(
        database_url, clock, migrate=False, roster=generated_roster(PEOPLE), serve_http=False
    ) as box:
        yield box


def _bare_gateway(box: Sandbox) -> WebClientGateway:
    # No 429 retries in the client, as the production outbox is wired.
    return WebClientGateway(
        WebClient(token=box.workspace.bot_token, base_url=box.workspace.api_url, retry_handlers=[])
    )


def _sender(box: Sandbox, clock: FrozenClock, **policy: object) -> OutboxSender:
    return OutboxSender(box.session_factory, _bare_gateway(box), clock, OutboxPolicy(**policy))  # type: ignore[arg-type]


def _queue(box: Sandbox, clock: FrozenClock, targets: list[str], prefix: str = "t") -> None:
    with box.session_factory.begin() as session:
        for target in targets:
            enqueue(
                session,
                key=f"{prefix}:{target}",
                kind="test",
                target=target,
                message=Message(text="hi"),
                now=clock.now(),
            )


def _eventually(condition: Callable[[], bool], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the background sender did not get there"
        time.sleep(0.02)


def _dm_counts(box: Sandbox, people: list[str]) -> dict[str, int]:
    return {person: len(box.workspace.dm_messages(person)) for person in people}


def test_a_queued_delivery_goes_out_without_a_tick(workspace: Sandbox, clock: FrozenClock) -> None:
    # The poll is an hour: only the wake-up on commit can send it.
    background = BackgroundSender(
        workspace.app.sender, workspace.session_factory, workspace.engine, poll_seconds=3600
    ).start()
    try:
        _queue(workspace, clock, PMS[:3])
        _eventually(lambda: all(count == 1 for count in _dm_counts(workspace, PMS[:3]).values()))
    finally:
        background.stop()
    assert len(workspace.workspace.calls("chat.postMessage")) == 3


def test_a_delivery_committed_without_a_session_goes_out_when_the_bell_rings(
    workspace: Sandbox, clock: FrozenClock
) -> None:
    bell = OutboxBell()
    background = BackgroundSender(
        workspace.app.sender, workspace.session_factory, workspace.engine, poll_seconds=3600, bell=bell
    ).start()
    try:
        with workspace.session_factory.begin() as session:
            enqueue(
                session, key="bell:1", kind="test", target=PMS[0], message=Message(text="hi"), now=clock.now()
            )
            # As a transaction without a session: nothing marks it to wake the sender on commit.
            session.info.pop(QUEUED)
        bell.ring()
        _eventually(lambda: _dm_counts(workspace, PMS[:1]) == {PMS[0]: 1})
    finally:
        background.stop()
    bell.ring()  # a stopped sender no longer listens: nothing happens


def test_the_outbox_never_waits_out_a_429_inside_its_lease(workspace: Sandbox, clock: FrozenClock) -> None:
    # The app as production wires it: a Retry-After puts the delivery back rather than sleeping
    # in the sender's thread, where a long one would outlive the lease.
    workspace.workspace.faults.rate_limit_next("chat.postMessage", times=1, retry_after=1)
    _queue(workspace, clock, PMS[:1])
    report = workspace.app.tick().sent
    assert (report.sent, report.deferred) == (0, 1)
    assert len(workspace.workspace.calls("chat.postMessage")) == 1
    with workspace.session_factory() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert delivery.state is DeliveryState.PENDING
    assert delivery.not_before == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    assert workspace.app.tick().sent.sent == 1


def test_a_429_on_chat_update_does_not_hold_back_prompts(workspace: Sandbox, clock: FrozenClock) -> None:
    sender = _sender(workspace, clock)
    first = workspace.client.chat_postMessage(channel=PMS[0], text="to be edited")
    edited = (str(first["channel"]), str(first["ts"]))
    workspace.workspace.faults.rate_limit_next("chat.update", times=1, retry_after=30)
    with workspace.session_factory.begin() as session:
        enqueue(
            session,
            key="edit:1",
            kind="test",
            target=PMS[0],
            message=Message(text="closed"),
            now=clock.now(),
            update_of=edited,
        )
    _queue(workspace, clock, PMS[1:2])
    report = sender.send_due()
    assert (report.sent, report.deferred) == (1, 1)

    # Retry-After was learned: a second edit waits without asking Slack, prompts still go.
    with workspace.session_factory.begin() as session:
        enqueue(
            session,
            key="edit:2",
            kind="test",
            target=PMS[0],
            message=Message(text="closed"),
            now=clock.now(),
            update_of=edited,
        )
    _queue(workspace, clock, PMS[2:4])
    report = sender.send_due()
    assert (report.sent, report.deferred) == (2, 0)
    assert len(workspace.workspace.calls("chat.update")) == 1

    clock.advance(timedelta(seconds=30))
    assert sender.send_due().sent == 2
    assert [call.ok for call in workspace.workspace.calls("chat.update")] == [False, True, True]


class _Killed(BaseException):
    """The process dies: nothing after this line of the sender runs."""


class _DiesAfterPosting:
    """A gateway that posts `posts` messages and then takes the process down with it."""

    def __init__(self, gateway: WebClientGateway, posts: int) -> None:
        self._gateway = gateway
        self._left = posts

    def __getattr__(self, name: str) -> object:
        return getattr(self._gateway, name)

    def post_message(self, channel: str, message: Message) -> PostedMessage:
        if self._left <= 0:
            raise _Killed
        self._left -= 1
        return self._gateway.post_message(channel, message)


@pytest.mark.fault
def test_a_sender_dead_mid_batch_is_taken_over_within_20_seconds_without_double_posts(
    workspace: Sandbox, clock: FrozenClock
) -> None:
    people = PMS[:10]
    _queue(workspace, clock, people)
    dying = OutboxSender(
        workspace.session_factory,
        _DiesAfterPosting(_bare_gateway(workspace), posts=4),  # type: ignore[arg-type]
        clock,
        OutboxPolicy(senders=1),
    )
    with pytest.raises(_Killed):
        dying.send_due()
    assert sum(_dm_counts(workspace, people).values()) == 4
    survivor = _sender(workspace, clock)
    assert survivor.send_due().sent == 0  # the dead sender's lease still holds
    # The lease is a little longer than the client's timeout, so the rows are free well
    # within 20 s of the death.
    clock.advance(timedelta(seconds=16))
    report = survivor.send_due()
    assert (report.recovered, report.sent) == (4, 6)
    assert _dm_counts(workspace, people) == dict.fromkeys(people, 1)


def test_two_replicas_on_one_database_post_each_delivery_once(
    workspace: Sandbox, clock: FrozenClock, database_url: str
) -> None:
    other_database = connect(database_url, require_current=False)
    ours = _sender(workspace, clock, batch_size=7)
    theirs = OutboxSender(
        other_database.session_factory, _bare_gateway(workspace), clock, OutboxPolicy(batch_size=7)
    )
    replicas = [
        BackgroundSender(ours, workspace.session_factory, workspace.engine, poll_seconds=0.05).start(),
        BackgroundSender(
            theirs, other_database.session_factory, other_database.engine, poll_seconds=0.05
        ).start(),
    ]
    try:
        _queue(workspace, clock, PMS)

        def all_sent() -> bool:
            with workspace.session_factory() as session:
                pending = select(func.count()).where(Delivery.state != DeliveryState.SENT)
                return session.scalar(pending) == 0

        _eventually(all_sent)
    finally:
        for replica in replicas:
            replica.stop()
        other_database.close()
    assert _dm_counts(workspace, PMS) == dict.fromkeys(PMS, 1)
    assert len(workspace.workspace.calls("chat.postMessage")) == len(PMS)


def test_another_replica_hears_a_queued_delivery_at_once(
    workspace: Sandbox, clock: FrozenClock, database_url: str
) -> None:
    if workspace.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; elsewhere replicas poll")
    other_database = connect(database_url, require_current=False)
    theirs = OutboxSender(other_database.session_factory, _bare_gateway(workspace), clock)
    # The other replica polls once an hour: only the NOTIFY sent on commit can wake it.
    replica = BackgroundSender(
        theirs, other_database.session_factory, other_database.engine, poll_seconds=3600
    )
    replica.start()
    try:
        assert replica.listening.wait(30)
        _queue(workspace, clock, PMS[:2])
        _eventually(lambda: all(count == 1 for count in _dm_counts(workspace, PMS[:2]).values()))
    finally:
        replica.stop()
        other_database.close()


def test_postgresql_notifies_once_per_committed_statement_that_queued(
    workspace: Sandbox, clock: FrozenClock, database_url: str
) -> None:
    if workspace.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; elsewhere replicas poll")
    import psycopg

    url = workspace.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")

        def heard() -> int:
            return sum(1 for _ in listener.notifies(timeout=0.5, stop_after=10))

        # Two deliveries in one transaction: one notification, delivered at commit, sent by the
        # table's trigger rather than by a statement of the transaction's own.
        statements: list[str] = []

        def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
            statements.append(statement)

        event.listen(workspace.engine, "before_cursor_execute", record)
        try:
            _queue(workspace, clock, PMS[:2])
        finally:
            event.remove(workspace.engine, "before_cursor_execute", record)
        assert heard() == 1
        assert statements
        assert not [statement for statement in statements if "notify" in statement.lower()]
        # Rolled back: nothing is heard.
        with workspace.session_factory() as session:
            enqueue(
                session, key="gone", kind="test", target=PMS[3], message=Message(text="x"), now=clock.now()
            )
            session.rollback()
        assert heard() == 0
        # Every key queued before: nothing new, nothing heard.
        _queue(workspace, clock, PMS[:2])
        assert heard() == 0
