"""The simulated Web API over real HTTP, on 127.0.0.1 and an ephemeral port.

Routes:
* `POST|GET /api/<method>` — Slack's Web API. Bodies are form-encoded or JSON, as slack_sdk
  sends them (it POSTs JSON for chat.postMessage/update/postEphemeral and views.*, form
  fields for the rest, with `blocks`/`view`/`files` as JSON strings inside). The token comes
  from `Authorization: Bearer …` or a `token` field. Methods take the bot token, except
  `apps.connections.open`, which takes the app-level token and only in the header (as Slack
  documents); the wrong kind of token is `not_allowed_token_type`, as on Slack.
* `POST /upload/<file_id>` — the upload URL handed out by files.getUploadURLExternal.
* `POST /response/<team>/<token>` — response_urls minted by the driver.

Every API call is recorded before anything else happens, so a test sees even the refused ones.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from simulator.errors import ApiError
from simulator.faults import Faults, Outcome
from simulator.methods import METHODS, Params
from simulator.methods.apps import APP_METHODS, LinkIssuer
from simulator.methods.files import receive_upload
from simulator.records import RecordedCall
from simulator.response_urls import receive_response
from simulator.scopes import check_scope
from simulator.state import WorkspaceState

log = logging.getLogger(__name__)

JSON_FIELDS = (
    "blocks",
    "attachments",
    "view",
    "metadata",
    "files",
    "user_auth_blocks",
    "document_content",
    "channel_ids",
    "user_ids",
)


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def parse_params(content_type: str, query: str, body: bytes) -> dict[str, Any]:
    """Query string plus body, JSON-valued fields decoded where they parse."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise ApiError("invalid_json") from exc
        if not isinstance(data, dict):
            raise ApiError("invalid_json")
        params.update(data)
    elif kind in ("", "application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    else:
        raise ApiError("invalid_form_data", f"[ERROR] {kind} bodies are not simulated")
    for name in JSON_FIELDS:
        if isinstance(params.get(name), str):
            # left as text when malformed: the method answers with its own error for that
            with contextlib.suppress(ValueError):
                params[name] = json.loads(params[name])
    return params


class WebApi:
    """Dispatches one request to the simulated method, with auth and faults applied."""

    def __init__(
        self,
        state: WorkspaceState,
        faults: Faults,
        token: str,
        *,
        app_token: str | None = None,
        issue_link: LinkIssuer | None = None,
    ) -> None:
        self.state = state
        self.faults = faults
        self.token = token
        self.app_token = app_token
        self.issue_link = issue_link

    def call(self, method: str, headers: dict[str, str], query: str, body: bytes) -> Reply:
        ws = self.state
        early: ApiError | None = None
        try:
            params = parse_params(headers.get("content-type", ""), query, body)
        except ApiError as exc:
            params, early = {}, exc
        auth = headers.get("authorization", "")
        in_header = auth.lower().startswith("bearer ")
        token = auth[7:].strip() if in_header else str(params.pop("token", "") or "")
        params.pop("token", None)
        with ws.lock:
            call = RecordedCall(method, params, dict(headers), ws.now())
            ws.record(call)
        if method in APP_METHODS and token and not in_header:
            refused = ApiError("not_authed", "[ERROR] send the app-level token in the Authorization header")
            reply = Reply(200, refused.body())
        else:
            reply = self._dispatch(method, params, token, early)
        with ws.lock:
            call.status = reply.status
            call.response = reply.body if isinstance(reply.body, dict) else None
        return reply

    def _dispatch(self, method: str, params: dict[str, Any], token: str, early: ApiError | None) -> Reply:
        if method not in METHODS and method not in APP_METHODS:
            msg = f"[ERROR] {method} is not a method the simulated workspace implements"
            return Reply(200, ApiError("unknown_method", msg).body())
        if not token:
            return Reply(200, {"ok": False, "error": "not_authed"})
        kind = self._token_kind(token)
        if kind is None:
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        if kind != ("app" if method in APP_METHODS else "bot"):
            return Reply(200, {"ok": False, "error": "not_allowed_token_type"})
        if early is not None:
            return Reply(early.status, early.body())
        granted = self.state.scopes
        if method not in APP_METHODS:
            try:
                check_scope(method, granted)
            except ApiError as exc:
                return self._with_scopes(Reply(exc.status, exc.body()))
        outcome = self.faults.decide(method, params, self.state.now())
        if outcome.delay and not outcome.delay_after_processing:
            time.sleep(outcome.delay)
        result = self._run(method, params) if outcome.process else None
        if outcome.hidden_for and result is not None:
            self._store_slowly(result, outcome.hidden_for)
        if outcome.delay and outcome.delay_after_processing:
            time.sleep(outcome.delay)
        reply = self._finish(outcome, result)
        return reply if method in APP_METHODS else self._with_scopes(reply)

    def _store_slowly(self, result: Reply, seconds: float) -> None:
        body = result.body
        if isinstance(body, dict) and body.get("ok") and body.get("ts"):
            with self.state.lock:
                self.state.store_slowly(str(body["channel"]), str(body["ts"]), seconds)

    def _with_scopes(self, reply: Reply) -> Reply:
        """Slack names the token's scopes in a header of every Web API answer."""
        reply.headers.setdefault("x-oauth-scopes", ",".join(sorted(self.state.scopes)))
        return reply

    def _token_kind(self, token: str) -> str | None:
        """Which of the workspace's tokens this is ("bot" or "app"), or None for a stranger's."""
        if secrets.compare_digest(token.encode(), self.token.encode()):
            return "bot"
        if self.app_token and secrets.compare_digest(token.encode(), self.app_token.encode()):
            return "app"
        return None

    def _run(self, method: str, params: dict[str, Any]) -> Reply:
        if method in APP_METHODS:
            # Outside the state lock: minting a link may start the WebSocket server.
            try:
                return Reply(200, APP_METHODS[method](self.issue_link, Params(params)))
            except ApiError as exc:
                return Reply(exc.status, exc.body())
        with self.state.lock:
            try:
                return Reply(200, METHODS[method](self.state, Params(params)))
            except ApiError as exc:
                return Reply(exc.status, exc.body())

    @staticmethod
    def _finish(outcome: Outcome, result: Reply | None) -> Reply:
        if outcome.drop:
            return Reply(0, "", drop=True)
        if outcome.status is not None:
            return Reply(outcome.status, outcome.body or "", dict(outcome.headers))
        assert result is not None  # no override means the call was processed
        return result


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # benchmarks open many connections at once; the default backlog is 5
    api: WebApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout, dropped fault) leaves a broken pipe behind: expected.
        log.debug("simulator: connection from %s ended early", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ritualbot-simulator"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("simulator: " + format, *args)

    @property
    def api(self) -> WebApi:
        return cast(_Server, self.server).api

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self._body()
        parts = url.path.strip("/").split("/")
        headers = {k.lower(): v for k, v in self.headers.items()}
        ws = self.api.state
        if len(parts) == 2 and parts[0] == "api":
            self._send(self.api.call(parts[1], headers, url.query, body))
        elif len(parts) == 2 and parts[0] == "upload" and self.command == "POST":
            with ws.lock:
                status, text = receive_upload(ws, parts[1], body)
            self._send(Reply(status, text))
        elif len(parts) == 3 and parts[0] == "response" and self.command == "POST":
            with ws.lock:
                status, text = receive_response(ws, parts[2], f"{ws.base_url}{url.path}", body)
            self._send(Reply(status, text))
        else:
            self._send(Reply(404, "not found"))

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            return
        if isinstance(reply.body, dict):
            data, ctype = json.dumps(reply.body).encode(), "application/json; charset=utf-8"
        else:
            data, ctype = reply.body.encode(), "text/plain; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Slack-Req-Id", secrets.token_hex(8))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def make_server(api: WebApi, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Bind (port 0: an ephemeral one); the caller runs `serve_forever` in a thread."""
    server = _Server((host, port), _Handler)
    server.api = api
    return server
