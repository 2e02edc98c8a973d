"""The "Export CSV" button: a signed click into the app, a file in the clicker's DM.

The file is an outbox delivery like every Slack write: the click queues it, the outbox sender
(here: one tick) shares it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.export.export_button import EXPORT_CSV_ACTION, export_button
from rituals.export.send_csv import EXPORT_KIND
from simulator.records import Message, UploadedFile
from storage.models import Delivery, Run

from .conftest import ANA, OWNER, RITUAL

LEADER = "U0LEAD001"  # reads the digest in #product-leads, but owns no ritual


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 2, 10, 15, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(engine: Engine, database_url: str, clock: FrozenClock) -> Iterator[Sandbox]:
    with Sandbox(database_url, clock, migrate=False, serve_http=False) as running:
        yield running


def digest_post(sandbox: Sandbox, run_id: int | None) -> Message:
    """A post in #product-leads carrying the button, as a digest would."""
    posted = sandbox.client.chat_postMessage(
        channel="C0LEADS01", text="Roadmap digest", blocks=[export_button(RITUAL, run_id)]
    )
    return sandbox.workspace.find_message("C0LEADS01", posted["ts"])


def shared_files(sandbox: Sandbox) -> list[UploadedFile]:
    return [file for file in sandbox.workspace.files if file.completed]


def exports_queued(sandbox: Sandbox) -> list[Delivery]:
    with Session(sandbox.engine) as session:
        return list(session.scalars(select(Delivery).where(Delivery.kind == EXPORT_KIND)))


def send_queued(sandbox: Sandbox) -> list[UploadedFile]:
    """Wait until the click has queued its file, then let the outbox share it."""
    sandbox.workspace.wait_for(lambda: exports_queued(sandbox))
    sandbox.app.tick()
    return sandbox.workspace.wait_for(lambda: shared_files(sandbox))


def rows_of(file: UploadedFile) -> list[dict[str, str]]:
    assert file.content is not None
    text = file.content.decode("utf-8-sig")  # the BOM is there for Excel
    return list(csv.DictReader(io.StringIO(text, newline="")))


def reply_to(sandbox: Sandbox, user: str) -> str:
    posts = sandbox.workspace.wait_for(lambda: [r for r in sandbox.workspace.responses if r.user == user])
    [post] = posts
    assert post.body.get("response_type") == "ephemeral"
    return str(post.body["text"])


def test_owner_gets_the_runs_csv_in_their_dm(sandbox: Sandbox, february: Run) -> None:
    sandbox.driver.click(OWNER, digest_post(sandbox, february.id), EXPORT_CSV_ACTION)
    [file] = send_queued(sandbox)
    dm = sandbox.workspace.dm_channel(OWNER)
    assert file.channels == [dm]
    assert file.filename == f"{RITUAL}-2027-02-10.csv"
    assert file.content is not None
    assert file.content.startswith(b"\xef\xbb\xbf")
    rows = rows_of(file)
    assert [(r["user_id"], r["state"], r["roadmap.title"]) for r in rows] == [
        (ANA, "answered", "SSO for hospitals"),
        (ANA, "answered", "Audit log"),
        ("U0PM00002", "skipped", ""),
        ("U0PM00003", "missing", ""),
        ("U0PM00004", "late", ""),
    ]
    assert {r["occurrence"] for r in rows} == {"2027-02-01T10:00"}
    [shared] = [m for m in sandbox.workspace.dm_messages(OWNER) if m.files]
    assert shared.files == [file.id]
    assert "Monthly roadmap check-in" in shared.text
    assert "The *Monthly roadmap check-in* export (the 2027-02-01T10:00 run) is on its way" in reply_to(
        sandbox, OWNER
    )
    # files_upload_v2 needs a conversation id: the DM was opened rather than the user id passed.
    [completed] = sandbox.workspace.calls("files.completeUploadExternal")
    assert dm in json.dumps(completed.params)


def test_a_reader_who_is_not_an_owner_is_refused_and_gets_no_file(sandbox: Sandbox, february: Run) -> None:
    sandbox.driver.click(LEADER, digest_post(sandbox, None), EXPORT_CSV_ACTION)
    assert "Only the owners of Monthly roadmap check-in" in reply_to(sandbox, LEADER)
    assert sandbox.workspace.files == []
    assert sandbox.workspace.calls("files.getUploadURLExternal") == []


def test_a_click_delivered_twice_uploads_once(sandbox: Sandbox, clock: FrozenClock, february: Run) -> None:
    sandbox.driver.click(OWNER, digest_post(sandbox, february.id), EXPORT_CSV_ACTION)
    reply_to(sandbox, OWNER)
    replayed = sandbox.driver.replay_last()
    assert replayed.status == 200
    sandbox.workspace.wait_for(lambda: len(sandbox.workspace.responses) == 2)
    [queued] = exports_queued(sandbox)
    sandbox.app.tick()
    sandbox.workspace.wait_for(lambda: shared_files(sandbox))
    assert len(sandbox.workspace.calls("files.completeUploadExternal")) == 1
    assert len(shared_files(sandbox)) == 1
    # A second click (a moment later: Slack stamps each click's time) is a second export.
    clock.advance(timedelta(seconds=5))
    sandbox.driver.click(OWNER, digest_post(sandbox, february.id), EXPORT_CSV_ACTION)
    sandbox.workspace.wait_for(lambda: len(exports_queued(sandbox)) == 2)
    assert queued.dedupe_key in {d.dedupe_key for d in exports_queued(sandbox)}


def test_home_tab_button_exports_every_run(sandbox: Sandbox, february: Run) -> None:
    sandbox.client.views_publish(user_id=OWNER, view={"type": "home", "blocks": [export_button(RITUAL)]})
    sandbox.driver.click_home(OWNER, EXPORT_CSV_ACTION)
    [file] = send_queued(sandbox)
    assert file.channels == [sandbox.workspace.dm_channel(OWNER)]
    assert len(rows_of(file)) == 5
    # Success needs no extra message: the file and its comment are the answer.
    assert [m for m in sandbox.workspace.dm_messages(OWNER) if not m.files] == []


def test_home_tab_refusal_opens_a_notice(sandbox: Sandbox, february: Run) -> None:
    sandbox.client.views_publish(user_id=LEADER, view={"type": "home", "blocks": [export_button(RITUAL)]})
    sandbox.driver.click_home(LEADER, EXPORT_CSV_ACTION)
    notice = sandbox.workspace.wait_for(lambda: sandbox.workspace.last_modal(LEADER))
    assert "Only the owners" in json.dumps(notice.blocks)
    assert exports_queued(sandbox) == []


def test_an_admin_may_export_any_ritual(engine: Engine, database_url: str, february: Run) -> None:
    clock = FrozenClock(datetime(2027, 2, 10, 15, 0, tzinfo=UTC))
    with Sandbox(database_url, clock, admins=[LEADER], migrate=False, serve_http=False) as sandbox:
        sandbox.driver.click(LEADER, digest_post(sandbox, february.id), EXPORT_CSV_ACTION)
        [file] = send_queued(sandbox)
        assert file.channels == [sandbox.workspace.dm_channel(LEADER)]


def test_nothing_to_export_is_said_and_no_file_is_made(sandbox: Sandbox) -> None:
    sandbox.driver.click(OWNER, digest_post(sandbox, None), EXPORT_CSV_ACTION)
    assert "nothing to export" in reply_to(sandbox, OWNER)
    assert sandbox.workspace.files == []
