"""Reading numbers from internal systems over HTTP: one GET per source, JSON only, bounded.

A source answers JSON; the number sits at a dotted path in it (`data.value`, `items.0.count`).
Each source gets a timeout (5 s unless it says otherwise) for every attempt, two retries with
a doubling back-off when the failure may pass (a timeout, a dropped connection, a 5xx or 429),
and none when it will not (a 404, a page that is not JSON, a missing path). An answer larger
than the cap is refused while it streams in, so a runaway endpoint cannot fill the memory.

A failure is not an exception: it is a `Reading` without a value and with the reason, because a
source that fails must never stop a ritual. httpx retries only failed connections
(`HTTPTransport(retries=…)`), not 5xx answers or read timeouts, hence the small loop here.
Header values may name environment variables (`${METRICS_TOKEN}`, `string.Template`), read from
the process environment when the source is fetched, never earlier.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING, Any, TypeVar

from insights.config import Source

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

K = TypeVar("K")

#: The largest answer read from a source; a number never needs more.
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Reading:
    """What one source gave: a number, or the reason there is none."""

    value: float | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class FetchPolicy:
    attempts: int = 3  # the first try and two retries
    first_backoff: float = 0.5  # seconds before the first retry; doubled for each next one
    max_bytes: int = MAX_BYTES
    max_workers: int = 8


class _Failure(Exception):
    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class SourceFetcher:
    """Fetches sources, several at once; never raises for what a source does."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._policy = policy or FetchPolicy()
        # None: the process environment, read when a source is fetched (tests hand in a dict).
        self._environ = environ
        self._transport = transport
        self._sleep = sleep

    def fetch(self, source: Source) -> Reading:
        with self._client() as client:
            return self._fetch(client, source)

    def fetch_all(self, sources: Mapping[K, Source]) -> dict[K, Reading]:
        """Every source at once (a slow one does not hold up the others), by the same keys."""
        if not sources:
            return {}
        workers = min(self._policy.max_workers, len(sources))
        with self._client() as client, ThreadPoolExecutor(workers, thread_name_prefix="source") as pool:
            futures = {key: pool.submit(self._fetch, client, source) for key, source in sources.items()}
            return {key: future.result() for key, future in futures.items()}

    def _client(self) -> httpx.Client:
        # Imported here, when sources are read: httpx (with the rich and pygments its command
        # line pulls in) is not needed to start the bot, only at a run's opening and closing.
        import httpx

        # Redirects are not followed: the config names the URL to call, and only that one.
        return httpx.Client(transport=self._transport, follow_redirects=False)

    def _fetch(self, client: httpx.Client, source: Source) -> Reading:
        policy = self._policy
        for attempt in range(1, policy.attempts + 1):
            try:
                return Reading(self._attempt(client, source))
            except _Failure as failure:
                if not failure.retry or attempt == policy.attempts:
                    tries = f" (after {attempt} tries)" if attempt > 1 else ""
                    log.info("source %s unavailable: %s%s", source.url, failure.reason, tries)
                    return Reading(None, failure.reason + tries)
                self._sleep(policy.first_backoff * 2 ** (attempt - 1))
            except Exception as error:  # a bug here must not stop a ritual either; the log has it
                log.exception("reading %s failed unexpectedly", source.url)
                return Reading(None, f"unexpected error: {type(error).__name__}")
        raise AssertionError("unreachable: the last attempt returns")

    def _attempt(self, client: httpx.Client, source: Source) -> float:
        import httpx

        headers = self._headers(source)
        deadline = time.monotonic() + source.timeout
        try:
            with client.stream("GET", source.url, headers=headers, timeout=source.timeout) as response:
                _check_status(response)
                _check_json(response)
                body = self._read_capped(response, deadline, source.timeout)
        except httpx.TimeoutException:
            raise _Failure(f"timed out after {source.timeout:g} s", retry=True) from None
        except httpx.TransportError as error:
            raise _Failure(f"could not reach it: {error or type(error).__name__}", retry=True) from None
        try:
            document = json.loads(body)
        except ValueError as error:
            raise _Failure(f"the answer is not valid JSON: {error}", retry=False) from None
        return number_at(document, source.value)

    def _headers(self, source: Source) -> dict[str, str]:
        try:
            environ = os.environ if self._environ is None else self._environ
            return {name: Template(value).substitute(environ) for name, value in source.headers.items()}
        except KeyError as missing:
            raise _Failure(f"the environment variable {missing.args[0]} is not set", retry=False) from None

    def _read_capped(self, response: httpx.Response, deadline: float, timeout: float) -> bytes:
        cap = self._policy.max_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise _Failure(f"the answer is too large ({int(declared):,} bytes; at most {cap:,})", retry=False)
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > cap:
                raise _Failure(f"the answer is too large (more than {cap:,} bytes)", retry=False)
            if time.monotonic() > deadline:  # a server that trickles bytes never trips a read timeout
                raise _Failure(f"timed out after {timeout:g} s", retry=True)
        return bytes(body)


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise _Failure(f"HTTP {status}", retry=True)
    if 300 <= status < 400:
        raise _Failure(f"HTTP {status}: redirects are not followed; give the final URL", retry=False)
    if status >= 400:
        raise _Failure(f"HTTP {status}", retry=False)


def _check_json(response: httpx.Response) -> None:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise _Failure(f"the answer is not JSON (content type {media or 'missing'})", retry=False)


def number_at(document: Any, path: str) -> float:
    """The number at a dotted path (`data.value`, `items.0.count`); a numeric string counts."""
    here: Any = document
    walked: list[str] = []
    for part in path.split("."):
        where = ".".join(walked) or "the top"
        if isinstance(here, Mapping):
            if part not in here:
                raise _Failure(f"no {part!r} at {where} of the answer (path {path})", retry=False)
            here = here[part]
        elif isinstance(here, list) and part.isdigit():
            if int(part) >= len(here):
                raise _Failure(f"{where} has {len(here)} items, so no item {part} (path {path})", retry=False)
            here = here[int(part)]
        else:
            raise _Failure(f"{where} of the answer is not an object (path {path})", retry=False)
        walked.append(part)
    return _as_number(here, path)


def _as_number(value: Any, path: str) -> float:
    not_a_number = _Failure(f"the value at {path} is {json.dumps(value)[:40]}, not a number", retry=False)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise not_a_number
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise not_a_number from None
    if not math.isfinite(number):
        raise _Failure(f"the value at {path} is not a finite number", retry=False)
    return number
