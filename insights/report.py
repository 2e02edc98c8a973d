"""Where every key result stands, as a file: Markdown to read, JSON for tools, CSV for sheets.

`ritualbot okrs status` writes it from the database alone (no Slack, no fetching): each key
result's newest point against the one before, grouped by objective, worst first. Text from the
objectives file and from people is escaped for the format (`core.document_text`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from core.document_text import csv_safe, md_escape
from insights.digest import key_result_context, key_results_context
from insights.standing import Standing, by_objective
from insights.views import summary

ReportFormat = Literal["md", "json", "csv"]

CSV_COLUMNS = (
    "objective_id",
    "objective",
    "period",
    "key_result",
    "title",
    "owner",
    "unit",
    "start",
    "target",
    "value",
    "percent",
    "previous",
    "trend",
    "confidence",
    "confidence_was",
    "comment",
    "source_status",
    "source_reason",
)


def render_status(standings: Sequence[Standing], output: ReportFormat, generated_at: datetime) -> str:
    if output == "json":
        document = {"generated_at": generated_at.isoformat(), **key_results_context(standings)}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output == "csv":
        return _csv(standings)
    return _markdown(standings, generated_at)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) and not value else csv_safe(str(value))


def _csv(standings: Sequence[Standing]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for standing in standings:
        row = key_result_context(standing)
        writer.writerow(
            {
                "objective_id": row["objective_id"],
                "objective": _cell(row["objective"]),
                "period": standing.objective.period_label,
                "key_result": row["id"],
                "title": _cell(row["title"]),
                "owner": _cell(standing.key_result.owner),
                "unit": _cell(row["unit"]),
                "start": _cell(row["start"]),
                "target": _cell(row["target"]),
                "value": _cell(row["value"]),
                "percent": _cell(row["percent"]),
                "previous": _cell(row["previous"]),
                "trend": _cell(row["trend"]),
                "confidence": _cell(row["confidence"]),
                "confidence_was": _cell(row["confidence_was"]),
                "comment": _cell(row["comment"]),
                "source_status": row["source"]["status"],
                "source_reason": _cell(row["source"]["reason"]),
            }
        )
    return out.getvalue()


def _markdown(standings: Sequence[Standing], generated_at: datetime) -> str:
    lines = ["# Key results", "", f"As of {generated_at:%Y-%m-%d %H:%M %Z}.", ""]
    if not standings:
        return "\n".join([*lines, "No objectives are defined.", ""])
    lines += [summary(standings).replace("*", "**"), ""]
    for objective, group in by_objective(standings):
        lines += [f"## {md_escape(objective.title)} ({md_escape(objective.period_label)})", ""]
        for standing in group:
            row = key_result_context(standing)
            progress = f"{row['percent']}%" if row["percent"] is not None else "no value yet"
            parts = [f"{md_escape(row['value_text'])}, target {md_escape(row['target_text'])} ({progress})"]
            if row["trend"]:
                parts.append(f"{row['trend']} since the last check-in")
            parts.append(row["confidence_change"] or row["confidence_label"])
            parts.append(f"owner {md_escape(standing.key_result.owner)}")
            lines.append(f"- **{md_escape(row['title'])}**: " + " · ".join(parts))
            if row["source"]["status"] == "unavailable":
                lines.append(f"  - source unavailable: {md_escape(row['source']['reason'] or '')}")
            if row["comment"]:
                lines.append(f"  - {md_escape(' '.join(row['comment'].split()))}")
        lines.append("")
    return "\n".join(lines)
