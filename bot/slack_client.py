"""The one place a `slack_sdk.WebClient` is built."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.settings import Settings


def create_web_client(settings: Settings, *, token: str | None = None, timeout: int = 10) -> WebClient:
    """A client that waits out 429s but never re-sends on a broken connection.

    slack_sdk's default retry handler re-sends a request whose connection dropped. For
    `chat.postMessage` that request may already have been posted, so a blind retry double-posts;
    the outbox decides about those itself. A 429 is unambiguous (nothing happened), so waiting
    for `Retry-After` and trying again is always safe.
    """
    return WebClient(
        token=token if token is not None else settings.require("SLACK_BOT_TOKEN"),
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def without_rate_limit_waits(client: WebClient) -> WebClient:
    """The same client minus its 429 retries, for the outbox.

    Waiting out `Retry-After` sleeps in the sender's thread while it holds a delivery's lease;
    a wait longer than the lease lets another replica claim the row and post it while this one
    still will. The outbox paces itself and puts a rate-limited delivery back instead.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        team_id=client.default_params.get("team_id"),
        retry_handlers=[
            handler
            for handler in client.retry_handlers
            if not isinstance(handler, RateLimitErrorRetryHandler)
        ],
        logger=client.logger,
    )
