"""The "Export CSV" button end to end: a signed click over HTTP, a file in the clicker's DM."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.export.tables import EXPORT_CSV_ACTION, export_button
from simulator.records import Message, UploadedFile
from storage.models import Run

from .conftest import ANA, OWNER, RITUAL

pytestmark = pytest.mark.e2e

LEADER = "U0LEAD001"  # reads the digest in #product-leads, but owns no ritual


@pytest.fixture
def sandbox(engine: Engine, database_url: str) -> Iterator[Sandbox]:
    clock = FrozenClock(datetime(2027, 2, 10, 15, 0, tzinfo=UTC))
    with Sandbox(database_url, clock, migrate=False) as running:
        yield running


def digest_post(sandbox: Sandbox, run_id: int | None) -> Message:
    """A post in #product-leads carrying the button, as a digest would."""
    posted = sandbox.client.chat_postMessage(
        channel="C0LEADS01", text="Roadmap digest", blocks=[export_button(RITUAL, run_id)]
    )
    return sandbox.workspace.find_message("C0LEADS01", posted["ts"])


def shared_files(sandbox: Sandbox) -> list[UploadedFile]:
    return [file for file in sandbox.workspace.files if file.completed]


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
    [file] = sandbox.workspace.wait_for(lambda: shared_files(sandbox))
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
    assert "sent the *Monthly roadmap check-in* export" in reply_to(sandbox, OWNER)
    # files_upload_v2 needs a conversation id: the DM was opened rather than the user id passed.
    [completed] = sandbox.workspace.calls("files.completeUploadExternal")
    assert dm in json.dumps(completed.params)


def test_a_reader_who_is_not_an_owner_is_refused_and_gets_no_file(sandbox: Sandbox, february: Run) -> None:
    sandbox.driver.click(LEADER, digest_post(sandbox, None), EXPORT_CSV_ACTION)
    assert "Only the owners of Monthly roadmap check-in" in reply_to(sandbox, LEADER)
    assert sandbox.workspace.files == []
    assert sandbox.workspace.calls("files.getUploadURLExternal") == []


def test_home_tab_button_exports_every_run(sandbox: Sandbox, february: Run) -> None:
    sandbox.client.views_publish(user_id=OWNER, view={"type": "home", "blocks": [export_button(RITUAL)]})
    sandbox.driver.click_home(OWNER, EXPORT_CSV_ACTION)
    [file] = sandbox.workspace.wait_for(lambda: shared_files(sandbox))
    assert file.channels == [sandbox.workspace.dm_channel(OWNER)]
    assert len(rows_of(file)) == 5
    # Success needs no extra message: the file and its comment are the answer.
    assert [m for m in sandbox.workspace.dm_messages(OWNER) if not m.files] == []


def test_home_tab_refusal_arrives_as_a_dm(sandbox: Sandbox, february: Run) -> None:
    sandbox.client.views_publish(user_id=LEADER, view={"type": "home", "blocks": [export_button(RITUAL)]})
    sandbox.driver.click_home(LEADER, EXPORT_CSV_ACTION)
    [message] = sandbox.workspace.wait_for(lambda: sandbox.workspace.dm_messages(LEADER))
    assert "Only the owners" in message.text
    assert sandbox.workspace.files == []


def test_an_admin_may_export_any_ritual(engine: Engine, database_url: str, february: Run) -> None:
    clock = FrozenClock(datetime(2027, 2, 10, 15, 0, tzinfo=UTC))
    with Sandbox(database_url, clock, admins=[LEADER], migrate=False) as sandbox:
        sandbox.driver.click(LEADER, digest_post(sandbox, february.id), EXPORT_CSV_ACTION)
        [file] = sandbox.workspace.wait_for(lambda: shared_files(sandbox))
        assert file.channels == [sandbox.workspace.dm_channel(LEADER)]


def test_nothing_to_export_is_said_and_no_file_is_made(sandbox: Sandbox) -> None:
    sandbox.driver.click(OWNER, digest_post(sandbox, None), EXPORT_CSV_ACTION)
    assert "nothing to export" in reply_to(sandbox, OWNER)
    assert sandbox.workspace.files == []
