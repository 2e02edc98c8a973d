"""A Slack request's replay record, written by its listener in the listener's own transaction.

The request edge remembers each signed request it lets through, so the same bytes sent again
are refused on every replica (`bot.edge.replays`). It writes that record in a transaction of its
own before the listener runs. The answer modal's submission, which a deadline brings by the
hundred while Slack waits for each acknowledgement, already opens a short write transaction to
save the answer; a second one per request was a sixth of what the submission cost in process.
So for a listener that declares it (`handlers.wiring.records_its_own_request`), the edge hands
the record over instead, and the listener writes it in the transaction that does its work:

* a request seen before raises `SeenBefore` there, its transaction rolls back, and the answer is
  the edge's own refusal (HTTP 409);
* two deliveries of the same bytes at once take turns on the record's key, and the second is
  refused once the first commits;
* a listener that fails leaves no record, as it leaves nothing else: the same request sent again
  may then do what the first could not, still once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection

# Where the edge leaves the record for the listener, in Bolt's request context.
REQUEST_RECORD = "ritualbot_request_record"
# The body of the HTTP 409 a replayed request is refused with, by the edge or by its listener.
ALREADY_HANDLED = "request already handled"


class RequestRecord(Protocol):
    def first_time(self, connection: Connection) -> bool:
        """Write the record in the transaction `connection` is in; False when a replica had
        written it before (the request was handled already)."""
        ...


class SeenBefore(Exception):
    """The request was handled before: refuse it, and roll back what its listener began."""

    def __init__(self) -> None:
        super().__init__("its signature was seen before")
