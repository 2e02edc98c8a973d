"""The server's connections leave a socket to the worker writing to it (`bot.http_channel`), and
still deliver every byte: large responses, slow readers, output over waitress's high watermark,
several requests on one connection."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO

import httpx
import pytest
from waitress.server import create_server

from bot.http_channel import WorkerWrittenChannel
from bot.server import HttpServer

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

CHUNK = bytes(range(256)) * 256  # 64 KiB
WATERMARK = 4 * len(CHUNK)


def chunks_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """`/n` answers n chunks of 64 KiB, which waitress writes one by one; with the length given,
    the connection stays open for the next request."""
    count = int(environ["PATH_INFO"].strip("/") or "1")
    headers = [("Content-Type", "application/octet-stream"), ("Content-Length", str(count * len(CHUNK)))]
    start_response("200 OK", headers)
    return [CHUNK] * count


@pytest.fixture
def channel() -> Iterator[WorkerWrittenChannel]:
    server = HttpServer(chunks_app, host="127.0.0.1", port=0, threads=1)
    ours, theirs = socket.socketpair()
    made = WorkerWrittenChannel(server._server, ours, ("127.0.0.1", 0), server._server.adj, map={})
    try:
        yield made
    finally:
        made.close()
        theirs.close()
        server.stop()


class HeldElsewhere:
    """The channel's output lock, held by another thread, as a worker holds it while it sends."""

    def __init__(self, channel: WorkerWrittenChannel) -> None:
        self._lock = channel.outbuf_lock
        self._taken, self._done = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        with self._lock:
            self._taken.set()
            self._done.wait()

    def __enter__(self) -> HeldElsewhere:
        self._thread.start()
        self._taken.wait()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


def test_the_loop_leaves_the_socket_alone_while_a_worker_sends(channel: WorkerWrittenChannel) -> None:
    channel.requests = [object()]  # a request being served
    channel.total_outbufs_len = 100
    with HeldElsewhere(channel):
        assert not channel.writable()
    # Once the worker has let go, bytes it could not send are the loop's to send.
    assert channel.writable()


def test_over_the_high_watermark_the_loop_drains_for_the_waiting_worker(
    channel: WorkerWrittenChannel,
) -> None:
    channel.requests = [object()]
    channel.total_outbufs_len = channel.adj.outbuf_high_watermark + 1
    with HeldElsewhere(channel):
        assert channel.writable()


def test_a_closing_connection_or_one_with_no_request_is_as_waitress_has_it(
    channel: WorkerWrittenChannel,
) -> None:
    channel.total_outbufs_len = 100
    with HeldElsewhere(channel):
        assert channel.writable()  # no request: output left from one that ended
        channel.requests = [object()]
        channel.close_when_flushed = True
        assert channel.writable()
    channel.total_outbufs_len = 0
    channel.close_when_flushed = False
    assert not channel.writable()  # nothing to send


def test_the_bot_server_makes_its_connections_with_it() -> None:
    server = HttpServer(chunks_app, host="127.0.0.1", port=0, threads=2).start_in_thread()
    try:
        with httpx.Client(base_url=server.url, timeout=20) as client:
            assert client.get("/1").content == CHUNK
            # The connection stays open (keep-alive): its channel is in the loop's map.
            assert WorkerWrittenChannel in {type(made) for made in server._server._map.values()}  # type: ignore[attr-defined]
    finally:
        server.stop()


@pytest.fixture
def low_watermark_url() -> Iterator[str]:
    """waitress itself with this channel and a small high watermark, so that a response of a few
    MiB makes its worker wait for the loop again and again."""
    server = create_server(chunks_app, host="127.0.0.1", port=0, threads=2, outbuf_high_watermark=WATERMARK)
    server.channel_class = WorkerWrittenChannel  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    finally:
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        server.trigger.pull_trigger(lambda: server.asyncore.close_all(server._map))  # type: ignore[union-attr]
        thread.join(timeout=5)


def test_a_response_far_over_the_high_watermark_arrives_whole(low_watermark_url: str) -> None:
    count = 64  # 4 MiB, sixteen times the watermark
    # A generous timeout, not a measurement: a loop that stopped draining for the waiting worker
    # would stall a second at every watermark and run far past it.
    with httpx.Client(base_url=low_watermark_url, timeout=20) as client:
        got = client.get(f"/{count}").content
    assert hashlib.sha256(got).digest() == hashlib.sha256(CHUNK * count).digest()


def test_a_slow_reader_gets_every_byte_and_the_next_answer_on_the_same_connection(
    low_watermark_url: str,
) -> None:
    port = int(low_watermark_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        request = b"GET /%d HTTP/1.1\r\nHost: test\r\n\r\n"
        connection.sendall(request % 256 + request % 1)  # the second waits behind the first
        # Nothing read for a moment, then small reads: the socket's buffers fill, the server's
        # sends are partial and its worker waits at the high watermark.
        time.sleep(0.2)
        reader = connection.makefile("rb")
        first, second = _response(reader), _response(reader)
    assert first == CHUNK * 256
    assert second == CHUNK


def _response(reader: BinaryIO) -> bytes:
    """One response's body, read by its Content-Length, 1 KiB at a time."""
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    body = bytearray()
    while len(body) < length:
        piece = reader.read1(min(1024, length - len(body)))
        assert piece, "the server closed the connection"
        body += piece
    return bytes(body)
