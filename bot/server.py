"""HTTP serving: Slack's endpoint and a health check on waitress, a production WSGI server.

SIGTERM (or Ctrl-C) stops accepting connections, lets requests in flight finish, and only then
returns, so the caller can stop the scheduler and close the database with nothing half-written.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from sqlalchemy import Engine, text
from waitress.server import TcpWSGIServer, create_server

from bot.edge.body import MAX_BODY_BYTES
from bot.edge.handoff import CheckedRequestHandler
from bot.edge.middleware import RequestEdge
from bot.edge.replays import SeenRequests
from bot.http_channel import WorkerWrittenChannel
from bot.in_flight import RequestsInFlight
from bot.logging_setup import QUEUE_WARNING_EVERY_SECONDS, AtMostEvery
from handlers.wiring import records_its_own_request
from storage.idle_ping import once_more_if_dropped

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class RitualWSGIApp:
    """Routes `/slack/events` to Bolt through the request edge and answers `/healthz` itself."""

    def __init__(self, bolt: App, engine: Engine, in_flight: RequestsInFlight | None = None) -> None:
        self._slack = RequestEdge(
            CheckedRequestHandler(bolt, path=EVENTS_PATH),
            # The secret Bolt verifies with (it has no public accessor): both check the same.
            signing_secret=bolt._signing_secret,
            seen=SeenRequests(engine),
            path=EVENTS_PATH,
            in_flight=in_flight,
            records_its_own_request=records_its_own_request,
        )
        self._engine = engine

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return self._health(start_response)
        return self._slack(environ, start_response)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self._ping()
            status, body = "200 OK", {"ok": True, "database": "ok"}
        except Exception as error:  # a health check reports failures, it does not raise them
            log.warning("health check failed: %s", error)
            status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def _ping(self) -> None:
        # A pooled connection the database had closed (a restart) says nothing of the database
        # now: ask again on a fresh one before reporting it down.
        once_more_if_dropped(self._select_one, "checking the database")

    def _select_one(self) -> None:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))


class HttpServer:
    """A waitress server that can be run in the foreground or in a thread and stopped cleanly."""

    def __init__(
        self,
        wsgi_app: Callable[..., Any],
        host: str = "0.0.0.0",  # noqa: S104  (behind the operator's proxy; --host narrows it)
        port: int = 3000,
        threads: int = 8,
        connection_limit: int = 200,
    ) -> None:
        server = create_server(
            wsgi_app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=connection_limit,
            ident="ritualbot",
            # waitress would read up to 1 GiB; the request edge's cap applies before the app too.
            max_request_body_size=MAX_BODY_BYTES,
        )
        # One host and port make one TCP socket: waitress serves it with one server, not several.
        if not isinstance(server, TcpWSGIServer):
            raise TypeError(f"expected one listening socket, got {type(server).__name__}")
        # Connections are made as they are accepted, once the server runs (`bot.http_channel`).
        server.channel_class = WorkerWrittenChannel
        # Its "Task queue depth" warning, once a minute rather than for every request of a rush.
        server.task_dispatcher.queue_logger = AtMostEvery(  # type: ignore[assignment]  # a Logger in the stubs
            logging.getLogger("waitress.queue"), QUEUE_WARNING_EVERY_SECONDS
        )
        self._server = server
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[attr-defined]  # not in the stubs

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until SIGTERM/SIGINT (raised as SystemExit/KeyboardInterrupt)."""
        # waitress catches those, stops accepting, and waits for requests in flight.
        self._server.run()

    def start_in_thread(self) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, name="http-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop a server started with `start_in_thread`: finish requests in flight, then close."""
        self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=10)
        # Closing every channel from the loop's own thread empties its map and ends `run()`.
        try:
            self._server.trigger.pull_trigger(lambda: self._server.asyncore.close_all(self._server._map))  # type: ignore[attr-defined]
        except OSError:
            # The trigger's pipe is already closed: the loop has ended and nothing is left to close.
            log.debug("server loop already stopped")
        if self._thread is not None:
            self._thread.join(timeout=10)
