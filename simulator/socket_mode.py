"""Slack's side of Socket Mode: the WebSocket server a bot reaches through apps.connections.open.

The protocol, as slack_sdk's clients expect it:

1. The app calls `apps.connections.open` with its app-level token and gets a one-time URL,
   `ws://127.0.0.1:<port>/link/?ticket=…&app_id=…` (Slack's is `wss://…/link/?ticket=…`).
2. On connecting it is greeted with `{"type": "hello", "num_connections": n, ...}`.
3. Slack then sends envelopes `{"envelope_id", "type", "payload", "accepts_response_payload"}`
   (`retry_attempt`/`retry_reason` too for `events_api`), and the app acks each one with
   `{"envelope_id", "payload"?}` within three seconds.
4. `{"type": "disconnect", "reason": ...}` asks the app to open a fresh connection.

websockets does the handshake and framing on an asyncio loop of its own, in a thread, so the
test's thread (or the demo's) calls the blocking `deliver()` and gets the ack back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import threading
import time
import uuid
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from core.types import JsonDict
from simulator.errors import ACK_TIMEOUT, AckTimeoutError, SimulatorError

log = logging.getLogger(__name__)

LINK_PATH = "/link/"
# Slack's hello names the host that holds the link; a fixed fake one here.
DEBUG_INFO = {"host": "applink-simulated", "build_number": 1, "approximate_connection_time": 18060}
START_TIMEOUT = 5.0


@dataclass
class SocketAck:
    """The app's answer to one envelope."""

    envelope_id: str
    payload: JsonDict | None
    elapsed: float


@dataclass
class SocketDelivery:
    """One envelope sent, and its ack once it came (None while waiting or after a timeout)."""

    envelope: JsonDict
    connection: int
    ack: SocketAck | None = None


@dataclass
class _Waiting:
    connection: int
    started: float
    future: Future[JsonDict]


class SocketModeServer:
    """The WebSocket end of Socket Mode. `start()` it, mint URLs with `issue_link()`."""

    def __init__(self, app_id: str, *, host: str = "127.0.0.1", ack_timeout: float = ACK_TIMEOUT) -> None:
        self.app_id = app_id
        self.host = host
        self.ack_timeout = ack_timeout
        self.port = 0
        self.deliveries: list[SocketDelivery] = []
        # Acks for envelopes nobody waits for any more (late, or never sent): kept for tests.
        self.stray_acks: list[JsonDict] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._tickets: set[str] = set()
        self._connections: dict[int, ServerConnection] = {}
        self._waiting: dict[str, _Waiting] = {}
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> SocketModeServer:
        if self._thread is not None:
            return self
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="slack-simulator-socket-mode", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT):
            raise SimulatorError(f"the Socket Mode server did not start within {START_TIMEOUT} s")
        if self._failure is not None:
            raise SimulatorError(f"the Socket Mode server did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        """Close every connection (code 1001, as a server going away) and end the loop's thread."""
        loop, stopping, thread = self._loop, self._stopping, self._thread
        if loop is None or stopping is None or thread is None:
            return
        # The loop may already have ended (it failed); then there is nothing to wake.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=START_TIMEOUT)
        self._thread = self._loop = self._stopping = None

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except Exception as exc:  # reported to start(), or logged if it came later
            self._failure = exc
            log.exception("simulator: the Socket Mode server failed")
        finally:
            ready.set()
            self._fail_all_waiting("the Socket Mode server stopped")
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stopping = asyncio.Event()
        async with serve(
            self._handle,
            self.host,
            0,
            process_request=self._check_ticket,
            # Plain frames whatever the client offers, and a quick stop when it will not close.
            compression=None,
            close_timeout=1,
        ) as server:
            self.port = int(server.sockets[0].getsockname()[1])
            ready.set()
            await self._stopping.wait()

    # --- connecting ---------------------------------------------------------------------
    def issue_link(self) -> str:
        """A one-time URL to connect to, as apps.connections.open returns it."""
        if self._thread is None:
            raise SimulatorError("start() the Socket Mode server first")
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{self.host}:{self.port}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path != LINK_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        ticket = parse_qs(url.query).get("ticket", [""])[0]
        with self._lock:
            known = ticket in self._tickets
            # Each URL connects once; reconnecting means calling apps.connections.open again.
            self._tickets.discard(ticket)
        if not known:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        number = next(self._ids)
        with self._lock:
            count = len(self._connections) + 1
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": DEBUG_INFO,
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await connection.send(json.dumps(hello))
            # Only a greeted connection takes envelopes, as on Slack.
            with self._changed:
                self._connections[number] = connection
                self._changed.notify_all()
            async for message in connection:
                self._receive(message)
        except ConnectionClosed:
            # slack_sdk's built-in client drops the socket without a close frame: expected.
            log.debug("simulator: Socket Mode connection %s closed", number)
        finally:
            with self._changed:
                self._connections.pop(number, None)
                self._changed.notify_all()
            self._fail_all_waiting("the connection closed before the ack", connection=number)

    @property
    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    def wait_for_connections(self, count: int = 1, timeout: float = 5.0) -> int:
        """Block until at least `count` connections were greeted; returns how many are open."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._connections) >= count, timeout=timeout):
                raise TimeoutError(f"fewer than {count} Socket Mode connection(s) within {timeout} s")
            return len(self._connections)

    # --- envelopes and acks -------------------------------------------------------------
    def deliver(
        self,
        kind: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float | None = None,
    ) -> SocketAck:
        """Send one envelope over the newest connection and wait for its ack (Slack's 3 s)."""
        timeout = self.ack_timeout if timeout is None else timeout
        envelope: JsonDict = {
            "envelope_id": str(uuid.uuid4()),
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        number, connection = self._newest()
        record = SocketDelivery(envelope, number)
        waiting = _Waiting(number, time.monotonic(), Future())
        with self._lock:
            self._waiting[envelope["envelope_id"]] = waiting
            self.deliveries.append(record)
        try:
            self._send(connection, envelope, timeout)
            remaining = max(0.0, timeout - (time.monotonic() - waiting.started))
            message = waiting.future.result(timeout=remaining)
        except FutureTimeout as exc:
            raise AckTimeoutError(f"no ack for {kind} envelope within {timeout} s") from exc
        finally:
            with self._lock:
                self._waiting.pop(envelope["envelope_id"], None)
        ack_payload = message.get("payload")
        record.ack = SocketAck(
            envelope["envelope_id"],
            ack_payload if isinstance(ack_payload, dict) else None,
            time.monotonic() - waiting.started,
        )
        return record.ack

    def disconnect(self, reason: str = "refresh_requested", timeout: float = 2.0) -> None:
        """Ask every connected app to reconnect, as Slack does before it recycles a link.

        Slack's reasons are `warning`, `refresh_requested` and `link_disabled`; slack_sdk's
        clients reconnect through a fresh apps.connections.open whatever the reason.
        """
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": DEBUG_INFO["host"]}}
        with self._lock:
            connections = list(self._connections.values())
        for connection in connections:
            self._send(connection, message, timeout)

    def _newest(self) -> tuple[int, ServerConnection]:
        with self._lock:
            if not self._connections:
                raise SimulatorError("no app is connected over Socket Mode")
            number = max(self._connections)
            return number, self._connections[number]

    def _send(self, connection: ServerConnection, message: JsonDict, timeout: float) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            raise SimulatorError("the Socket Mode server is not running")
        sending = asyncio.run_coroutine_threadsafe(connection.send(json.dumps(message)), loop)
        try:
            sending.result(timeout=timeout)
        except ConnectionClosed as exc:
            raise SimulatorError(f"the Socket Mode connection closed: {exc}") from exc
        except FutureTimeout as exc:
            sending.cancel()
            raise AckTimeoutError(f"could not send over Socket Mode within {timeout} s") from exc

    def _receive(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("envelope_id"), str):
            log.warning("simulator: unexpected Socket Mode message from the app: %.200r", message)
            with self._lock:
                self.stray_acks.append({"raw": message})
            return
        with self._lock:
            waiting = self._waiting.pop(data["envelope_id"], None)
            if waiting is None:
                self.stray_acks.append(data)
                return
        waiting.future.set_result(data)

    def _fail_all_waiting(self, why: str, *, connection: int | None = None) -> None:
        with self._lock:
            failing = [
                (envelope_id, w)
                for envelope_id, w in self._waiting.items()
                if connection is None or w.connection == connection
            ]
            for envelope_id, _ in failing:
                del self._waiting[envelope_id]
        for _, waiting in failing:
            if not waiting.future.done():
                waiting.future.set_exception(SimulatorError(why))
