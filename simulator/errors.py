"""How the simulated workspace says no: a Web API error, a misuse, a bot that answered too late.

Handlers raise `ApiError`; the server turns it into Slack's envelope
`{"ok": false, "error": code, "response_metadata": {"messages": [...]}}`. Slack answers most
errors with HTTP 200, so that is the default status.
"""

from __future__ import annotations

from typing import Any

from messaging.limits import ACK_SECONDS


class ApiError(Exception):
    """A Slack API error code, optional explanations, and the HTTP status to answer with."""

    def __init__(
        self, error: str, *messages: str, status: int = 200, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(error if not messages else f"{error}: {'; '.join(messages)}")
        self.error = error
        self.messages = list(messages)
        self.status = status
        # Extra top-level fields some errors carry (missing_scope: `needed`, `provided`).
        self.fields = dict(fields or {})

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error": self.error, **self.fields}
        if self.messages:
            out["response_metadata"] = {"messages": self.messages}
        return out


def missing(name: str) -> ApiError:
    """A required argument was not sent."""
    return ApiError("invalid_arguments", f"[ERROR] missing required field: {name}")


class SimulatorError(Exception):
    """The bot did something the simulated Slack client could not carry out.

    Raised by the driver, e.g. when the bot answers a view submission with an invalid view or a
    non-200 status: the real Slack would show the user an error, a test should fail loudly.
    """


#: Seconds Slack waits for an app to acknowledge a request before showing the person an error.
ACK_TIMEOUT = float(ACK_SECONDS)


class AckTimeoutError(SimulatorError):
    """The bot did not answer within Slack's three seconds."""
