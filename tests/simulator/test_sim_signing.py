"""The driver's requests are signed the way Slack signs them, checked by slack_sdk's own verifier."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from slack_sdk.signature import SignatureVerifier

from simulator import SimulatedWorkspace, SlackDriver

SECRET = "test-signing-secret"


class Receiver(BaseHTTPRequestHandler):
    """A tiny app endpoint: 200 when SignatureVerifier accepts the request, 401 otherwise."""

    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = dict(self.headers.items())
        valid = SignatureVerifier(SECRET).is_valid_request(body, headers)
        self.received.append({"headers": headers, "body": body, "valid": valid})
        self.send_response(200 if valid else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver_url() -> Iterator[str]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_signed_requests_verify(workspace: SimulatedWorkspace, receiver_url: str) -> None:
    with SlackDriver(workspace, receiver_url) as driver:
        assert driver.url == f"{receiver_url}/slack/events"
        reply = driver.post(json.dumps({"type": "event_callback"}))
    assert reply.status == 200
    [seen] = Receiver.received
    assert seen["valid"]
    assert seen["headers"]["X-Slack-Signature"].startswith("v0=")


def test_stale_and_unsigned_requests_fail(workspace: SimulatedWorkspace, receiver_url: str) -> None:
    with SlackDriver(workspace, receiver_url) as driver:
        stale = driver.post("{}", timestamp=int(time.time()) - 301)
        recent = driver.post("{}", timestamp=int(time.time()) - 200)
        unsigned = driver.post("{}", signed=False)
    assert (stale.status, recent.status, unsigned.status) == (401, 200, 401)
    assert "X-Slack-Signature" not in Receiver.received[2]["headers"]


def test_wrong_secret_fails(workspace: SimulatedWorkspace, receiver_url: str) -> None:
    with SlackDriver(workspace, receiver_url, signing_secret="another-secret") as driver:
        assert driver.post("{}").status == 401


def test_replay_as_a_slack_retry(workspace: SimulatedWorkspace, receiver_url: str) -> None:
    with SlackDriver(workspace, receiver_url) as driver:
        driver.send_event({"type": "app_home_opened", "user": "U0PM00001", "tab": "home"})
        driver.replay_last(retry_num=2, retry_reason="http_timeout")
    first, retry = Receiver.received
    assert retry["body"] == first["body"]  # same event_id: the bot must deduplicate
    assert retry["valid"]
    assert (retry["headers"]["X-Slack-Retry-Num"], retry["headers"]["X-Slack-Retry-Reason"]) == (
        "2",
        "http_timeout",
    )
    assert "X-Slack-Retry-Num" not in first["headers"]
    envelope = json.loads(first["body"])
    assert envelope["type"] == "event_callback"
    assert envelope["event"]["type"] == "app_home_opened"
    assert envelope["authorizations"][0]["user_id"] == workspace.bot_user_id
