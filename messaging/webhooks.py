"""Outbound webhooks: a rendered post as signed JSON, for wikis and other automations.

Each audience may name a `webhook` URL. The body is posted through the outbox (so it is
retried with back-off and recorded like any Slack post) and signed so the receiver can check
it came from us:

    X-Ritualbot-Timestamp: <unix seconds>
    X-Ritualbot-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<raw body>" with the shared secret>
    X-Ritualbot-Delivery:  <a stable id; the same on every retry, for de-duplication>
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Protocol

SIGNATURE_VERSION = "v1"


class WebhookSender(Protocol):
    def post(self, url: str, body: dict[str, Any], delivery_key: str) -> None:
        """POST `body`; raise `RateLimited`, `OutcomeUnknown` or `Rejected` from messaging.gateway."""
        ...


def sign(secret: str, timestamp: str, raw_body: bytes) -> str:
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + raw_body
    return f"{SIGNATURE_VERSION}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, raw_body: bytes, signature: str) -> bool:
    """For receivers (and tests): constant-time comparison of the signature."""
    return hmac.compare_digest(sign(secret, timestamp, raw_body), signature)
