"""`RequestEdge`: the WSGI middleware between waitress and Bolt on Slack's endpoint.

In this order, each step cheaper than the next and none of them trusting the body before the
signature says Slack sent it:

1. more than `MAX_BODY_BYTES` → 413, before the body is read;
2. no valid signature over the raw bytes (slack_sdk's `SignatureVerifier`, Slack's five-minute
   window) → 401, as Bolt answers it;
3. signed but not Slack's shape (not UTF-8, bad JSON or form encoding, not an object, text that
   is not valid Unicode, other types where Bolt or every listener of its kind reads Slack's:
   `handlers.payloads.check_envelope`) → 400;
4. a signature seen before → 409. Slack marks its own retries with `X-Slack-Retry-Num`; each
   retry number is remembered apart, so Slack's retries reach the listeners (which handle them
   idempotently) while the same bytes sent again are refused. A listener that writes the
   record in its own transaction (`records_its_own_request`, see `core.request_record`) gets
   it handed over instead, and refuses a replay with the same 409.

Each refusal is one warning line in the log, never a traceback. If the database cannot be
reached to remember a signature, the request goes on (the listeners then say the database is
unreachable) rather than being dropped unanswered.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.edge.body import MAX_BODY_BYTES, BodyTooLarge, NotSlackShaped, parsed_payload, read_capped
from bot.edge.handoff import CHECKED_BODY, LISTENER_WRITTEN_RECORD, PARSED_PAYLOAD
from bot.edge.replays import SeenRequests
from bot.in_flight import RequestsInFlight
from core.request_record import ALREADY_HANDLED
from handlers.payloads import MalformedPayload, SlackPayload, check_envelope

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

# What Bolt answers a request that fails its own verification; an unsigned request gets the same.
INVALID_REQUEST = "invalid request"
TOO_LARGE = "request too large"
RETRY_NUM_LENGTH = 10


class RequestEdge:
    def __init__(
        self,
        app: WSGIApplication,
        *,
        signing_secret: str,
        seen: SeenRequests,
        path: str,
        max_body_bytes: int = MAX_BODY_BYTES,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        in_flight: RequestsInFlight | None = None,
        records_its_own_request: Callable[[SlackPayload | None], bool] = lambda _payload: False,
    ) -> None:
        self._app = app
        # Requests whose listener writes the replay record in its own transaction.
        self._records_its_own_request = records_its_own_request
        # Counted from arrival to answer, so background work can make way (`bot.in_flight`).
        self._in_flight = in_flight or RequestsInFlight()
        self._verifier = SignatureVerifier(signing_secret)
        self._seen = seen
        self._path = path
        self._max_body_bytes = max_body_bytes
        # Slack's signatures are checked against real time, so the memory of them keeps real
        # time too (not the bot's injected clock, which tests move through months).
        self._now = now

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self._path:
            return self._app(environ, start_response)
        with self._in_flight.request():
            return self._handle(environ, start_response)

    def _handle(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            raw = read_capped(environ["wsgi.input"], environ.get("CONTENT_LENGTH"), self._max_body_bytes)
        except BodyTooLarge as error:
            return self._refuse(
                start_response, "413 Content Too Large", "a body over the cap", error, TOO_LARGE
            )
        except NotSlackShaped as error:
            return self._refuse(start_response, "400 Bad Request", "a malformed payload", error)
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        if not self._signed(raw, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), signature):
            return self._refuse(
                start_response,
                "401 Unauthorized",
                "an unsigned request",
                "no valid signature",
                INVALID_REQUEST,
            )
        try:
            body, json_text = parsed_payload(raw, environ.get("CONTENT_TYPE"))
            payload = check_envelope(body, json_text=json_text)
        except (NotSlackShaped, MalformedPayload) as error:
            return self._refuse(start_response, "400 Bad Request", "a malformed payload", error)
        key = _replay_key(str(signature), environ.get("HTTP_X_SLACK_RETRY_NUM"))
        if self._records_its_own_request(payload):
            environ[LISTENER_WRITTEN_RECORD] = self._seen.to_write(key, self._now())
        elif not self._first_time(key):
            return self._refuse(
                start_response,
                "409 Conflict",
                "a replayed request",
                "its signature was seen before",
                ALREADY_HANDLED,
            )
        # Bolt's adapter takes the parsed body (`bot.edge.handoff`); any other app reads the
        # bytes again from the start.
        environ[CHECKED_BODY] = body
        environ[PARSED_PAYLOAD] = payload
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        return self._app(environ, start_response)

    def _signed(self, raw: bytes, timestamp: str | None, signature: str | None) -> bool:
        try:
            return self._verifier.is_valid(body=raw, timestamp=timestamp, signature=signature)
        except ValueError:  # a timestamp that is not a number
            return False

    def _first_time(self, key: str) -> bool:
        try:
            return self._seen.first_time(key, self._now())
        except SQLAlchemyError as error:
            log.warning(
                "could not check for a replayed request (database unreachable: %s)", _first_line(error)
            )
            return True

    @staticmethod
    def _refuse(
        start_response: StartResponse, status: str, what: str, why: BaseException | str, error: str = ""
    ) -> Iterable[bytes]:
        """One warning line and an answer; a malformed payload gets an empty 400, as from Bolt."""
        log.warning("refused %s: %s", what, _first_line(why))
        body = json.dumps({"error": error}).encode() if error else b""
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _replay_key(signature: str, retry_num: str | None) -> str:
    """The signature, and Slack's retry number when it marks the delivery as its retry."""
    if not retry_num:
        return signature
    return f"{signature}:retry{retry_num[:RETRY_NUM_LENGTH]}"


def _first_line(what: BaseException | str) -> str:
    return str(what).strip().splitlines()[0][:300] if str(what).strip() else type(what).__name__
