"""Reading a request body: at most a cap of bytes, then parsed as Bolt parses it.

A body over the cap is refused before it is read (from `Content-Length`), or as soon as more
than the cap has arrived (a chunked body without one), so a huge request costs no memory.
"""

from __future__ import annotations

from typing import IO, Any

from slack_bolt.request.internals import parse_body

# Slack's largest bodies are view submissions with 100 blocks of state (well under 100 KB);
# a few hundred KB leaves room without letting anyone make the process read megabytes.
MAX_BODY_BYTES = 512 * 1024


class BodyTooLarge(Exception):
    """More bytes than the cap; nothing was read past it."""


class NotSlackShaped(ValueError):
    """A signed body that is not what Slack sends: bad encoding, bad JSON, not an object."""


def read_capped(stream: IO[bytes], declared_length: str | None, cap: int) -> bytes:
    """The body, refusing more than `cap` bytes whether or not the length was declared."""
    if declared_length:
        try:
            length = int(declared_length)
        except ValueError:
            raise NotSlackShaped(f"Content-Length is not a number: {declared_length[:20]!r}") from None
        if length > cap:
            raise BodyTooLarge(f"{length} bytes declared")
        return stream.read(length) if length > 0 else b""
    raw = stream.read(cap + 1)
    if len(raw) > cap:
        raise BodyTooLarge(f"more than {cap} bytes sent")
    return raw


def parsed_payload(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will read it, when that is a JSON object."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotSlackShaped(f"the body is not UTF-8 ({error.reason})") from None
    try:
        body = parse_body(text, content_type)
    except ValueError as error:  # json.JSONDecodeError and broken form encoding alike
        raise NotSlackShaped(f"the body does not parse: {error}") from None
    if not isinstance(body, dict):
        raise NotSlackShaped(f"the payload is a JSON {type(body).__name__}, not an object")
    return body
