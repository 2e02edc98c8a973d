"""`SimulatedWorkspace`: the roster, the Web API server, the faults and read-back helpers.

    with SimulatedWorkspace(default_roster(), bot_token="xoxb-test", signing_secret="s") as ws:
        client = WebClient(token="xoxb-test", base_url=ws.api_url)
        ...
        assert ws.dm_messages("U0PM00001")[-1].text.startswith("Time for")

Read-back helpers return copies of the lists (the records themselves are live), so a test can
iterate while the bot keeps calling.

Socket Mode: the workspace also answers `apps.connections.open` for its app-level token
(`app_token`), and `ws.socket_mode` sends slash commands, interactions and events over the
WebSocket the bot opened. The WebSocket server (and the `websockets` import) starts only when
first asked for, so HTTP-only use never pays for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import simulator.payloads as payloads
from core.clock import Clock, SystemClock
from simulator.errors import ApiError, SimulatorError
from simulator.faults import Faults
from simulator.records import (
    Canvas,
    EphemeralMessage,
    Message,
    RecordedCall,
    ResponseUrlPost,
    UploadedFile,
    ViewRecord,
)
from simulator.roster import Roster, default_roster
from simulator.scopes import DEFAULT_SCOPES
from simulator.state import Identity, WorkspaceState
from simulator.web_api import WebApi, make_server

if TYPE_CHECKING:
    from simulator.socket_driver import SocketModeDriver
    from simulator.socket_mode import SocketModeServer

T = TypeVar("T")

# Credentials of the fake workspace only; they open nothing anywhere else.
DEFAULT_BOT_TOKEN = "xoxb-simulated-token"  # noqa: S105
DEFAULT_SIGNING_SECRET = "simulated-signing-secret"  # noqa: S105
DEFAULT_APP_TOKEN = "xapp-simulated-token"  # noqa: S105


class SimulatedWorkspace:
    """A fake Slack workspace with a real HTTP Web API. `start()` it, point a WebClient at `api_url`."""

    def __init__(
        self,
        roster: Roster | None = None,
        bot_token: str = DEFAULT_BOT_TOKEN,
        signing_secret: str = DEFAULT_SIGNING_SECRET,
        *,
        clock: Clock | None = None,
        identity: Identity | None = None,
        app_token: str | None = DEFAULT_APP_TOKEN,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        plan: str = "standard",
    ) -> None:
        self.roster = roster or default_roster()
        self.bot_token = bot_token
        self.signing_secret = signing_secret
        # The app-level token (xapp-…) Socket Mode connects with; None: no Socket Mode at all.
        self.app_token = app_token
        self.state = WorkspaceState(
            self.roster, clock or SystemClock(), identity, scopes=frozenset(scopes), plan=plan
        )
        self.faults = Faults()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._socket_lock = threading.Lock()
        # False until start() and from the first moment of stop(): a bot that reconnects while
        # the workspace shuts down must not bring up a new WebSocket server nobody would stop.
        self._sockets_open = False
        self._socket_server: SocketModeServer | None = None
        self._socket_driver: SocketModeDriver | None = None
        self.base_url = ""

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> SimulatedWorkspace:
        if self._thread is not None:
            return self
        api = WebApi(
            self.state,
            self.faults,
            self.bot_token,
            app_token=self.app_token,
            issue_link=self._issue_socket_link if self.app_token else None,
        )
        server = make_server(api)
        host, port = server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self.state.base_url = self.base_url
        self._server = server
        with self._socket_lock:
            self._sockets_open = True
        # A short poll interval keeps stop() quick: shutdown() waits for the loop to look up.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="slack-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with self._socket_lock:
            self._sockets_open = False
            socket_server, self._socket_server, self._socket_driver = self._socket_server, None, None
        if socket_server is not None:
            socket_server.stop()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SimulatedWorkspace:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """What to pass as `WebClient(base_url=...)` / `SLACK_API_URL`; ends with a slash."""
        if not self.base_url:
            raise RuntimeError("start() the workspace first")
        return f"{self.base_url}/api/"

    @property
    def identity(self) -> Identity:
        return self.state.identity

    @property
    def bot_user_id(self) -> str:
        return self.roster.bot.id

    # --- Socket Mode --------------------------------------------------------------------
    @property
    def socket_mode(self) -> SocketModeDriver:
        """The driver for a bot connected over Socket Mode (starts the WebSocket server)."""
        from simulator.socket_driver import SocketModeDriver

        server = self._socket_mode_server()
        with self._socket_lock:
            if self._socket_driver is None or self._socket_driver.server is not server:
                self._socket_driver = SocketModeDriver(self, server)
            return self._socket_driver

    def _issue_socket_link(self) -> str:
        try:
            return self._socket_mode_server().issue_link()
        except (RuntimeError, SimulatorError) as exc:
            raise ApiError("service_unavailable", f"[ERROR] {exc}") from exc

    def _socket_mode_server(self) -> SocketModeServer:
        # Imported here: only Socket Mode needs the websockets package.
        from simulator.socket_mode import SocketModeServer

        if self.app_token is None:
            raise RuntimeError("this workspace has no app_token, so no Socket Mode")
        with self._socket_lock:
            if not self._sockets_open:
                raise RuntimeError("the workspace is not running: start() it first")
            if self._socket_server is None:
                self._socket_server = SocketModeServer(self.identity.app_id).start()
            return self._socket_server

    # --- driver support -----------------------------------------------------------------
    def mint_trigger(self, user_id: str, view_id: str | None = None) -> str:
        """A trigger_id for an interaction by `user_id` now (from inside `view_id`, if given)."""
        with self.state.lock:
            return self.state.mint_trigger(user_id, view_id)

    def mint_response_url(
        self, user_id: str, channel_id: str, message_ts: str | None = None, *, ephemeral: bool = False
    ) -> str:
        with self.state.lock:
            return self.state.response_url(user_id, channel_id, message_ts, ephemeral=ephemeral)

    def slash_command_fields(
        self, user_id: str, command: str, text: str, channel_id: str | None = None
    ) -> tuple[str, dict[str, str]]:
        """The channel and the fields Slack sends for `/command text` (default: in the user's DM),
        with a fresh trigger id and response_url; the same over HTTP and over Socket Mode."""
        channel = self.channel_id(channel_id) if channel_id else self.dm_channel(user_id)
        fields = payloads.slash_command(
            self.state,
            user_id,
            command,
            text,
            channel,
            self.mint_trigger(user_id),
            self.mint_response_url(user_id, channel),
        )
        return channel, dict(fields)

    def dm_channel(self, user_id: str) -> str:
        """The bot's DM id with a user (allocated on first use, as Slack does)."""
        with self.state.lock:
            return self.state.dm_for(user_id)

    def channel_id(self, channel: str) -> str:
        """A channel's id from its id, name or `#name`, or a user's DM id from a user id."""
        if channel[:1] in ("U", "W"):
            return self.dm_channel(channel)
        if channel[:1] == "D":
            return channel
        found = self.roster.channel(channel)
        if found is None:
            raise KeyError(f"no channel {channel!r} in the roster")
        return found.id

    # --- read-back ----------------------------------------------------------------------
    def wait_for(self, condition: Callable[[], T | None], timeout: float = 2.0, interval: float = 0.01) -> T:
        """Poll until `condition()` is truthy and return its value.

        Bolt answers Slack as soon as a listener calls `ack()` and runs the rest of the listener
        afterwards, so what a click *causes* (a modal, a DM) can land just after the driver's
        call returned. Tests wait for the effect instead of sleeping a guessed amount.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            time.sleep(interval)

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        with self.state.lock:
            return [c for c in self.state.calls if method is None or c.method == method]

    def messages_in(self, channel: str, *, include_replies: bool = True) -> list[Message]:
        """Live messages in a channel (id, name or `#name`) or a user's DM (user id), oldest first."""
        channel_id = self.channel_id(channel)
        with self.state.lock:
            msgs = self.state.channel_messages(channel_id)
        return [m for m in msgs if include_replies or not m.is_reply]

    def dm_messages(self, user_id: str) -> list[Message]:
        return self.messages_in(user_id)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """A parent message and its replies."""
        return [m for m in self.messages_in(channel) if m.ts == ts or m.thread_ts == ts]

    def find_message(self, channel: str, ts: str) -> Message:
        found = next((m for m in self.messages_in(channel) if m.ts == ts), None)
        if found is None:
            raise KeyError(f"no message {ts} in {channel}")
        return found

    def open_views(self, user_id: str) -> list[ViewRecord]:
        """The user's modal stack, root first; empty when no modal is open."""
        with self.state.lock:
            return [self.state.views[v] for v in self.state.modal_stacks.get(user_id, [])]

    def last_modal(self, user_id: str) -> ViewRecord | None:
        """The view the user is looking at now (top of the stack), if any."""
        stack = self.open_views(user_id)
        return stack[-1] if stack else None

    def view(self, view_id: str) -> ViewRecord:
        with self.state.lock:
            return self.state.views[view_id]

    def home_view(self, user_id: str) -> ViewRecord | None:
        with self.state.lock:
            view_id = self.state.homes.get(user_id)
            return self.state.views[view_id] if view_id else None

    def ephemeral_for(self, user_id: str) -> list[EphemeralMessage]:
        with self.state.lock:
            return [e for e in self.state.ephemeral if e.user == user_id and not e.deleted]

    @property
    def responses(self) -> list[ResponseUrlPost]:
        with self.state.lock:
            return list(self.state.responses)

    @property
    def files(self) -> list[UploadedFile]:
        with self.state.lock:
            return list(self.state.files.values())

    @property
    def canvases(self) -> list[Canvas]:
        with self.state.lock:
            return list(self.state.canvases.values())
