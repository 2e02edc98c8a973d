"""Owners edit a post before approving it; audiences with a webhook get a signed JSON copy."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from bot.webhook_client import HttpxWebhookSender
from core.clock import FrozenClock
from messaging.webhooks import verify
from rituals.publish.decisions import save_post_edit
from rituals.publish.post_editor import EditMeta
from storage.models import Delivery, DeliveryState, Publication, Run

from .conftest import OWNER, AnswerFn, answer_values, close, roadmap

SECRET = "shared-webhook-secret"


def test_owner_edits_then_approves_the_edited_text(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    answer(
        "U0PM00001", answer_values(roadmap("Self-serve SSO", shareable=True), customer_update="SSO in March")
    )
    close(sandbox, clock, open_run)
    [preview] = sandbox.workspace.dm_messages(OWNER)
    sandbox.driver.click(OWNER, preview, "publication_edit")
    modal = sandbox.workspace.wait_for(lambda: sandbox.workspace.last_modal(OWNER))
    assert modal.callback_id == "publication_edit_view"
    # An empty post is refused inline, and the modal stays open.
    refused = sandbox.driver.submit_view(OWNER, modal, {"part_0": ""}, enforce_required=False)
    assert refused["response_action"] == "errors"
    answer_ = sandbox.driver.submit_view(
        OWNER, modal, {"part_0": "*Roadmap for customers*\nSSO opens in March."}
    )
    assert answer_.get("response_action") != "errors"
    sandbox.app.tick()
    previews = sandbox.workspace.dm_messages(OWNER)
    assert len(previews) == 2
    assert "SSO opens in March" in json.dumps(previews[1].blocks)
    sandbox.driver.click(OWNER, previews[1], "publication_approve")
    sandbox.workspace.wait_for(lambda: _approved(sandbox))
    sandbox.app.tick()
    [post] = sandbox.workspace.messages_in("sales-roadmap")
    assert "SSO opens in March" in json.dumps(post.blocks)
    with Session(sandbox.engine) as session:
        publication = session.scalar(select(Publication).where(Publication.audience == "sales"))
        assert publication is not None
        assert (publication.edited_by, publication.decided_by, publication.version) == (OWNER, OWNER, 2)


def test_a_long_edit_is_previewed_whole_in_a_thread_and_approved_from_its_parent(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    answer("U0PM00001", answer_values(roadmap("Self-serve SSO", shareable=True)))
    close(sandbox, clock, open_run)
    with Session(sandbox.engine) as session:
        sales = session.scalar(select(Publication).where(Publication.audience == "sales"))
        assert sales is not None
    # An edit longer than one message (the editor's parts, as submitted), through the use case.
    parts = {f"part_{n}": {"text": {"value": f"Section {n}: " + "q" * 2800}} for n in range(6)}
    assert save_post_edit(sandbox.app.services, EditMeta(sales.id, sales.version), parts, OWNER) == {}
    sandbox.app.tick()
    clock.advance(timedelta(seconds=5))
    sandbox.app.tick()  # the replies, once their parent has its ts
    dm = sandbox.workspace.dm_messages(OWNER)
    parent = next(m for m in dm[1:] if not m.is_reply)
    replies = [m for m in dm if m.thread_ts == parent.ts and m.is_reply]
    assert replies, "the preview continues in its thread"
    shown = " ".join(json.dumps(m.blocks) for m in [parent, *replies])
    assert all(f"Section {n}:" in shown for n in range(6))  # nothing left out
    assert "publication_approve" in json.dumps(parent.blocks)
    sandbox.driver.click(OWNER, parent, "publication_approve")
    sandbox.workspace.wait_for(lambda: _approved(sandbox))
    sandbox.app.tick()
    # The parent says who approved it; the replies are the text, and stay as they were.
    decided = sandbox.workspace.find_message(parent.channel, parent.ts)
    assert "Approved by" in json.dumps(decided.blocks)
    assert [sandbox.workspace.find_message(r.channel, r.ts).blocks for r in replies] == [
        r.blocks for r in replies
    ]


def _approved(sandbox: Sandbox) -> bool:
    with Session(sandbox.engine) as session:
        publication = session.scalar(select(Publication).where(Publication.audience == "sales"))
        return publication is not None and publication.approved_version == 2


class Receiver(BaseHTTPRequestHandler):
    """A wiki's webhook endpoint: fails the first `failures` deliveries, then records them."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    failures: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Receiver.failures > 0:
            Receiver.failures -= 1
            self.send_response(503)
            self.end_headers()
            return
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received, Receiver.failures = [], 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


WEBHOOK_RITUAL = """\
id: launch-wiki
name: Launch wiki feed
owners: [U0PRODOPS]
schedule: {{cron: "0 14 * * thu", timezone: America/New_York}}
participants: {{users: [U0PM00001]}}
form:
  - {{id: launch, type: text, label: What launches}}
audiences:
  - {{name: leaders, webhook: "{url}"}}
"""


@pytest.fixture
def webhook_sandbox(
    engine: Engine, database_url: str, clock: FrozenClock, receiver: str, tmp_path: Path
) -> Iterator[Sandbox]:
    (tmp_path / "launch-wiki.yml").write_text(WEBHOOK_RITUAL.format(url=receiver))
    with Sandbox(
        database_url,
        clock,
        migrate=False,
        rituals_path=[tmp_path],
        webhooks=HttpxWebhookSender(SECRET, clock),
    ) as running:
        yield running


def test_webhook_gets_a_signed_body_with_retries(webhook_sandbox: Sandbox, clock: FrozenClock) -> None:
    from rituals.runs.opening import create_manual_run
    from storage.models import Answer

    sandbox = webhook_sandbox
    definition = sandbox.library.get("launch-wiki")
    with sandbox.session_factory.begin() as session:
        run = create_manual_run(session, definition, clock.now(), note="test")
    opened = sandbox.app.services.opener.open(run, clock.now())
    assert opened is not None
    with sandbox.session_factory.begin() as session:
        session.add(
            Answer(
                run_id=run.id,
                ritual_id="launch-wiki",
                user_id="U0PM00001",
                version=1,
                values={"launch": "Dark mode <!channel>"},
                late=False,
                submitted_at=clock.now(),
            )
        )
    close(sandbox, clock, opened.run)
    assert Receiver.received == []  # the first attempt got a 503
    with Session(sandbox.engine) as session:
        delivery = session.scalar(select(Delivery).where(Delivery.kind == "webhook"))
        assert delivery is not None
        assert delivery.state is DeliveryState.PENDING
        assert delivery.not_before > clock.now()  # backing off
    clock.advance(timedelta(minutes=1))
    sandbox.app.tick()
    [(headers, raw)] = Receiver.received
    assert verify(SECRET, headers["X-Ritualbot-Timestamp"], raw, headers["X-Ritualbot-Signature"])
    body = json.loads(raw)
    assert body["ritual"] == "launch-wiki"
    assert "Dark mode &lt;!channel&gt;" in body["text"]
    assert headers["X-Ritualbot-Delivery"].startswith("pub:")
    clock.advance(timedelta(minutes=5))
    sandbox.app.tick()
    assert len(Receiver.received) == 1
