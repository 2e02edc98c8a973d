"""The JSON inside an interaction's form body (`payload=…`), percent-decoded in C.

Slack posts every click and modal submission as `application/x-www-form-urlencoded` with one
field, `payload`, whose value is JSON. Form encoding turns each brace, quote, colon and comma
of that JSON into a three-character `%XX` escape: close to nine hundred of them in an answer
modal's submission. `urllib.parse.unquote` decodes them one at a time in a Python loop, which
made reading the body a fifth of the bot's work per acknowledgement at a deadline rush
(`benchmarks/answer_rush.py`, profiled): about 170 µs of CPU a submission, in process.

`%XX` is the escape quoted-printable writes as `=XX`, and `binascii.a2b_qp` decodes those in
C. The two encodings differ only where a form body has a raw `=` inside the value, a raw line
break (quoted-printable's soft line break follows an `=`), or a `%` that starts no escape: a
body with any of those, or with more than the one field, or with bytes outside ASCII (Slack
escapes those too), is not decoded here, and the caller parses it the standard library's way.
What this decodes, it decodes exactly as `urllib.parse.parse_qsl` would
(`tests/test_form_payload.py` holds the two side by side, over random bodies too).
"""

from __future__ import annotations

import binascii

_FIELD = b"payload="
# A second field, or characters quoted-printable reads otherwise: the standard library's way.
_NOT_HERE = (b"&", b"=", b"\r", b"\n")


def interaction_json(raw: bytes) -> str | None:
    """The `payload` field's value of a one-field `payload=…` form body; None for any other body."""
    if not raw.startswith(_FIELD) or not raw.isascii():
        return None
    encoded = raw[len(_FIELD) :]
    if any(character in encoded for character in _NOT_HERE):
        return None
    # `+` is a space in form encoding; with no `=` in `encoded`, each `=` after the swap is a `%`.
    decoded = binascii.a2b_qp(encoded.replace(b"+", b" ").replace(b"%", b"="))
    # Each escape turns three characters into one. A `%` that starts no escape saves fewer (it
    # is kept, or a doubled or final one is dropped), so the length tells whether every `%`
    # started one; a regular expression checking each `%` took longer than all the rest.
    if len(decoded) != len(encoded) - 2 * encoded.count(b"%"):
        return None
    # Invalid UTF-8 is replaced, as `unquote` replaces it.
    return decoded.decode("utf-8", "replace")
