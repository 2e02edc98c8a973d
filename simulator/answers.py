"""What Slack does with the app's HTTP answer to an interaction.

* A slash command's ack body becomes an ephemeral reply to the user (or, with
  `response_type: in_channel`, a visible message in the channel).
* A view_submission's ack drives the modal: empty closes the submitted view, `errors` shows
  errors next to input blocks, `update` replaces the view, `push` stacks a new one, `clear`
  closes them all. Slack would reject a malformed answer and show the user an error; here that
  is a `SimulatorError`, so the test fails where the bot went wrong.
* A block_suggestion's ack is the menu's options (`options`, or `option_groups`), each checked
  as Slack checks them; they are what the person may then pick.
"""

from __future__ import annotations

import json

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Option

from core.types import JsonDict
from messaging.limits import MODAL_STACK
from simulator.errors import ApiError, SimulatorError
from simulator.methods.chat import post_message_into, record_ephemeral
from simulator.methods.views import clear_stack, close_top, new_view, replace_view
from simulator.records import ViewRecord
from simulator.state import WorkspaceState
from simulator.validation import validate_message_blocks, validate_view


def parse_answer(body: str) -> JsonDict:
    """The ack body as JSON; an empty body is `{}`; plain text is `{"text": ...}`."""
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"text": body}
    if not isinstance(parsed, dict):
        raise SimulatorError(f"the bot answered with JSON that is not an object: {body[:200]}")
    return parsed


def apply_command_ack(ws: WorkspaceState, user_id: str, channel_id: str, body: str) -> None:
    answer = parse_answer(body)
    if not answer:
        return
    text = str(answer.get("text") or "")
    try:
        blocks = validate_message_blocks(answer["blocks"]) if answer.get("blocks") else []
    except ApiError as exc:
        raise SimulatorError(f"the command's answer has invalid blocks: {exc}") from exc
    with ws.lock:
        if answer.get("response_type") == "in_channel":
            post_message_into(ws, channel_id, text=text, blocks=blocks)
        else:
            record_ephemeral(ws, channel_id, user_id, text, blocks, "command_ack")


def _checked_view(answer: JsonDict) -> JsonDict:
    try:
        return validate_view(answer.get("view"), expected_type="modal")
    except ApiError as exc:
        raise SimulatorError(
            f"the bot answered {answer.get('response_action')} with an invalid view: {exc}"
        ) from exc


def apply_view_answer(ws: WorkspaceState, user_id: str, view: ViewRecord, answer: JsonDict) -> None:
    action = answer.get("response_action")
    with ws.lock:
        if not answer:
            close_top(ws, user_id)
        elif action == "errors":
            errors = answer.get("errors")
            if not isinstance(errors, dict) or not errors:
                raise SimulatorError("response_action errors needs a non-empty errors object")
            inputs = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
            stray = set(errors) - inputs
            if stray:
                raise SimulatorError(
                    f"errors name blocks that are not input blocks of the view: {sorted(stray)}"
                )
            view.errors = dict(errors)
        elif action == "update":
            replace_view(ws, view, _checked_view(answer))
        elif action == "push":
            stack = ws.modal_stacks.get(user_id, [])
            if len(stack) >= MODAL_STACK:
                raise SimulatorError("push_limit_reached: a modal holds at most three views")
            new_view(ws, user_id, _checked_view(answer), trigger_id=None, stack=stack)
        elif action == "clear":
            clear_stack(ws, user_id)
        else:
            raise SimulatorError(f"unknown view_submission answer: {answer}")


MAX_SUGGESTED = 100


def apply_suggestions(
    ws: WorkspaceState, view: ViewRecord, action_id: str, answer: JsonDict
) -> list[JsonDict]:
    """The options the app answered to a block_suggestion, checked and remembered on the view."""
    groups = answer.get("option_groups")
    options = (
        answer.get("options", []) if groups is None else [o for g in groups for o in g.get("options", [])]
    )
    if not isinstance(options, list) or len(options) > MAX_SUGGESTED or len(groups or []) > MAX_SUGGESTED:
        raise SimulatorError(f"a menu shows at most {MAX_SUGGESTED} options (or groups); got {answer}")
    try:
        for option in Option.parse_all(options) or []:
            option.to_dict()  # slack_sdk's validators: text at most 75 characters, value 150
    except (SlackObjectFormationError, KeyError, TypeError) as exc:
        raise SimulatorError(f"the bot suggested an invalid option: {exc}") from exc
    with ws.lock:
        view.suggested[action_id] = [dict(option) for option in options]
    return view.suggested[action_id]
