"""Item 1: a signed request sent again inside Slack's five-minute window acts once."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, event

from bot.edge.replays import REMEMBER_FOR, SeenRequests
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.runs.trigger_confirmation import TRIGGER_CONFIRM_ACTION
from storage.database import create_database_engine
from storage.models import SeenRequest

from .edge import (
    FAULT,
    FORM,
    answers_saved,
    command_body,
    errors_in,
    response_texts,
    runs_of,
    signed_answer,
    wait_until,
)

pytestmark = FAULT

RITUAL = "monthly-roadmap-checkin"
OWNER = "U0PRODOPS"
PM = "U0PM00001"


def test_the_same_signed_trigger_sent_again_is_refused_and_prompts_once(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_body(sandbox, OWNER, f"trigger {RITUAL}")
    signed_at = int(time.time())
    first = sandbox.driver.post(body, content_type=FORM, timestamp=signed_at)
    assert first.status == 200
    wait_until(lambda: any("Opened" in text for text in response_texts(sandbox)))
    sandbox.app.tick()
    prompts = len(sandbox.workspace.dm_messages(PM))
    # The same bytes and signature a minute later (the clock moved: a new manual-run key).
    sandbox.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    replayed = sandbox.driver.post(body, content_type=FORM, timestamp=signed_at)
    assert replayed.status == 409
    sandbox.app.tick()
    assert runs_of(sandbox, RITUAL) == 1
    assert len(sandbox.workspace.dm_messages(PM)) == prompts == 1
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.levelname == "WARNING"] == [
        "refused a replayed request"
    ]
    assert errors_in(caplog) == []


def test_a_replay_is_refused_by_another_replica_too(
    sandbox: Sandbox, engine: object, database_url: str, clock: FrozenClock
) -> None:
    """Two bots on one database: the bytes one of them handled are refused by the other."""
    body = command_body(sandbox, OWNER, "help")
    signed_at = int(time.time())
    assert sandbox.driver.post(body, content_type=FORM, timestamp=signed_at).status == 200
    with Sandbox(database_url, clock, library=sandbox.library, migrate=False) as other:
        other.driver.verifier = sandbox.driver.verifier
        assert other.driver.post(body, content_type=FORM, timestamp=signed_at).status == 409


def test_slacks_own_retry_of_an_event_is_let_through_once_per_retry_number(sandbox: Sandbox) -> None:
    event = {"type": "app_home_opened", "user": PM, "tab": "home", "channel": "D1"}
    body = json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T0SIM0001", "event": event})
    signed_at = int(time.time())
    assert sandbox.driver.post(body, timestamp=signed_at).status == 200
    assert sandbox.driver.post(body, timestamp=signed_at, retry_num=1).status == 200
    # The same retry delivered twice is a replay like any other.
    assert sandbox.driver.post(body, timestamp=signed_at, retry_num=1).status == 409


def test_trigger_asks_before_opening_a_second_run_and_opens_it_when_confirmed(sandbox: Sandbox) -> None:
    sandbox.driver.slash_command(OWNER, "/ritual", f"trigger {RITUAL}")
    wait_until(lambda: any("Opened" in text for text in response_texts(sandbox)))
    sandbox.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    sandbox.driver.slash_command(OWNER, "/ritual", f"trigger {RITUAL}")
    wait_until(lambda: any("already has an open run" in text for text in response_texts(sandbox)))
    assert runs_of(sandbox, RITUAL) == 1
    question = sandbox.workspace.responses[-1]
    assert question.body.get("response_type") == "ephemeral"
    assert TRIGGER_CONFIRM_ACTION in json.dumps(question.body.get("blocks"))
    # The owner confirms: another run opens.
    [ephemeral] = [m for m in sandbox.workspace.ephemeral_for(OWNER) if "already has an open run" in m.text]
    sandbox.driver.click(OWNER, ephemeral, TRIGGER_CONFIRM_ACTION)
    wait_until(lambda: sum("Opened" in text for text in response_texts(sandbox)) == 2)
    assert runs_of(sandbox, RITUAL) == 2


def test_seen_signatures_are_forgotten_once_they_could_not_verify_again(sandbox: Sandbox) -> None:
    seen = SeenRequests(sandbox.engine)
    now = datetime.now(UTC)
    assert seen.first_time("v0=old", now - REMEMBER_FOR - timedelta(seconds=1))
    assert seen.first_time("v0=new", now)
    assert not seen.first_time("v0=new", now)
    assert seen.prune(now) == 1
    with sandbox.session_factory() as session:
        assert [row.signature for row in session.query(SeenRequest)] == ["v0=new"]


def test_on_sqlite_a_signature_is_remembered_in_one_plain_transaction(
    database_url: str, engine: Engine
) -> None:
    """SQLite has no round trips for autocommit to spare, and switching a pooled connection to
    autocommit and back ran a PRAGMA at every request: the memory writes BEGIN, INSERT, COMMIT."""
    if not database_url.startswith("sqlite"):
        pytest.skip("what SQLite itself is asked to run")
    traced = create_database_engine(database_url)
    statements: list[str] = []
    event.listen(
        traced,
        "connect",
        lambda dbapi_connection, _record: dbapi_connection.set_trace_callback(statements.append),
    )
    try:
        seen = SeenRequests(traced)
        now = datetime.now(UTC)
        assert seen.first_time("v0=first", now)  # the pool's connection made, the prune done
        statements.clear()
        assert seen.first_time("v0=second", now)
        assert not seen.first_time("v0=second", now)
    finally:
        traced.dispose()
    kinds = [statement.split()[0].upper() for statement in statements]
    assert kinds == ["BEGIN", "INSERT", "COMMIT"] * 2


def test_a_replayed_answer_submission_is_refused_and_saved_once(
    sandbox: Sandbox, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The answer's listener writes the request's record with the answer; a replay meets it there
    and gets the edge's own refusal."""
    body, signed_at = signed_answer(sandbox, clock), int(time.time())
    with caplog.at_level(logging.INFO):
        first = sandbox.driver.post(body, content_type=FORM, timestamp=signed_at)
        replayed = sandbox.driver.post(body, content_type=FORM, timestamp=signed_at)
    assert first.status == 200
    assert (replayed.status, replayed.json) == (409, {"error": "request already handled"})
    assert answers_saved(sandbox) == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "refused a replayed request: its signature was seen before"
    ]
    assert errors_in(caplog) == []
    # Slack's own retry of the submission is let through, and saves nothing twice.
    assert sandbox.driver.post(body, content_type=FORM, timestamp=signed_at, retry_num=1).status == 200
    assert answers_saved(sandbox) == 1


def test_the_same_submission_sent_twice_at_once_is_handled_once(sandbox: Sandbox, clock: FrozenClock) -> None:
    body, signed_at = signed_answer(sandbox, clock), int(time.time())
    start = threading.Barrier(2)

    def send(_: int) -> int:
        start.wait()
        return sandbox.driver.post(body, content_type=FORM, timestamp=signed_at).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(send, range(2)))
    assert statuses == [200, 409]
    assert answers_saved(sandbox) == 1


def test_a_submissions_record_is_written_in_the_transaction_that_saves_the_answer(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    """One write transaction for the submission, not a second one for its record before it."""
    body = signed_answer(sandbox, clock)
    trail: list[tuple[str, int, str]] = []

    def executed(conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        # On PostgreSQL the answer's INSERT is one of the WITH clauses of a larger statement.
        words = " ".join(statement.split())
        what = "INSERT INTO answers" if "INSERT INTO answers" in words else " ".join(words.split()[:3])
        trail.append(("execute", id(conn.connection.dbapi_connection), what))

    def committed(conn: Connection) -> None:
        trail.append(("commit", id(conn.connection.dbapi_connection), ""))

    event.listen(sandbox.engine, "before_cursor_execute", executed)
    event.listen(sandbox.engine, "commit", committed)
    try:
        assert sandbox.driver.post(body, content_type=FORM).status == 200
    finally:
        event.remove(sandbox.engine, "before_cursor_execute", executed)
        event.remove(sandbox.engine, "commit", committed)
    [(_, connection, _)] = [step for step in trail if step[2] == "INSERT INTO seen_requests"]
    on_it = [what for kind, conn, what in trail if conn == connection and (kind == "commit" or what)]
    recorded = on_it.index("INSERT INTO seen_requests")
    saved = on_it.index("INSERT INTO answers")
    assert recorded < saved < on_it.index("", recorded), on_it


def test_a_replayed_submission_is_refused_by_another_replica_too(
    sandbox: Sandbox, engine: object, database_url: str, clock: FrozenClock
) -> None:
    body, signed_at = signed_answer(sandbox, clock), int(time.time())
    assert sandbox.driver.post(body, content_type=FORM, timestamp=signed_at).status == 200
    with Sandbox(database_url, clock, library=sandbox.library, migrate=False) as other:
        other.driver.verifier = sandbox.driver.verifier
        assert other.driver.post(body, content_type=FORM, timestamp=signed_at).status == 409
    assert answers_saved(sandbox) == 1
