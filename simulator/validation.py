"""Block Kit and view validation, as strict as Slack's.

Every block goes through `slack_sdk.models.blocks.Block.parse(...).to_dict()` so slack_sdk's
own validators run (section text ≤ 3,000, header ≤ 150, …). On top of that we check what the
SDK leaves out but Slack enforces: unknown block/element types (the SDK logs and *drops* them,
Slack rejects the message), at most 50 blocks per message and 100 per view, roughly 12,000
characters of block text per message (`msg_blocks_too_long`), a modal's title and a `submit`
button whenever the modal has an input block.

Errors carry Slack's `response_metadata.messages` style: `[ERROR] what [json-pointer:/where]`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from functools import lru_cache
from typing import Any, cast

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from core.types import JsonDict
from messaging.limits import MESSAGE_BLOCK_TEXT, MESSAGE_BLOCKS, VIEW_BLOCKS, VIEW_BYTES
from simulator.errors import ApiError


def decode_json_field(value: Any, name: str, error: str = "invalid_arguments") -> Any:
    """Form bodies carry `blocks`/`view`/`metadata` as JSON strings; JSON bodies as objects."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ApiError(error, f"[ERROR] {name} is not valid JSON: {exc}") from exc


def _types(node: Any, pointer: str, out: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every `type` value in a JSON tree with its json-pointer, depth first."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            out.append((node["type"], f"{pointer}/type"))
        for key, child in node.items():
            _types(child, f"{pointer}/{key}", out)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            _types(child, f"{pointer}/{i}", out)
    return out


def _auto_id(prefix: str, content: Any) -> str:
    """Slack fills in missing block_id/action_id with short opaque ids; ours are stable."""
    digest = hashlib.sha1(json.dumps(content, sort_keys=True).encode(), usedforsecurity=False)
    return prefix + digest.hexdigest()[:5]


def _fill_ids(block: JsonDict, index: int) -> JsonDict:
    """Give the block and its interactive elements ids, like Slack does when they are missing."""
    block = copy.deepcopy(block)
    block.setdefault("block_id", _auto_id("", [index, block]))
    elements: list[Any] = []
    if block.get("type") == "actions":
        elements = block.get("elements", [])
    elif block.get("type") == "input" and isinstance(block.get("element"), dict):
        elements = [block["element"]]
    elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
        elements = [block["accessory"]]
    for j, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") not in (None, "image"):
            element.setdefault("action_id", _auto_id("", [j, element]))
    return block


def check_block(block: Any, pointer: str, error: str, index: int) -> JsonDict:
    """One block round-tripped through slack_sdk (anything the SDK would drop or reject is
    refused), with the ids Slack fills in; a fresh copy the caller may keep.

    The outcome for a block's content is remembered (`_accepted`): a fan-out posts the same
    few blocks a thousand times, and the round trip is most of what a simulated post costs."""
    if not isinstance(block, dict):
        raise ApiError(error, f"[ERROR] expected an object [json-pointer:{pointer}]")
    try:
        canonical = json.dumps(block, sort_keys=True)
    except (TypeError, ValueError):
        _check_block(block, pointer, error)
        return _fill_ids(block, index)
    filled = _accepted(canonical, index)
    if filled is None:
        _check_block(block, pointer, error)  # refused: raises with Slack's message for this block
        return _fill_ids(block, index)  # pragma: no cover (a refused block always raises)
    return cast(JsonDict, json.loads(filled))


@lru_cache(maxsize=4096)
def _accepted(canonical: str, index: int) -> str | None:
    """The block at `index` with its ids filled in, as JSON, or None if it is refused: the
    verdict depends on the content alone."""
    block = json.loads(canonical)
    try:
        _check_block(block, "", "invalid_blocks")
    except ApiError:
        return None
    return json.dumps(_fill_ids(block, index))


def _check_block(block: JsonDict, pointer: str, error: str) -> None:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            raise ApiError(
                error, f"[ERROR] unsupported type: {block.get('type')} [json-pointer:{pointer}/type]"
            )
        normalised = parsed.to_dict()
    except SlackObjectFormationError as exc:
        raise ApiError(error, f"[ERROR] {exc} [json-pointer:{pointer}]") from exc
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ApiError(error, f"[ERROR] malformed block: {exc} [json-pointer:{pointer}]") from exc
    before = _types(block, pointer, [])
    lost = Counter(t for t, _ in before) - Counter(t for t, _ in _types(normalised, pointer, []))
    if lost:
        kind = next(iter(lost))
        where = next(p for t, p in before if t == kind)
        raise ApiError(error, f"[ERROR] unsupported type: {kind} [json-pointer:{where}]")


def check_unique_ids(blocks: list[JsonDict], pointer: str, error: str) -> None:
    """Slack refuses two blocks with one block_id, and two elements of a block with one action_id."""
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        block_id = block.get("block_id")
        if block_id in seen:
            raise ApiError(
                error, f"[ERROR] duplicate block_id: {block_id} [json-pointer:{pointer}/{i}/block_id]"
            )
        if isinstance(block_id, str):
            seen.add(block_id)
        actions = [e.get("action_id") for e in block.get("elements", []) if isinstance(e, dict)]
        dupes = {a for a in actions if a is not None and actions.count(a) > 1}
        if block.get("type") == "actions" and dupes:
            raise ApiError(
                error, f"[ERROR] duplicate action_id: {sorted(dupes)[0]} [json-pointer:{pointer}/{i}]"
            )


def block_text_length(node: Any) -> int:
    """Characters of text in a block tree: every string under a `text` key, at any depth."""
    if isinstance(node, dict):
        total = 0
        for key, child in node.items():
            total += len(child) if key == "text" and isinstance(child, str) else block_text_length(child)
        return total
    if isinstance(node, list):
        return sum(block_text_length(child) for child in node)
    return 0


def validate_message_blocks(raw: Any, *, max_text: int = MESSAGE_BLOCK_TEXT) -> list[JsonDict]:
    """The `blocks` argument of chat.postMessage/update/postEphemeral, checked like Slack does."""
    blocks = decode_json_field(raw, "blocks", "invalid_blocks_format")
    if not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format", "[ERROR] blocks must be an array [json-pointer:/blocks]")
    if len(blocks) > MESSAGE_BLOCKS:
        raise ApiError(
            "invalid_blocks",
            f"[ERROR] no more than {MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]",
        )
    checked = [check_block(b, f"/blocks/{i}", "invalid_blocks", i) for i, b in enumerate(blocks)]
    check_unique_ids(checked, "/blocks", "invalid_blocks")
    total = block_text_length(checked)
    if total > max_text:
        raise ApiError(
            "msg_blocks_too_long",
            f"[ERROR] blocks hold {total} characters of text, more than the {max_text} a message may carry",
        )
    return checked


def _has_input(blocks: list[JsonDict]) -> bool:
    return any(b.get("type") == "input" for b in blocks)


def validate_view(raw: Any, *, expected_type: str | None = None) -> JsonDict:
    """A `view` argument (views.open/push/update/publish or a response_action), checked.

    Returns the definition with missing block_ids/action_ids filled in, as Slack stores it.
    """
    view = decode_json_field(raw, "view")
    if not isinstance(view, dict):
        raise ApiError(
            "invalid_arguments", "[ERROR] failed to match all allowed schemas [json-pointer:/view]"
        )
    view_type = view.get("type")
    if view_type not in ("modal", "home"):
        raise ApiError(
            "invalid_arguments", f"[ERROR] unsupported view type: {view_type} [json-pointer:/view/type]"
        )
    if expected_type is not None and view_type != expected_type:
        raise ApiError(
            "invalid_arguments", f"[ERROR] view type must be {expected_type} [json-pointer:/view/type]"
        )
    if len(json.dumps(view)) > VIEW_BYTES:
        raise ApiError("view_too_large", "[ERROR] the view is larger than 250 kB")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise ApiError(
            "invalid_arguments", "[ERROR] missing required field: blocks [json-pointer:/view/blocks]"
        )
    if len(blocks) > VIEW_BLOCKS:
        raise ApiError(
            "invalid_arguments",
            f"[ERROR] no more than {VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]",
        )
    checked = [check_block(b, f"/view/blocks/{i}", "invalid_arguments", i) for i, b in enumerate(blocks)]
    check_unique_ids(checked, "/view/blocks", "invalid_arguments")
    try:
        View(**{**view, "blocks": checked}).to_dict()
    except SlackObjectFormationError as exc:
        raise ApiError("invalid_arguments", f"[ERROR] {exc} [json-pointer:/view]") from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ApiError("invalid_arguments", f"[ERROR] malformed view: {exc} [json-pointer:/view]") from exc
    if view_type == "modal":
        if not view.get("title"):
            raise ApiError(
                "invalid_arguments", "[ERROR] missing required field: title [json-pointer:/view/title]"
            )
        if _has_input(checked) and not view.get("submit"):
            raise ApiError(
                "invalid_arguments",
                "[ERROR] a modal with input blocks must have a submit button [json-pointer:/view/submit]",
            )
    return {**view, "blocks": checked}
