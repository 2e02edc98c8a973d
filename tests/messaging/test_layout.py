"""One policy for long text: split into a thread where the whole must be kept, a marked cut
only where Slack offers no continuation, and never a cut inside an escape or a Slack token."""

from __future__ import annotations

import json

import pytest

from messaging.layout import CUT_MARK, LEFT_OUT_NOTE, compose, cut_to_fit, one_message, split_text
from messaging.limits import MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET, SECTION_TEXT
from simulator.validation import validate_message_blocks


def test_text_that_fits_is_left_alone() -> None:
    assert cut_to_fit("short", 5) == "short"


@pytest.mark.parametrize("limit", range(20, 40))
def test_a_cut_is_marked_and_never_breaks_an_escape_or_a_mention(limit: int) -> None:
    text = "Risks: legal &amp; <@U0BOSS> review &lt;soon&gt; and more words after it"
    cut = cut_to_fit(text, limit)
    assert len(cut) <= limit
    assert cut.endswith(CUT_MARK)
    body = cut.removesuffix(CUT_MARK)
    assert text.startswith(body)
    assert body.count("<") == body.count(">")
    assert not body.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))


def test_splitting_keeps_every_word_in_order() -> None:
    words = [f"w{n}&amp;" for n in range(2000)]
    pieces = split_text(" ".join(words), SECTION_TEXT)
    assert all(len(piece) <= SECTION_TEXT for piece in pieces)
    assert " ".join(pieces).split() == words


def test_one_message_says_what_it_left_out() -> None:
    lines = [f"• line {n} " + "x" * 200 for n in range(200)]  # ~42,000 characters
    blocks = one_message(lines)
    validate_message_blocks(blocks)
    assert len(blocks) <= MESSAGE_BLOCKS
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sum(map(len, texts)) <= MESSAGE_TEXT_BUDGET
    assert blocks[-1]["elements"][0]["text"] == LEFT_OUT_NOTE
    assert texts[0].startswith("• line 0 ")


def test_one_message_that_fits_has_no_note() -> None:
    blocks = one_message(["*Status*", "all fine"])
    assert [b["type"] for b in blocks] == ["section"]
    assert blocks[0]["text"]["text"] == "*Status*\nall fine"


def test_a_long_body_becomes_a_parent_and_replies_with_the_intro_and_actions_on_top() -> None:
    button = {
        "type": "actions",
        "elements": [{"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}],
    }
    body = "\n\n".join(f"Paragraph {n}: " + "y" * 900 for n in range(40))
    post = compose("A <b> & c title", body, intro="Please look.", actions=[button])
    assert post.replies
    parent = json.dumps(post.parent.blocks)
    assert "Please look." in parent
    assert '"action_id": "go"' in parent
    assert post.parent.text == "A &lt;b&gt; &amp; c title"  # the fallback is mrkdwn: escaped
    for message in post.messages:
        validate_message_blocks(message.blocks)
    kept = " ".join(b["text"]["text"] for m in post.replies for b in m.blocks if b["type"] == "section")
    assert all(f"Paragraph {n}:" in kept for n in range(40))
    assert "A &lt;b&gt; &amp; c title · part 1 of" in json.dumps(post.replies[0].blocks, ensure_ascii=False)
