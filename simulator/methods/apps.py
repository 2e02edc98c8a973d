"""apps.connections.open — the method an app-level token (`xapp-…`) calls to start Socket Mode.

These methods take the app-level token, not the bot token, so they live apart from `METHODS`
and get what they need from the server (a way to mint a WebSocket URL) rather than from the
workspace state. `WebApi` checks the token type before calling them.
"""

from __future__ import annotations

from collections.abc import Callable

from core.types import JsonDict
from simulator.errors import ApiError
from simulator.methods.common import Params

# Mints a fresh one-time WebSocket URL (`ws://127.0.0.1:<port>/link/?ticket=…`).
LinkIssuer = Callable[[], str]
AppHandler = Callable[[LinkIssuer | None, Params], JsonDict]


def connections_open(issue_link: LinkIssuer | None, p: Params) -> JsonDict:
    if issue_link is None:
        # A workspace built without Socket Mode support: say so rather than pretend.
        raise ApiError("not_allowed_token_type", "[ERROR] this simulated workspace has no Socket Mode")
    return {"ok": True, "url": issue_link()}


APP_METHODS: dict[str, AppHandler] = {
    "apps.connections.open": connections_open,
}
