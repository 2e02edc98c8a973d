"""`WebhookSender` on httpx: one signed JSON POST, its outcome mapped to the domain's errors."""

from __future__ import annotations

import json
from typing import Any

import httpx

from core.clock import Clock
from messaging.gateway import OutcomeUnknown, RateLimited, Rejected
from messaging.webhooks import sign


class HttpxWebhookSender:
    def __init__(self, secret: str, clock: Clock, *, timeout: float = 10.0) -> None:
        self._secret = secret
        self._clock = clock
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(self, url: str, body: dict[str, Any], delivery_key: str) -> None:
        raw = json.dumps(body, separators=(",", ":"), default=str).encode()
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ritualbot",
            "X-Ritualbot-Timestamp": timestamp,
            "X-Ritualbot-Signature": sign(self._secret, timestamp, raw),
            "X-Ritualbot-Delivery": delivery_key,
        }
        try:
            response = self._client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as error:
            raise OutcomeUnknown(f"webhook {url} did not answer: {error}") from error
        if response.status_code == 429:
            raise RateLimited(float(response.headers.get("Retry-After", "30")))
        if response.status_code >= 500:
            raise OutcomeUnknown(f"webhook {url} answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise Rejected(f"webhook answered HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()
