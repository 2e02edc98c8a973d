"""The C-speed decoding of `payload=…` bodies reads exactly what the standard library reads."""

from __future__ import annotations

import json
import random
import re
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from slack_bolt.request.internals import parse_body

from bot.edge.body import parsed_payload
from bot.edge.form_payload import interaction_json

FORM = "application/x-www-form-urlencoded"

TEXTS = [
    "",
    "plain",
    "spaces and + plus and %25 percent and = equals and & ampersand",
    'quotes " and \\ backslashes \\" and \\u00e9 escapes',
    "lines\nand\r\ncarriage returns\tand tabs",
    "é ü ß 中文 😀 👩‍👩‍👧",
    "\x00\x01\x7f control characters",
    "=41 looks like quoted-printable, =\n a soft line break, ==",
    "%41 a literal percent escape, %%, %",
]


def standard(body: bytes) -> str:
    return dict(parse_qsl(body.decode(), keep_blank_values=True))["payload"]


@pytest.mark.parametrize("text", TEXTS)
def test_slacks_encoding_of_any_text_decodes_as_parse_qsl_decodes_it(text: str) -> None:
    payload = json.dumps({"type": "view_submission", "text": text}, ensure_ascii=False)
    quoted = quote(payload, safe="")
    for body in (
        urlencode({"payload": payload}).encode(),  # spaces as "+", as Slack sends them
        f"payload={quoted}".encode(),  # spaces as "%20"
        f"payload={re.sub('%[0-9A-F]{2}', lambda escape: escape[0].lower(), quoted)}".encode(),
    ):
        decoded = interaction_json(body)
        assert decoded is not None
        assert decoded == standard(body)
        assert json.loads(decoded)["text"] == text


@pytest.mark.parametrize(
    "body",
    [
        b"payload=%zz",  # not an escape
        b"payload=abc%",  # an escape cut short at the end
        b"payload=a%4",
        b"payload=a%%41",
        b"payload=a=b",  # a raw "=" in the value
        b"payload=%7B%7D&token=x",  # a second field
        "payload=%7B%22a%22:%22é%22%7D".encode(),  # bytes outside ASCII
        b"token=x",  # no payload field
        b"payload",
        b"",
    ],
)
def test_a_body_the_standard_library_would_read_otherwise_is_left_to_it(body: bytes) -> None:
    assert interaction_json(body) is None


def test_every_body_it_decodes_decodes_as_parse_qsl_decodes_it() -> None:
    """Random bodies from the characters that matter: each is either left alone or decoded the
    standard library's way."""
    alphabet = [
        "%",
        "=",
        "&",
        "+",
        "2",
        "5",
        "7",
        "B",
        "b",
        "C",
        "e",
        "E",
        "F",
        "0",
        "9",
        "a",
        "z",
        "\n",
        "\r",
    ]
    chance = random.Random(20261203)
    decoded = 0
    for _ in range(20_000):
        body = ("payload=" + "".join(chance.choices(alphabet, k=chance.randint(0, 12)))).encode()
        result = interaction_json(body)
        if result is not None:
            decoded += 1
            assert result == standard(body), body
    assert decoded > 1_000  # the comparison ran on many bodies, not only refusals


@pytest.mark.parametrize(
    "body",
    [
        urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": "U1"}})}).encode(),
        b"payload=%7B%22a%22%3A%22%25zz%26x%3D1%22%7D",
        b"payload=%7B%22a%22%3A1%7D&payload=%7B%22b%22%3A2%7D",  # the last field wins, as in Bolt
        b"command=%2Fritual&text=help+me&user_id=U1",
    ],
)
def test_the_edge_parses_each_body_as_bolt_does(body: bytes) -> None:
    parsed = parsed_payload(body, FORM)
    assert parsed.body == parse_body(body.decode(), FORM)
