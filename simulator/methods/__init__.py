"""The simulated Web API methods, by Slack method name.

Anything not in `METHODS` is answered `unknown_method` with a message saying the simulator does
not implement it, so a bot never mistakes a missing simulation for success.
"""

from __future__ import annotations

from simulator.methods import canvases, chat, conversations, directory, files, views
from simulator.methods.common import Handler, Params

METHODS: dict[str, Handler] = {
    **canvases.METHODS,
    **chat.METHODS,
    **conversations.METHODS,
    **directory.METHODS,
    **files.METHODS,
    **views.METHODS,
}

__all__ = ["METHODS", "Handler", "Params"]
