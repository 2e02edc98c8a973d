"""Reading a request body: at most a cap of bytes, then parsed as Bolt parses it.

A body over the cap is refused before it is read (from `Content-Length`), or as soon as more
than the cap has arrived (a chunked body without one), so a huge request costs no memory.
An interaction's `payload=…` form body, the one a deadline rush brings by the hundred, is
percent-decoded in C (`bot.edge.form_payload`); any other body goes through Bolt's own parser.
"""

from __future__ import annotations

import json
from typing import IO, Any, NamedTuple

from slack_bolt.request.internals import parse_body

from bot.edge.form_payload import interaction_json

JSON_CONTENT_TYPE = "application/json"

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


class ParsedBody(NamedTuple):
    body: dict[str, Any]
    # The JSON text `body` was decoded from; None when it came from form fields.
    json_text: str | None


def parsed_payload(raw: bytes, content_type: str | None) -> ParsedBody:
    """The body as Bolt will read it, when that is a JSON object."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotSlackShaped(f"the body is not UTF-8 ({error.reason})") from None
    # Bolt reads any body as a form unless it is declared JSON or starts with "{".
    json_text = None if content_type == JSON_CONTENT_TYPE else interaction_json(raw)
    try:
        if json_text is not None:
            body = json.loads(json_text)
        else:
            body, json_text = parse_body(text, content_type), _json_text(text, content_type)
    except ValueError as error:  # json.JSONDecodeError and broken form encoding alike
        raise NotSlackShaped(f"the body does not parse: {error}") from None
    if not isinstance(body, dict):
        raise NotSlackShaped(f"the payload is a JSON {type(body).__name__}, not an object")
    return ParsedBody(body, json_text)


def _json_text(text: str, content_type: str | None) -> str | None:
    """The text Bolt's parser decodes as JSON as a whole (not a form's `payload` field)."""
    return text if content_type == JSON_CONTENT_TYPE or text.startswith("{") else None
