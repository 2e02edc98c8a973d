"""A stand-in for an internal metrics system: a local HTTP server answering numbers as JSON.

`GET /<name>` answers `{"data": {"value": N}}` with the number last set for that name, or
fails with the status set for it (a source that is down). The demo and the end-to-end tests
point objectives files at it, so the bot fetches over real HTTP exactly as it would from a
company's own systems.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class NumbersServer:
    def __init__(self, latency: float = 0.0) -> None:
        # Seconds each answer takes, like a real system's query time (benchmarks use it).
        self.latency = latency
        self._values: dict[str, float] = {}
        self._failing: dict[str, int] = {}
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        # The headers of the last request for each name (what a source sent, tokens included).
        self.headers: dict[str, dict[str, str]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="numbers", daemon=True)

    def start(self) -> NumbersServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> NumbersServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def url(self, name: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{name}"

    def serve(self, name: str, value: float) -> None:
        with self._lock:
            self._values[name] = value
            self._failing.pop(name, None)

    def fail(self, name: str, status: int = 503) -> None:
        with self._lock:
            self._failing[name] = status

    def _answer(self, name: str, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self._lock:
            self.requests[name] += 1
            self.headers[name] = headers
            if name in self._failing:
                return self._failing[name], {"error": "unavailable"}
            if name not in self._values:
                return 404, {"error": f"no number called {name}"}
            return 200, {"data": {"value": self._values[name]}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        numbers = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(numbers.latency)
                status, document = numbers._answer(self.path.strip("/"), dict(self.headers.items()))
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the demo prints its own story."""

        return Handler
