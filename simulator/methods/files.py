"""files.getUploadURLExternal and files.completeUploadExternal: what `files_upload_v2` calls.

Between the two, slack_sdk POSTs the raw bytes to the `upload_url` we handed out; the web
server serves that URL too (see `receive_upload`). Completing with a `channel_id` shares the
file into that conversation as a bot message carrying the file, with `initial_comment` as text.
"""

from __future__ import annotations

from core.types import JsonDict
from simulator.errors import ApiError, missing
from simulator.methods.chat import post_message_into
from simulator.methods.common import Handler, Params
from simulator.records import UploadedFile
from simulator.state import WorkspaceState
from simulator.validation import decode_json_field

# files.getUploadURLExternal refuses a longer `alt_txt` with `alt_txt_too_large`.
ALT_TXT_MAX = 1000


def get_upload_url(ws: WorkspaceState, p: Params) -> JsonDict:
    filename = p.req("filename")
    length = p.integer("length", -1)
    if length < 0:
        raise missing("length")
    alt_txt = p.opt("alt_txt")
    if alt_txt is not None and len(alt_txt) > ALT_TXT_MAX:
        raise ApiError(
            "alt_txt_too_large", "Description for the image is longer than the limit of 1000 characters"
        )
    file_id = ws.new_id("F")
    ws.files[file_id] = UploadedFile(
        id=file_id,
        filename=filename,
        length=length,
        user=ws.bot_user.id,
        created=ws.now(),
        alt_txt=alt_txt,
        snippet_type=p.opt("snippet_type"),
    )
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/{file_id}", "file_id": file_id}


def receive_upload(ws: WorkspaceState, file_id: str, body: bytes) -> tuple[int, str]:
    """The upload POST itself: (HTTP status, body text), as Slack's file edge answers it."""
    record = ws.files.get(file_id)
    if record is None:
        return 404, "file not found"
    if len(body) != record.length:
        return 400, f"expected {record.length} bytes, received {len(body)}"
    record.content = body
    return 200, f"OK - {len(body)}"


def complete_upload(ws: WorkspaceState, p: Params) -> JsonDict:
    entries = decode_json_field(p.raw("files") or "", "files")
    if not isinstance(entries, list) or not entries:
        raise missing("files")
    records: list[UploadedFile] = []
    for entry in entries:
        record = ws.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
        if record is None or record.content is None:
            raise ApiError("file_not_found", "[ERROR] unknown file id, or its bytes were never uploaded")
        record.title = str(entry.get("title") or record.filename)
        records.append(record)
    targets = [c for c in [p.opt("channel_id"), *(p.opt("channels") or "").split(",")] if c]
    thread_ts, comment = p.opt("thread_ts"), p.opt("initial_comment")
    for conv in [ws.conversation(t) for t in targets]:  # resolve all before sharing anywhere
        shared = post_message_into(
            ws, conv.id, text=comment or "", thread_ts=thread_ts, files=[r.id for r in records]
        )
        shared.file_objects = [{"id": r.id, "name": r.filename, "title": r.title} for r in records]
        for record in records:
            record.channels.append(conv.id)
    for record in records:
        record.completed = True
        record.initial_comment = comment
        record.thread_ts = thread_ts
    return {"ok": True, "files": [r.to_api(permalink_base=ws.identity.url) for r in records]}


METHODS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
