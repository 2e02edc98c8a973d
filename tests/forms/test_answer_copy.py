"""The copy of an answer a PM gets in their DM: escaped, complete, and within a message's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rituals.collect.answer_copy import answer_copy
from rituals.definition.schema import RitualDefinition
from simulator.validation import validate_message_blocks
from storage.models import Answer


def _answer(values: dict[str, object], version: int = 1, late: bool = False) -> Answer:
    return Answer(
        run_id=1,
        ritual_id="r",
        user_id="U0PM00001",
        version=version,
        values=values,
        late=late,
        submitted_at=datetime(2027, 1, 18, tzinfo=UTC),
    )


def test_user_text_cannot_ping_or_disguise_links(roadmap: RitualDefinition) -> None:
    values = {
        "status": "On track",
        "roadmap": [
            {
                "title": "<!channel> launch",
                "horizon": "Now",
                "status": "Planned",
                "link": "https://x.example/a",
            },
        ],
        "risks": "<https://evil.example|the spec> & <@U0BOSS>",
    }
    message = answer_copy(roadmap, _answer(values))
    text = json.dumps(message.blocks)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; launch" in text
    assert "&lt;https://evil.example|the spec&gt; &amp; &lt;@U0BOSS&gt;" in text
    assert "<https://x.example/a|link>" in text  # a validated URL is a real link
    validate_message_blocks(message.blocks)


def test_a_very_long_answer_is_split_not_cut(roadmap: RitualDefinition) -> None:
    words = " ".join(f"w{n}&" for n in range(2500))  # ~15,000 characters once escaped
    message = answer_copy(roadmap, _answer({"risks": words, "asks": "short"}, version=3, late=True))
    validate_message_blocks(message.blocks)
    text = " ".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert "version 3" in text
    assert "*late*" in text
    assert "w0&amp;" in text
    # Every section holds whole escapes, and the end of the message says it was cut if it was.
    for block in message.blocks:
        if block["type"] == "section":
            body = block["text"]["text"]
            assert len(body) <= 3000
            assert not body.rstrip().endswith("&amp")
    if "w2499&amp;" not in text:
        assert "too long for one message" in json.dumps(message.blocks)
