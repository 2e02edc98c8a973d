"""Helpers of the fault suite: raw requests to the bot's real endpoint, what the log says, and
PostgreSQL dropping the connections behind a pool."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.pool import NullPool

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from core.types import JsonDict
from rituals.collect.forms.ids import ANSWER_CALLBACK
from rituals.collect.prompts import FILL_ACTION
from rituals.runs.opening import create_manual_run
from simulator import BotReply
from simulator.payloads import view_submission
from simulator.view_state import build_state
from storage.database import create_database_engine
from storage.models import Answer, Run

FORM = "application/x-www-form-urlencoded"
PM = "U0PM00001"
# A ritual whose form a PM can send with one field filled in.
ANSWERED = "launch-update"
# Every test of the suite is bounded: a hang (a server reading a huge body) fails, not blocks CI.
FAULT = [pytest.mark.e2e, pytest.mark.fault, pytest.mark.timeout(180)]


def send_payload(sandbox: Sandbox, payload: object, *, timestamp: int | None = None) -> BotReply:
    """A signed interaction, as Slack sends clicks and submissions (`payload=<json>`)."""
    body = urlencode({"payload": json.dumps(payload)})
    return sandbox.driver.post(body, content_type=FORM, timestamp=timestamp)


def command_body(sandbox: Sandbox, user_id: str, text: str) -> str:
    """The form body Slack sends for `/ritual <text>`, to be sent (and sent again) as it is."""
    _channel, fields = sandbox.workspace.slash_command_fields(user_id, "/ritual", text)
    return urlencode(fields)


def errors_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR lines and tracebacks: what a forged request must never cause."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info is not None
    ]


def runs_of(sandbox: Sandbox, ritual_id: str) -> int:
    with sandbox.session_factory() as session:
        return int(
            session.scalar(select(func.count()).select_from(Run).where(Run.ritual_id == ritual_id)) or 0
        )


def wait_until(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def response_texts(sandbox: Sandbox) -> list[str]:
    return [str(post.body.get("text", "")) for post in sandbox.workspace.responses]


def ephemeral_json(reply: BotReply) -> JsonDict:
    body = reply.json
    assert isinstance(body, dict)
    return body


def backends_of(engine: Engine, connections: int) -> list[int]:
    """Check out `connections` at once and give them back; the server process id behind each."""
    held = [engine.connect() for _ in range(connections)]
    try:
        return [int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in held]
    finally:
        for connection in held:
            connection.close()


def terminate(database_url: str, pids: list[int]) -> None:
    """End those server processes, as a restart would, and wait until each is gone: without the
    wait, a statement sent at once could still reach a backend about to exit."""
    killer = create_database_engine(database_url, poolclass=NullPool)
    try:
        with killer.connect() as connection:
            for pid in pids:
                ended = connection.execute(
                    text("SELECT pg_terminate_backend(:pid, :wait_ms)"), {"pid": pid, "wait_ms": 5000}
                ).scalar_one()
                assert ended, f"server process {pid} did not end within 5 s"
    finally:
        killer.dispose()


def signed_answer(sandbox: Sandbox, clock: FrozenClock) -> bytes:
    """A PM's filled-in answer modal, as Slack posts its submission: bytes to send, and send again."""
    definition = sandbox.library.get(ANSWERED)
    with sandbox.session_factory.begin() as session:
        run = create_manual_run(session, definition, clock.now(), note="fault suite")
    assert sandbox.app.services.opener.open(run, clock.now()) is not None
    sandbox.app.tick()
    ws = sandbox.workspace
    [prompt] = ws.dm_messages(PM)
    sandbox.driver.click(PM, prompt, FILL_ACTION)
    form = ws.wait_for(lambda: next((v for v in ws.open_views(PM) if v.callback_id == ANSWER_CALLBACK), None))
    form.state = build_state(form, {"notes": "Shipped single sign-on"})
    payload = view_submission(ws.state, PM, form, ws.mint_trigger(PM, form.id))
    return urlencode({"payload": json.dumps(payload)}).encode()


def answers_saved(sandbox: Sandbox) -> int:
    with sandbox.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Answer)) or 0)
