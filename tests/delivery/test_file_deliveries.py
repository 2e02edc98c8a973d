"""Files go through the outbox like posts: shared once, found again after an ambiguous failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from bot.slack_gateway import WebClientGateway
from core.clock import FrozenClock
from messaging.gateway import FileUpload, Message
from messaging.outbox import OutboxPolicy, OutboxSender, enqueue, enqueue_file
from storage.models import Delivery, DeliveryState

PM = "U0PM00001"
CHANNEL = "product-leads"


@pytest.fixture
def sender(sandbox: Sandbox, clock: FrozenClock) -> OutboxSender:
    bare = WebClient(token=sandbox.workspace.bot_token, base_url=sandbox.workspace.api_url, retry_handlers=[])
    return OutboxSender(sandbox.session_factory, WebClientGateway(bare), clock, OutboxPolicy())


def _upload(name: str = "export-2027-01-13.csv") -> FileUpload:
    return FileUpload(filename=name, content=b"a,b\n1,2\n", title="Export", initial_comment="Here it is")


def _queue_file(sandbox: Sandbox, clock: FrozenClock, key: str, target: str, **extra: str) -> bool:
    with sandbox.session_factory.begin() as session:
        return enqueue_file(
            session, key=key, kind="export", target=target, upload=_upload(), now=clock.now(), **extra
        )


def _state(sandbox: Sandbox, key: str) -> DeliveryState:
    with Session(sandbox.engine) as session:
        delivery = session.scalar(select(Delivery).where(Delivery.dedupe_key == key))
        assert delivery is not None
        return delivery.state


def test_a_file_is_shared_once_into_a_persons_dm(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    assert _queue_file(sandbox, clock, "file:1", PM)
    assert not _queue_file(sandbox, clock, "file:1", PM)  # a click delivered twice
    assert sender.send_due().sent == 1
    assert sender.send_due().sent == 0
    [shared] = [m for m in sandbox.workspace.dm_messages(PM) if m.files]
    [record] = [f for f in sandbox.workspace.files if f.id in shared.files]
    assert (record.filename, record.content, shared.text) == (
        "export-2027-01-13.csv",
        b"a,b\n1,2\n",
        "Here it is",
    )
    assert _state(sandbox, "file:1") is DeliveryState.SENT


def test_a_file_shared_before_an_error_is_not_shared_again(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    # Slack shared the file, then the answer was lost: the retry finds it by name.
    sandbox.workspace.faults.server_error_next(
        "files.completeUploadExternal", times=1, status=502, after_processing=True
    )
    _queue_file(sandbox, clock, "file:2", PM)
    assert sender.send_due().deferred == 1
    clock.advance(timedelta(minutes=1))
    assert sender.send_due().recovered == 1
    assert len([m for m in sandbox.workspace.dm_messages(PM) if m.files]) == 1
    assert _state(sandbox, "file:2") is DeliveryState.SENT


def test_a_file_in_a_thread_waits_for_its_parent_and_is_found_among_the_replies(
    sandbox: Sandbox, clock: FrozenClock, sender: OutboxSender
) -> None:
    with sandbox.session_factory.begin() as session:
        enqueue(
            session,
            key="parent",
            kind="digest",
            target=CHANNEL,
            message=Message(text="Digest"),
            now=clock.now(),
        )
    sandbox.workspace.faults.server_error_next(
        "files.completeUploadExternal", times=1, status=500, after_processing=True
    )
    _queue_file(sandbox, clock, "file:3", CHANNEL, thread_of="parent")
    sender.send_due()
    clock.advance(timedelta(minutes=1))
    sender.send_due()
    messages = sandbox.workspace.messages_in(CHANNEL)
    parent = next(m for m in messages if m.text == "Digest")
    shared = [m for m in messages if m.files]
    assert [m.thread_ts for m in shared] == [parent.ts]
    assert _state(sandbox, "file:3") is DeliveryState.SENT
