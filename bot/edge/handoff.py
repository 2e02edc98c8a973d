"""`CheckedRequestHandler`: Bolt's WSGI adapter, handed the body the request edge has checked.

Bolt's HTTP path parses the body text and verifies its signature itself. Behind the edge both
are done already, and parsing a view submission's form encoding is the largest part of what an
acknowledgement costs at a deadline rush. So when the edge has verified and parsed a body (it
leaves it in the WSGI environ under `CHECKED_BODY`), this hands Bolt the parsed body the way
Bolt's Socket Mode adapter does: a body its transport has authenticated, which Bolt neither
parses nor verifies again. A request the edge did not check goes Bolt's usual way.

Either way the listener's work after `ack()` goes to Bolt's listener executor once Bolt has the
answer (`handlers.after_ack`).
"""

from __future__ import annotations

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest

from core.request_record import REQUEST_RECORD
from handlers import payloads
from handlers.after_ack import deferring

# The WSGI environ keys under which the edge leaves the body it verified and parsed, what
# `handlers.payloads.check_envelope` parsed it as, and the replay record the listener writes
# (`core.request_record`), when it writes it.
CHECKED_BODY = "ritualbot.checked_body"
PARSED_PAYLOAD = "ritualbot.parsed_payload"
LISTENER_WRITTEN_RECORD = "ritualbot.listener_written_record"
# Bolt's request mode for a body parsed and authenticated by its transport.
AUTHENTICATED_BY_TRANSPORT = "socket_mode"


class CheckedRequestHandler(SlackRequestHandler):
    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        # Bolt answers when the listener returns; its work after `ack()` waits for the answer.
        with deferring(self.app.listener_runner.listener_executor):
            return self._dispatch(request)

    def _dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        body = request.environ.get(CHECKED_BODY)
        if body is None:
            return super().dispatch(request)
        return self.app.dispatch(
            BoltRequest(
                body=body,
                query=request.query_string,
                headers=request.get_headers(),
                # The edge checked the envelope too; the listeners' middleware need not again.
                context={
                    payloads.ENVELOPE_CHECKED: True,
                    payloads.CHECKED_PAYLOAD: request.environ.get(PARSED_PAYLOAD),
                    REQUEST_RECORD: request.environ.get(LISTENER_WRITTEN_RECORD),
                },
                mode=AUTHENTICATED_BY_TRANSPORT,
            )
        )
