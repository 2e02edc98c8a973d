"""The Markdown export: a report to read, a heading per run and a section per person who answered.

Answers are untrusted text in a document that will be rendered, so Markdown-significant
characters in them are backslash-escaped (`core.document_text.md_escape`). URLs are written as
``<autolinks>``, inside which Markdown reads nothing, and only when they are plain http(s) URLs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from core.document_text import md_escape
from rituals.collect.forms.key_result_inputs import entry_text
from rituals.definition.schema import FormField, RitualDefinition
from rituals.export.snapshot import PersonRecord, RunExport

_PLAIN_URL = re.compile(r"https?://[^\s<>]+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_WHEN = "%Y-%m-%d %H:%M %Z"


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _inline(value: Any, form_field: FormField) -> str:
    """A value on one line of Markdown."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_inline(item, form_field) for item in value if not _blank(item))
    text = " ".join(str(value).split())  # one line: newlines inside an item would break the list
    if form_field.type == "url" and _PLAIN_URL.fullmatch(text):
        return f"<{text}>"
    if form_field.type in ("user", "users") and _USER_ID.fullmatch(text):
        return f"`{text}`"
    return md_escape(text)


def _title_id(form_field: FormField) -> str | None:
    subs = form_field.item or []
    if any(sub.id == "title" for sub in subs):
        return "title"
    return next((sub.id for sub in subs if sub.type == "text"), None)


def _item_line(item: Mapping[str, Any], form_field: FormField) -> str:
    """``- **Title** — Horizon: Now · Status: At risk · Customer-shareable``."""
    title_id = _title_id(form_field)
    parts: list[str] = []
    for sub in form_field.item or []:
        value = item.get(sub.id)
        if sub.id == title_id or _blank(value):
            continue
        if sub.type == "checkbox":
            if value:
                parts.append(md_escape(sub.label))  # a ticked box says what it means; unticked says nothing
            continue
        parts.append(f"{md_escape(sub.label)}: {_inline(value, sub)}")
    title = _inline(item.get(title_id), form_field) if title_id and not _blank(item.get(title_id)) else ""
    head = f"**{title or '(untitled)'}**"
    return "- " + " — ".join([head, " · ".join(parts)] if parts else [head])


def _answer(form_field: FormField, value: Any) -> list[str]:
    label = f"**{md_escape(form_field.label)}:**"
    if form_field.type == "items":
        return [label, "", *(_item_line(item, form_field) for item in value), ""]
    if form_field.type == "key_results":
        return [label, "", *(f"- {md_escape(entry_text(entry))}" for entry in value), ""]
    if form_field.type == "long_text" or (isinstance(value, str) and "\n" in value):
        quoted = [f"> {md_escape(line)}" if line.strip() else ">" for line in str(value).strip().splitlines()]
        return [label, "", *quoted, ""]
    return [f"{label} {_inline(value, form_field)}", ""]


def _when(moment: datetime | None) -> str:
    return moment.strftime(_WHEN) if moment else "not set"


def _summary(run: RunExport) -> str:
    counts = run.counts
    parts = [f"{counts['answered']} answered" + (f" ({counts['late']} late)" if counts["late"] else "")]
    parts += [
        f"{counts[state]} {state}"
        for state in ("skipped", "delegated", "missing", "away")
        if counts.get(state)
    ]
    return f"{counts['participants']} participants: " + ", ".join(parts) + "."


def _person(definition: RitualDefinition, person: PersonRecord) -> list[str]:
    state = "answered late" if person.state == "late" else "answered"
    lines = [f"### {md_escape(person.name)}", "", f"`{person.user}` · {state} · version {person.version}", ""]
    for form_field in definition.form:
        value = person.answers.get(form_field.id)
        if not _blank(value):
            lines += _answer(form_field, value)
    return lines


def _handed_over(person: PersonRecord) -> str:
    to = f" to `{person.delegated_to}`" if person.delegated_to else ""
    return f"- {md_escape(person.name)}{to}"


def _run(definition: RitualDefinition, run: RunExport) -> list[str]:
    lines = [
        f"## {md_escape(run.key)} ({run.state})",
        "",
        f"Opens {_when(run.opens_at)}, closes {_when(run.closes_at)}. {_summary(run)}",
        "",
    ]
    for person in run.responses:
        lines += _person(definition, person)
    others = [
        (
            "Skipped",
            [
                f"- {md_escape(p.name)}: {md_escape(p.reason) or 'no reason given'}"
                for p in run.with_state("skipped")
            ],
        ),
        ("Handed over", [_handed_over(p) for p in run.with_state("delegated")]),
        ("No answer", [f"- {md_escape(p.name)} (`{p.user}`)" for p in run.with_state("missing")]),
        ("Away", [f"- {md_escape(p.name)} (`{p.user}`)" for p in run.with_state("away")]),
    ]
    for heading, entries in others:
        if entries:
            lines += [f"### {heading}", "", *entries, ""]
    return lines


def to_markdown(definition: RitualDefinition, runs: Sequence[RunExport]) -> str:
    """The report, newest run first."""
    lines = [f"# {md_escape(definition.name)}", ""]
    if not runs:
        lines += ["No runs yet.", ""]
    else:
        lines += [f"{len(runs)} run{'s' if len(runs) != 1 else ''}, newest first.", ""]
    for run in runs:
        lines += _run(definition, run)
    return "\n".join(lines).rstrip("\n") + "\n"
