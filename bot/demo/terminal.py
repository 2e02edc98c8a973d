"""How the demo shows a Slack message in a terminal, and where it keeps its Block Kit."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from simulator import EphemeralMessage, Message, Roster

BLOCK_KIT_BUILDER = "https://app.slack.com/block-kit-builder/#"


def builder_link(blocks: list[dict[str, Any]]) -> str:
    """A Block Kit Builder URL that opens these blocks (the builder reads them from the fragment)."""
    return BLOCK_KIT_BUILDER + quote(json.dumps({"blocks": blocks}, separators=(",", ":")), safe="")


def terminal_text(message: Message | EphemeralMessage, roster: Roster) -> str:
    """The message's blocks as plain lines: headers underlined, mentions as @names, buttons in brackets."""
    lines: list[str] = []
    for block in message.blocks:
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            lines += [title, "─" * min(len(title), 72)]
        elif kind == "section":
            lines.append(_plain(block["text"]["text"], roster))
        elif kind == "context":
            lines.append(
                "  " + " ".join(_plain(e.get("text", ""), roster) for e in block.get("elements", []))
            )
        elif kind == "actions":
            lines.append("  " + "  ".join(f"[{e['text']['text']}]" for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("  ────")
    return "\n".join(lines) if lines else _plain(message.text, roster)


def _plain(mrkdwn: str, roster: Roster) -> str:
    def name(match: re.Match[str]) -> str:
        user = roster.user(match.group(1))
        return "@" + (user.name if user else match.group(1))

    text = re.sub(r"<@([UW][A-Z0-9]+)>", name, mrkdwn)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def save_blocks(folder: Path, name: str, message: Message | EphemeralMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"text": message.text, "blocks": message.blocks}, indent=2) + "\n")
    return path
