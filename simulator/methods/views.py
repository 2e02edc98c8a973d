"""views.* — modals (with their stack of up to three views) and the Home tab.

The trigger rules are the ones that bite in production: a trigger_id is single use
(`exchanged_trigger_id`) and dies after about three seconds (`expired_trigger_id`), measured
on the workspace's injectable clock. `views.update` with a stale `hash` is `hash_conflict`.
The stack helpers here are also what the driver uses to apply a view_submission's answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NoReturn

from core.types import JsonDict
from messaging.limits import ACK_SECONDS, MODAL_STACK
from simulator.errors import ApiError, missing
from simulator.methods.common import Handler, Params
from simulator.records import Trigger, ViewRecord
from simulator.state import WorkspaceState
from simulator.validation import validate_view

TRIGGER_TTL = timedelta(seconds=ACK_SECONDS)


def view_api(ws: WorkspaceState, record: ViewRecord) -> JsonDict:
    ident = ws.identity
    return record.to_api(team_id=ident.team_id, app_id=ident.app_id, bot_id=ident.bot_id)


def check_trigger(ws: WorkspaceState, p: Params) -> Trigger:
    """The trigger named in the request, if it may still be exchanged (not yet marked used)."""
    trigger_id = p.opt("trigger_id") or p.opt("interactivity_pointer")
    if trigger_id is None:
        raise missing("trigger_id")
    trigger = ws.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if ws.now() - trigger.at > TRIGGER_TTL:
        raise ApiError("expired_trigger_id")
    return trigger


def _keep_state(record: ViewRecord, definition: JsonDict) -> None:
    """Slack keeps what the user typed into blocks that survive an update (same block_id)."""
    block_ids = {b.get("block_id") for b in definition.get("blocks", [])}
    record.state = {k: v for k, v in record.state.items() if k in block_ids}


def _unique_external_id(ws: WorkspaceState, definition: JsonDict, except_id: str | None = None) -> None:
    external_id = definition.get("external_id")
    if not external_id:
        return
    for view in ws.views.values():
        if view.external_id == external_id and not view.closed and view.id != except_id:
            raise ApiError("duplicate_external_id")


def new_view(
    ws: WorkspaceState, user: str, definition: JsonDict, *, trigger_id: str | None, stack: list[str]
) -> ViewRecord:
    """Create a view record on top of `stack` (an empty list starts a new modal)."""
    view_id = ws.new_id("V")
    record = ViewRecord(
        id=view_id,
        type=str(definition["type"]),
        user=user,
        hash=ws.new_hash(),
        definition=definition,
        trigger_id=trigger_id,
        root_view_id=stack[0] if stack else view_id,
        previous_view_id=stack[-1] if stack else None,
    )
    ws.views[view_id] = record
    stack.append(view_id)
    return record


def replace_view(ws: WorkspaceState, record: ViewRecord, definition: JsonDict) -> ViewRecord:
    """Put new content into an existing view: same id, fresh hash, validation errors cleared."""
    _keep_state(record, definition)
    record.definition = definition
    record.hash = ws.new_hash()
    record.errors = {}
    record.updates += 1
    return record


def close_top(ws: WorkspaceState, user: str) -> None:
    """Close the view on top of the user's modal stack (what an empty submission ack does)."""
    stack = ws.modal_stacks.get(user, [])
    if stack:
        ws.views[stack.pop()].closed = True


def clear_stack(ws: WorkspaceState, user: str) -> None:
    """Close the whole modal (`response_action: clear`, or the user dismissing it)."""
    for view_id in ws.modal_stacks.pop(user, []):
        ws.views[view_id].closed = True


def open_view(ws: WorkspaceState, p: Params) -> JsonDict:
    trigger = check_trigger(ws, p)
    definition = validate_view(p.raw("view") or _no_view(), expected_type="modal")
    _unique_external_id(ws, definition)
    trigger.used = True
    clear_stack(ws, trigger.user)  # a new modal replaces whatever the user had open
    stack: list[str] = []
    ws.modal_stacks[trigger.user] = stack
    record = new_view(ws, trigger.user, definition, trigger_id=trigger.id, stack=stack)
    return {"ok": True, "view": view_api(ws, record)}


def push_view(ws: WorkspaceState, p: Params) -> JsonDict:
    trigger = check_trigger(ws, p)
    definition = validate_view(p.raw("view") or _no_view(), expected_type="modal")
    stack = ws.modal_stacks.get(trigger.user)
    if not stack or trigger.view_id not in stack:
        raise ApiError("invalid_trigger_id", "[ERROR] views.push needs a trigger from inside an open modal")
    if len(stack) >= MODAL_STACK:
        raise ApiError("push_limit_reached")
    _unique_external_id(ws, definition)
    trigger.used = True
    record = new_view(ws, trigger.user, definition, trigger_id=trigger.id, stack=stack)
    return {"ok": True, "view": view_api(ws, record)}


def _find_view(ws: WorkspaceState, p: Params) -> ViewRecord:
    view_id, external_id = p.opt("view_id"), p.opt("external_id")
    if view_id is None and external_id is None:
        raise missing("view_id")
    for record in ws.views.values():
        if record.closed:
            continue
        if (view_id is not None and record.id == view_id) or (
            view_id is None and external_id and record.external_id == external_id
        ):
            return record
    raise ApiError("not_found")


def update_view(ws: WorkspaceState, p: Params) -> JsonDict:
    record = _find_view(ws, p)
    expected_hash = p.opt("hash")
    if expected_hash is not None and expected_hash != record.hash:
        raise ApiError("hash_conflict")
    definition = validate_view(p.raw("view") or _no_view(), expected_type=record.type)
    _unique_external_id(ws, definition, except_id=record.id)
    return {"ok": True, "view": view_api(ws, replace_view(ws, record, definition))}


def publish(ws: WorkspaceState, p: Params) -> JsonDict:
    user = ws.known_user(p.req("user_id", "user_not_found"))
    if user.is_bot or user.deleted:
        raise ApiError("user_not_found")
    definition = validate_view(p.raw("view") or _no_view(), expected_type="home")
    current = ws.views.get(ws.homes.get(user.id, ""))
    expected_hash = p.opt("hash")
    if expected_hash is not None and (current is None or expected_hash != current.hash):
        raise ApiError("hash_conflict")
    if current is not None:
        record = replace_view(ws, current, definition)
    else:
        record = new_view(ws, user.id, definition, trigger_id=None, stack=[])
        ws.homes[user.id] = record.id
    return {"ok": True, "view": view_api(ws, record)}


def _no_view() -> NoReturn:
    raise missing("view")


METHODS: dict[str, Handler] = {
    "views.open": open_view,
    "views.push": push_view,
    "views.update": update_view,
    "views.publish": publish,
}
