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
    post = answer_copy(roadmap, _answer(values))
    assert post.replies == []
    message = post.parent
    text = json.dumps(message.blocks)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; launch" in text
    assert "&lt;https://evil.example|the spec&gt; &amp; &lt;@U0BOSS&gt;" in text
    assert "<https://x.example/a|link>" in text  # a validated URL is a real link
    validate_message_blocks(message.blocks)


def test_a_very_long_answer_is_split_into_a_thread_not_cut(roadmap: RitualDefinition) -> None:
    words = " ".join(f"w{n}&" for n in range(2500))  # ~15,000 characters once escaped
    post = answer_copy(roadmap, _answer({"risks": words, "asks": "short"}, version=3, late=True))
    assert post.replies, "15,000 characters do not fit one message"
    intro = " ".join(b["text"]["text"] for b in post.parent.blocks if b["type"] == "section")
    assert "version 3" in intro
    assert "*late*" in intro
    sections = [b["text"]["text"] for m in post.messages for b in m.blocks if b["type"] == "section"]
    for message in post.messages:
        validate_message_blocks(message.blocks)
    # Every word is there, in order, and every section holds whole escapes.
    everything = " ".join(sections)
    positions = [everything.index(f"w{n}&amp;") for n in (0, 1250, 2499)]
    assert positions == sorted(positions)
    for body in sections:
        assert len(body) <= 3000
        assert not body.rstrip().endswith("&amp")
