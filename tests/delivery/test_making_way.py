"""The background sender makes way for Slack's requests in flight, and never starves for them."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.delivery import BackgroundSender
from bot.edge.middleware import RequestEdge
from bot.edge.replays import SeenRequests
from bot.in_flight import RequestsInFlight
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from simulator import generated_roster

from .test_sender import _eventually, _queue

PMS = ["U0PM00001", "U0PM00002"]
SECRET = "test-signing-secret"


@pytest.fixture
def workspace(engine: Engine, database_url: str, clock: FrozenClock) -> Iterator[Sandbox]:
    with Sandbox(database_url, clock, migrate=False, roster=generated_roster(2), serve_http=False) as box:
        yield box


class WatchedRequests(RequestsInFlight):
    """Says when the sender starts waiting for the requests in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.sender_waiting = threading.Event()

    def wait_until_idle(self, max_wait: float) -> bool:
        self.sender_waiting.set()
        return super().wait_until_idle(max_wait)


def _posts(box: Sandbox) -> int:
    return len(box.workspace.calls("chat.postMessage"))


def test_the_gauge_counts_each_request_until_it_is_answered() -> None:
    gauge = RequestsInFlight(settle=0)
    with gauge.request(), gauge.request():
        assert gauge.count == 2
        assert not gauge.wait_until_idle(0)
    with pytest.raises(RuntimeError), gauge.request():
        raise RuntimeError("a request that failed is no longer in flight")
    assert gauge.count == 0
    assert gauge.wait_until_idle(0)


def test_idle_means_no_request_for_a_while_not_for_an_instant() -> None:
    gauge = RequestsInFlight(settle=0.2)
    assert gauge.wait_until_idle(0)  # nothing was ever in flight
    with gauge.request():
        pass
    assert not gauge.wait_until_idle(0)  # answered a moment ago: the rush may go on
    started = time.monotonic()
    assert gauge.wait_until_idle(5)
    assert time.monotonic() - started >= 0.15  # it waited for the quiet, not for the deadline

    # A request that comes while the sender waits for the quiet holds it back until answered.
    with gauge.request():
        pass
    arrived, answer = threading.Event(), threading.Event()

    def another_request() -> None:
        with gauge.request():
            arrived.set()
            answer.wait(5)

    caller = threading.Thread(target=another_request)
    caller.start()
    assert arrived.wait(5)
    assert not gauge.wait_until_idle(0.3)  # still in flight after the quiet would have come
    answer.set()
    caller.join()
    assert gauge.wait_until_idle(5)


def test_the_sender_claims_nothing_while_a_request_is_in_flight(
    workspace: Sandbox, clock: FrozenClock
) -> None:
    requests = WatchedRequests()
    with ExitStack() as busy:
        busy.enter_context(requests.request())
        # An hour's bound: only the end of the request lets the batch go.
        background = BackgroundSender(
            workspace.app.sender,
            workspace.session_factory,
            workspace.engine,
            poll_seconds=3600,
            in_flight=requests,
            max_defer=3600,
        )
        _queue(workspace, clock, PMS)
        background.start()
        try:
            assert requests.sender_waiting.wait(timeout=30)
            assert _posts(workspace) == 0  # it waits before claiming, so nothing was posted
            busy.close()  # the request is answered
            _eventually(lambda: _posts(workspace) == len(PMS))
        finally:
            background.stop()


def test_a_rush_that_never_lulls_does_not_starve_delivery(
    workspace: Sandbox, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = workspace.app.sender
    asked: list[int] = []
    claimed: list[int] = []
    claim = sender._claim_batch

    def counted_claim(limit: int) -> Any:
        asked.append(limit)
        batch, deliveries = claim(limit)
        claimed.append(len(deliveries))
        return batch, deliveries

    monkeypatch.setattr(sender, "_claim_batch", counted_claim)
    requests = RequestsInFlight()
    with requests.request():  # in flight for the whole test
        background = BackgroundSender(
            sender,
            workspace.session_factory,
            workspace.engine,
            poll_seconds=3600,
            in_flight=requests,
            max_defer=0.05,
            busy_batch=1,
        ).start()
        try:
            _queue(workspace, clock, PMS)
            _eventually(lambda: _posts(workspace) == len(PMS))
        finally:
            background.stop()
        assert requests.count == 1
    # Small batches while the requests go on, one row each here: slower, never stopped.
    assert asked
    assert set(asked) == {1}
    assert max(claimed) == 1  # a limit the claim keeps, on PostgreSQL too


def test_the_request_edge_counts_a_request_while_it_is_handled(engine: Engine) -> None:
    requests = RequestsInFlight()
    seen_inside: list[int] = []

    def bolt(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        seen_inside.append(requests.count)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b""]

    edge = RequestEdge(
        bolt,
        signing_secret=SECRET,
        seen=SeenRequests(engine),
        path="/slack/events",
        in_flight=requests,
    )
    body = b"command=%2Fritual&text=help&user_id=U0PM00001&team_id=T1"
    timestamp = str(int(time.time()))
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": SignatureVerifier(SECRET).generate_signature(
            timestamp=timestamp, body=body
        ),
    }
    statuses: list[str] = []
    edge(environ, lambda status, _headers: statuses.append(status))
    assert (statuses, seen_inside, requests.count) == (["200 OK"], [1], 0)
