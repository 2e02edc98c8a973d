"""Types every package shares."""

from __future__ import annotations

from typing import Any

#: A JSON object as Slack sends and takes it: Block Kit blocks, views, payloads, metadata.
JsonDict = dict[str, Any]
