"""files_upload_v2 end to end: getUploadURLExternal, the upload POST, completeUploadExternal."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from simulator import SimulatedWorkspace


def test_files_upload_v2_shares_into_the_channel(client: WebClient, workspace: SimulatedWorkspace) -> None:
    digest = "# Roadmap digest\n\n" + "A line of the digest.\n" * 200
    resp = client.files_upload_v2(
        channel="C0LEADS01",
        content=digest,
        filename="digest.md",
        title="March digest",
        initial_comment="Full digest",
    )
    file = resp["file"]
    assert file["title"] == "March digest"
    assert file["size"] == len(digest.encode())
    [stored] = workspace.files
    assert stored.completed
    assert stored.text == digest
    assert stored.channels == ["C0LEADS01"]
    [msg] = workspace.messages_in("product-leads")
    assert msg.text == "Full digest"
    assert msg.files == [file["id"]]
    assert [c.method for c in workspace.calls()] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


def test_upload_into_a_thread(client: WebClient, workspace: SimulatedWorkspace) -> None:
    parent = client.chat_postMessage(channel="C0GENERAL", text="Digest")
    client.files_upload_v2(
        channel="C0GENERAL", content=b"\x00bytes", filename="x.bin", thread_ts=parent["ts"]
    )
    assert [m.text for m in workspace.thread("general", parent["ts"])] == ["Digest", ""]
    assert workspace.files[0].content == b"\x00bytes"


def test_completing_without_uploading_fails(client: WebClient, workspace: SimulatedWorkspace) -> None:
    ticket = client.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="C0GENERAL")
    assert exc.value.response["error"] == "file_not_found"
    short = httpx.post(ticket["upload_url"], content=b"ab")
    assert short.status_code == 400
    assert httpx.post(ticket["upload_url"], content=b"abc").status_code == 200
    with pytest.raises(SlackApiError) as channel:
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="U0PM00001")
    assert channel.value.response["error"] == "channel_not_found"
