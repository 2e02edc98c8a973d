"""Reading sources: httpx's MockTransport plays the internal systems (timeouts, 5xx, bad JSON,
missing paths, huge bodies), and one real local HTTP server answers over a socket."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from bot.demo.numbers_source import NumbersServer
from insights.config import Source
from insights.fetching import FetchPolicy, Reading, SourceFetcher

URL = "https://metrics.internal/api/activation"

Handler = Callable[[httpx.Request], httpx.Response]


def _source(**extra: object) -> Source:
    return Source.model_validate({"url": URL, "value": "data.value", **extra})


def _fetcher(handler: Handler, sleeps: list[float] | None = None, **policy: int) -> SourceFetcher:
    pauses = sleeps if sleeps is not None else []
    return SourceFetcher(
        FetchPolicy(**policy),
        environ={"METRICS_TOKEN": "t0ken"},
        transport=httpx.MockTransport(handler),
        sleep=pauses.append,
    )


def _json(document: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=document)


def test_the_number_at_the_path_with_headers_from_the_environment() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json({"data": {"value": 42}})

    source = _source(headers={"Authorization": "Bearer ${METRICS_TOKEN}", "X-Team": "$$growth"})
    assert _fetcher(handler).fetch(source) == Reading(42.0)
    [request] = seen
    assert request.method == "GET"
    assert str(request.url) == URL
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.headers["X-Team"] == "$growth"


@pytest.mark.parametrize(
    ("document", "path", "expected"),
    [
        ({"data": {"value": "1250.5"}}, "data.value", 1250.5),
        ({"items": [{"count": 3}, {"count": 7}]}, "items.1.count", 7.0),
        ({"total": -4}, "total", -4.0),
    ],
)
def test_paths_into_objects_and_lists_and_numeric_strings(
    document: object, path: str, expected: float
) -> None:
    assert _fetcher(lambda _: _json(document)).fetch(_source(value=path)) == Reading(expected)


@pytest.mark.parametrize(
    ("document", "path", "reason"),
    [
        ({"data": {}}, "data.value", "no 'value' at data of the answer (path data.value)"),
        ({"items": []}, "items.0.count", "items has 0 items, so no item 0 (path items.0.count)"),
        ({"data": 5}, "data.value", "data of the answer is not an object (path data.value)"),
        ({"data": {"value": "lots"}}, "data.value", 'the value at data.value is "lots", not a number'),
        ({"data": {"value": True}}, "data.value", "the value at data.value is true, not a number"),
        ({"data": {"value": None}}, "data.value", "the value at data.value is null, not a number"),
    ],
)
def test_a_missing_path_or_a_value_that_is_not_a_number_is_not_retried(
    document: object, path: str, reason: str
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return _json(document)

    assert _fetcher(handler).fetch(_source(value=path)) == Reading(None, reason)
    assert len(calls) == 1


def test_timeouts_are_retried_twice_with_a_doubling_back_off() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    sleeps: list[float] = []
    reading = _fetcher(handler, sleeps).fetch(_source(timeout=2))
    assert reading == Reading(None, "timed out after 2 s (after 3 tries)")
    assert len(calls) == 3
    assert sleeps == [0.5, 1.0]


def test_a_5xx_is_retried_and_a_later_success_counts() -> None:
    answers = iter(
        [_json({"error": "busy"}, 503), _json({"error": "busy"}, 502), _json({"data": {"value": 7}})]
    )
    sleeps: list[float] = []
    assert _fetcher(lambda _: next(answers), sleeps).fetch(_source()) == Reading(7.0)
    assert sleeps == [0.5, 1.0]


def test_a_dropped_connection_is_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    reading = _fetcher(handler, attempts=2).fetch(_source())
    assert reading == Reading(None, "could not reach it: connection refused (after 2 tries)")


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(404, json={"error": "no"}), "HTTP 404"),
        (
            httpx.Response(302, headers={"Location": "https://elsewhere.example/"}),
            "HTTP 302: redirects are not followed; give the final URL",
        ),
        (
            httpx.Response(200, text="<html>login</html>", headers={"Content-Type": "text/html"}),
            "the answer is not JSON (content type text/html)",
        ),
        (
            httpx.Response(
                200, content=b'{"data": {"value": 4', headers={"Content-Type": "application/json"}
            ),
            "the answer is not valid JSON: Expecting ',' delimiter: line 1 column 21 (char 20)",
        ),
        (
            httpx.Response(
                200, content=b'{"value": 1}', headers={"Content-Type": "application/problem+json"}
            ),
            "no 'data' at the top of the answer (path data.value)",
        ),
    ],
)
def test_answers_that_will_not_improve_are_not_retried(response: httpx.Response, reason: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return response

    assert _fetcher(handler).fetch(_source()) == Reading(None, reason)
    assert len(calls) == 1


def test_a_huge_answer_is_refused_by_its_declared_length() -> None:
    body = b'{"data": {"value": 1}, "padding": "' + b"x" * 2000 + b'"}'
    response = httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    reading = _fetcher(lambda _: response, max_bytes=1000).fetch(_source())
    assert reading == Reading(None, f"the answer is too large ({len(body):,} bytes; at most 1,000)")


def test_a_huge_answer_without_a_length_is_cut_off_while_it_streams() -> None:
    streamed: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield b'{"data": {"value": 1}, "padding": "'
        for _ in range(10_000):  # 10 MB if it were all read
            streamed.append(1)
            yield b"x" * 1000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(), headers={"Content-Type": "application/json"})

    reading = _fetcher(handler, max_bytes=5000).fetch(_source())
    assert reading == Reading(None, "the answer is too large (more than 5,000 bytes)")
    assert len(streamed) < 10


def test_a_header_naming_an_unset_variable_says_which() -> None:
    source = _source(headers={"Authorization": "Bearer ${MISSING_TOKEN}"})
    reading = _fetcher(lambda _: _json({"data": {"value": 1}})).fetch(source)
    assert reading == Reading(None, "the environment variable MISSING_TOKEN is not set")


def test_sources_are_fetched_at_the_same_time() -> None:
    # Each answer waits until all three requests have arrived: one at a time, this would fail.
    all_in = threading.Barrier(3, timeout=5)

    def handler(request: httpx.Request) -> httpx.Response:
        all_in.wait()
        return _json({"data": {"value": float(request.url.path.rsplit("/", 1)[1])}})

    sources = {
        name: Source(url=f"https://metrics.internal/{n}", value="data.value") for n, name in enumerate("abc")
    }
    readings = _fetcher(handler).fetch_all(sources)
    assert readings == {"a": Reading(0.0), "b": Reading(1.0), "c": Reading(2.0)}


def test_a_real_local_server_over_http() -> None:
    with NumbersServer() as server:
        server.serve("activated-teams", 42)
        server.fail("conversion", 500)
        fetcher = SourceFetcher(FetchPolicy(first_backoff=0.0), environ={"METRICS_TOKEN": "t0ken"})
        readings = fetcher.fetch_all(
            {
                "up": Source(url=server.url("activated-teams"), value="data.value"),
                "down": Source(url=server.url("conversion"), value="data.value"),
                "typo": Source(url=server.url("activated-teams"), value="data.valeu"),
            }
        )
    assert readings["up"] == Reading(42.0)
    assert readings["down"] == Reading(None, "HTTP 500 (after 3 tries)")
    assert readings["typo"] == Reading(None, "no 'valeu' at data of the answer (path data.valeu)")
    assert server.requests == {"activated-teams": 2, "conversion": 3}


def test_a_closed_port_is_unavailable_not_an_error() -> None:
    with NumbersServer() as server:
        url = server.url("gone")
    reading = SourceFetcher(FetchPolicy(first_backoff=0.0)).fetch(Source(url=url, value="data.value"))
    assert reading.value is None
    assert reading.error is not None
    assert reading.error.startswith("could not reach it:")
    assert reading.error.endswith("(after 3 tries)")


def test_the_process_environment_is_read_when_the_source_is_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        return _json({"data": {"value": 1}})

    fetcher = SourceFetcher(transport=httpx.MockTransport(handler))  # built before the token is set
    monkeypatch.setenv("METRICS_TOKEN", "rotated")
    assert fetcher.fetch(_source(headers={"Authorization": "Bearer ${METRICS_TOKEN}"})) == Reading(1.0)
    assert sent == ["Bearer rotated"]
