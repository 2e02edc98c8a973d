"""Over HTTP, Slack gets its answer as soon as the listener has acknowledged: Bolt is handed the
body the request edge parsed (no second parse, no second signature check), runs the listener in
the request's thread, and the work after `ack()` waits for the answer, not the other way round."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
import slack_bolt.request.request as bolt_request
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.edge.handoff import CheckedRequestHandler
from bot.edge.middleware import RequestEdge
from bot.edge.replays import SeenRequests
from handlers.after_ack import deferring, later
from handlers.failures import after_ack
from handlers.payloads import (
    CHECKED_PAYLOAD,
    BlockActions,
    MalformedPayload,
    ViewSubmission,
    check_envelope,
    parse_checked,
)
from simulator import SimulatedWorkspace, generated_roster

SUBMISSION = {
    "type": "view_submission",
    "team": {"id": "T1"},
    "user": {"id": "U0PM00001", "team_id": "T1"},
    "view": {
        "id": "V1",
        "type": "modal",
        "callback_id": "answer",
        "private_metadata": "",
        "state": {"values": {}},
    },
}


@pytest.fixture(scope="module")
def workspace() -> Iterator[SimulatedWorkspace]:
    with SimulatedWorkspace(generated_roster(1)) as running:
        yield running


def _bolt(workspace: SimulatedWorkspace, listener: Any) -> App:
    """A Bolt app wired as the bot's is over HTTP, with one listener for the submission."""
    app = App(
        signing_secret=workspace.signing_secret,
        token_verification_enabled=False,
        client=WebClient(token=workspace.bot_token, base_url=workspace.api_url),
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=2),
    )
    app.view("answer")(listener)
    return app


def _environ(secret: str, body: bytes, *, signed: bool = True) -> dict[str, Any]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": signature if signed else "v0=" + "0" * 64,
    }


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, bytes]:
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0], body


def _edge(workspace: SimulatedWorkspace, bolt: App, engine: Engine) -> RequestEdge:
    return RequestEdge(
        CheckedRequestHandler(bolt),
        signing_secret=workspace.signing_secret,
        seen=SeenRequests(engine),
        path="/slack/events",
    )


def _submission() -> bytes:
    return urlencode({"payload": json.dumps(SUBMISSION)}).encode()


def test_bolt_gets_the_body_the_edge_parsed_and_parses_nothing(
    workspace: SimulatedWorkspace, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []

    def listener(ack: Ack, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    def no_second_parse(*_args: object) -> None:
        raise AssertionError("Bolt parsed the body again")

    monkeypatch.setattr(bolt_request, "parse_body", no_second_parse)
    status, _ = _call(
        _edge(workspace, _bolt(workspace, listener), engine),
        _environ(workspace.signing_secret, _submission()),
    )
    assert status == "200 OK"
    assert [body["view"]["id"] for body in seen] == ["V1"]


def test_the_listener_reads_the_payload_the_envelope_check_parsed(
    workspace: SimulatedWorkspace, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    submissions: list[ViewSubmission] = []

    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        submissions.append(parse_checked(ViewSubmission, body, context))
        ack()

    validated: list[object] = []
    validate = ViewSubmission.model_validate

    def counted(body: Any, **kwargs: Any) -> ViewSubmission:
        validated.append(body)
        return validate(body, **kwargs)

    monkeypatch.setattr(ViewSubmission, "model_validate", counted)
    status, _ = _call(
        _edge(workspace, _bolt(workspace, listener), engine),
        _environ(workspace.signing_secret, _submission()),
    )
    assert status == "200 OK"
    assert [submission.view.id for submission in submissions] == ["V1"]
    assert len(validated) == 1  # by the envelope check; the listener took its result


def test_a_payload_of_another_kind_is_parsed_afresh() -> None:
    checked = {CHECKED_PAYLOAD: check_envelope(SUBMISSION)}
    assert parse_checked(ViewSubmission, SUBMISSION, checked) is checked[CHECKED_PAYLOAD]
    assert parse_checked(ViewSubmission, SUBMISSION, {}).view.id == "V1"
    with pytest.raises(MalformedPayload):
        parse_checked(BlockActions, SUBMISSION, checked)


def test_without_the_edge_bolt_verifies_and_parses_as_ever(workspace: SimulatedWorkspace) -> None:
    def listener(ack: Ack) -> None:
        ack()

    handler = CheckedRequestHandler(_bolt(workspace, listener))
    secret = workspace.signing_secret
    assert _call(handler, _environ(secret, _submission()))[0] == "200 OK"
    assert _call(handler, _environ(secret, _submission(), signed=False))[0].startswith("401")


def test_the_answer_does_not_wait_for_the_work_after_ack(
    workspace: SimulatedWorkspace, engine: Engine
) -> None:
    release, done = threading.Event(), threading.Event()

    def slow_work() -> None:
        release.wait(10)
        done.set()

    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_ack(body, client, None, "doing slow work", slow_work)

    started = time.monotonic()
    edge = _edge(workspace, _bolt(workspace, listener), engine)
    status, _ = _call(edge, _environ(workspace.signing_secret, _submission()))
    answered_in = time.monotonic() - started
    assert status == "200 OK"
    assert not done.is_set()  # answered while the work still waits
    assert answered_in < 5
    release.set()
    assert done.wait(5)  # and the work then runs, on the listener executor


def test_work_queued_while_dispatching_runs_in_order_after_the_block() -> None:
    ran: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as executor, deferring(executor):
        later(lambda: ran.append("first"))
        later(lambda: ran.append("second"))
        assert ran == []
    assert ran == ["first", "second"]


def test_outside_a_dispatch_the_work_runs_at_once() -> None:
    ran: list[str] = []
    later(lambda: ran.append("now"))
    assert ran == ["now"]


def test_work_queued_as_the_executor_shuts_down_still_runs() -> None:
    ran: list[str] = []
    executor = ThreadPoolExecutor(max_workers=1)
    executor.shutdown()
    with deferring(executor):
        later(lambda: ran.append("here"))
    assert ran == ["here"]
