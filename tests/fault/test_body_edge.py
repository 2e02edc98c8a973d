"""Item 2: the signature is checked on the raw bytes before anything parses them, and the body
is capped; a signed body that is not Slack's shape is a 400. Never a 5xx, never a traceback."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import quote

import httpx
import pytest

from bot.edge.body import MAX_BODY_BYTES
from bot.sandbox import Sandbox

from .edge import FAULT, FORM, errors_in, send_payload

pytestmark = FAULT

CLICK_WITH_LONE_SURROGATE = json.dumps(
    {"type": "block_actions", "user": {"id": "U0PM00001"}, "actions": [{"action_id": "a"}], "x": "\udfff"}
)

BROKEN_BODIES = [
    ("application/json", b"{not json"),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    (FORM, b"payload=%7Bnot-json"),
    (FORM, b"payload=%E9%E9%ZZ"),
    (FORM, b"payload=null"),
    (FORM, b"payload=%5B%5D"),
    (
        "application/json",
        b'{"type": "event_callback", "event": {"type": "app_home_opened", "user": "U0PM00001", '
        b'"tab": "home\\ud800"}}',
    ),
    # The same in an interaction's form body, which the edge decodes in C.
    (FORM, b"payload=" + quote(CLICK_WITH_LONE_SURROGATE).encode()),
]


# Bytes that are not UTF-8 cannot even be signed with slack_sdk; unsigned, they are refused too.
NOT_UTF8 = ("application/json", b'{"type": "\xff\xfe"}')


@pytest.mark.parametrize(("content_type", "body"), [*BROKEN_BODIES, NOT_UTF8])
def test_an_unsigned_broken_body_is_a_401_without_a_traceback(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, content_type: str, body: bytes
) -> None:
    with caplog.at_level(logging.INFO):
        reply = sandbox.driver.post(body, content_type=content_type, signed=False)
    assert reply.status == 401
    assert errors_in(caplog) == []


@pytest.mark.parametrize(("content_type", "body"), BROKEN_BODIES)
def test_a_signed_broken_body_is_a_400_without_a_traceback(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, content_type: str, body: bytes
) -> None:
    with caplog.at_level(logging.INFO):
        reply = sandbox.driver.post(body, content_type=content_type)
    assert (reply.status, reply.body) == (400, "")
    assert errors_in(caplog) == []
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith("refused a malformed payload")


@pytest.mark.parametrize("signed", [False, True])
def test_a_body_over_the_cap_is_a_413_before_it_is_read(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, signed: bool
) -> None:
    # Just under the cap, a body is read, verified and parsed (and refused for its shape only).
    under = send_payload(sandbox, {"type": "block_actions", "pad": "x" * (MAX_BODY_BYTES - 2_000)})
    assert under.status == 400
    body = b"payload=" + b"x" * (MAX_BODY_BYTES + 1)
    reply = sandbox.driver.post(body, content_type=FORM, signed=signed)
    assert reply.status == 413
    assert errors_in(caplog) == []


def test_a_large_body_without_a_declared_length_is_cut_off_at_the_cap(sandbox: Sandbox) -> None:
    """Chunked transfer: no Content-Length to refuse early, so reading stops past the cap."""

    def chunks() -> object:
        for _ in range(64):
            yield b"x" * (64 * 1024)

    ts = str(int(time.time()))
    reply = httpx.post(
        sandbox.driver.url,
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": FORM, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=0"},
        timeout=30,
    )
    assert reply.status_code == 413


def test_a_lone_surrogate_in_a_form_payload_is_refused_for_it(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    assert "\\udfff" in CLICK_WITH_LONE_SURROGATE  # an escape in the JSON, as a client would send it
    with caplog.at_level(logging.INFO):
        reply = sandbox.driver.post(
            b"payload=" + quote(CLICK_WITH_LONE_SURROGATE).encode(), content_type=FORM
        )
    assert reply.status == 400
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "not valid Unicode" in warning
