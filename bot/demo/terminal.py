"""How the demo and `ritualbot preview` show Slack messages and modals in a terminal, and
where the demo keeps their Block Kit.

mrkdwn is turned into `rich` markup, so a terminal shows *bold* as bold, _italics_ as italics,
links as links with their address, mentions as @names and lists as lists; without a terminal
(a pipe, a file) rich writes the same text plainly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rich.console import Console
from rich.markup import escape

BLOCK_KIT_BUILDER = "https://app.slack.com/block-kit-builder/#"

# A user id -> the name to show for it.
NameOf = Callable[[str], str]

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]+))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = {
    ":white_check_mark:": "✅",
    ":new:": "🆕",
    ":arrow_right:": "➡",
    ":hourglass:": "⌛",
    ":x:": "❌",
    ":palm_tree:": "🌴",
}


def builder_link(blocks: list[dict[str, Any]] | Mapping[str, Any]) -> str:
    """A Block Kit Builder URL that opens these blocks (a list) or this view (a modal), which
    the builder reads from the fragment."""
    payload = {"blocks": blocks} if isinstance(blocks, list) else dict(blocks)
    return BLOCK_KIT_BUILDER + quote(json.dumps(payload, separators=(",", ":")), safe="")


def mrkdwn_markup(text: str, name_of: NameOf) -> str:
    """Slack mrkdwn as rich markup: formatting kept, Slack's escapes decoded, nothing else read."""
    markup = escape(text)
    markup = _MENTION.sub(lambda m: f"[cyan]@{escape(name_of(m[1]))}[/cyan]", markup)
    markup = _CHANNEL.sub(lambda m: f"[cyan]#{m[2] or m[1]}[/cyan]", markup)
    markup = _LINK.sub(
        lambda m: (
            f"[link={m[1]}][underline]{m[2] or m[1]}[/underline][/link]" + (f" ({m[1]})" if m[2] else "")
        ),
        markup,
    )
    markup = _CODE.sub(r"[bold magenta]\1[/bold magenta]", markup)
    markup = _BOLD.sub(r"[bold]\1[/bold]", markup)
    markup = _ITALIC.sub(r"[italic]\1[/italic]", markup)
    markup = _STRIKE.sub(r"[strike]\1[/strike]", markup)
    for code, emoji in _EMOJI.items():
        markup = markup.replace(code, emoji)
    return markup.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(element: Mapping[str, Any]) -> str:
    text = element.get("text")
    if isinstance(text, Mapping):
        return str(text.get("text", ""))
    return str(text or "")


def show_blocks(console: Console, blocks: list[dict[str, Any]], name_of: NameOf, fallback: str = "") -> None:
    """Print a message's or a view's blocks: headers underlined, inputs with their labels,
    buttons in brackets."""
    if not blocks:
        console.print(mrkdwn_markup(fallback, name_of))
        return
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            console.rule(f"[bold]{escape(_text_of(block))}[/bold]", align="left")
        elif kind == "section":
            console.print(mrkdwn_markup(_text_of(block), name_of))
            accessory = block.get("accessory")
            if isinstance(accessory, Mapping) and accessory.get("type") == "button":
                console.print(f"  [reverse] {escape(_text_of(accessory))} [/reverse]")
        elif kind == "context":
            line = " ".join(_text_of(element) for element in block.get("elements", []))
            console.print(f"[dim]{mrkdwn_markup(line, name_of)}[/dim]")
        elif kind == "actions":
            buttons = "  ".join(
                f"[reverse] {escape(_text_of(e))} [/reverse]" for e in block.get("elements", [])
            )
            console.print(f"  {buttons}")
        elif kind == "input":
            optional = " [dim](optional)[/dim]" if block.get("optional") else ""
            element = block.get("element") or {}
            console.print(
                f"▸ [bold]{escape(_text_of(block.get('label') or {}))}[/bold]{optional} "
                f"[dim]<{escape(str(element.get('type', 'input')))}>[/dim]"
            )
        elif kind == "divider":
            console.print("[dim]────[/dim]")


def save_blocks(folder: Path, name: str, text: str, blocks: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"text": text, "blocks": blocks}, indent=2) + "\n")
    return path
