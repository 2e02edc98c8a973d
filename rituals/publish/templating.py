"""The Jinja2 environment that turns a compiled ritual into Slack mrkdwn, escaping by construction.

Answers are untrusted text headed for leaders', sales' and marketing's channels, so a PM must not
be able to smuggle ``<!channel>``, ``<@U…>``, ``<!subteam^S…>`` or a disguised link
``<https://evil|innocent>`` into a post. The escaping (``&`` -> ``&amp;``, ``<`` -> ``&lt;``,
``>`` -> ``&gt;``, nothing else, which is what Slack decodes) is therefore not left to each
template: the environment's ``finalize`` escapes every ``{{ … }}`` value. Filters that build
Slack syntax on purpose (``mention``, ``channel``, ``link``, ``answer``) return
``markupsafe.Markup``, which ``finalize`` passes through; they escape whatever text they embed.

``autoescape`` is on as well, only so that macros, ``{% set %}`` blocks and ``caller()`` return
Markup and are not escaped twice; the HTML escaper behind it is never the one that decides, except
for quotes in a few mixed expressions (``mention ~ text``), and :func:`render_template` turns the
``&#39;``/``&#34;`` that leaves back into quotes, which Slack does not decode. Undefined names are
errors (``StrictUndefined``) and templates run sandboxed: they are data from a pull request.

The context a template receives is built by the compiler; its shape (loosely) is::

    ritual:     {id, name, title, description}
    occurrence: {key, opens_at, closes_at}          # aware datetimes in the ritual's zone
    audience:   {name, only}
    fields:     [{id, label, type, options, item: [...sub-fields], shareable_flag}]  # visible ones
    responses:  [{user, late, answers: {field id: value}}]   # items: a list of {sub-field id: value}
    missing:    [user ids that did not answer]

:func:`sample_context` builds one from a definition so ``ritualbot validate`` can render every
template once and catch misspelt names before a real digest does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    pass_environment,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from messaging.mrkdwn import channel_mention, mrkdwn_escape, user_mention
from messaging.mrkdwn import link as safe_link
from rituals.collect.forms.key_result_inputs import entry_parts
from rituals.definition.schema import Audience, FormField, RitualDefinition
from rituals.library import BUILTIN_TEMPLATES
from rituals.publish.contributions import DigestContribution
from rituals.publish.digest import STATUS_SUBFIELD, Response, RunData, compile_context
from rituals.schedule.occurrences import closes_at, next_openings
from storage.models import Run

__all__ = [
    "BUILTIN_TEMPLATES",
    "check_template",
    "render_template",
    "sample_answers",
    "sample_context",
    "template_environment",
    "template_file_problem",
    "template_reads",
    "template_search_path",
]

#: The built-in templates, found after the ritual's own folder.


_QUOTE_ENTITIES = {"&#39;": "'", "&#34;": '"'}


def _trusted(text: str) -> Markup:
    """Mark mrkdwn as final. The one place Markup is made from a variable: every caller has
    escaped the untrusted parts (or checked them against an id or URL pattern) first."""
    return Markup(text)  # noqa: S704 - callers escape or validate; see the docstring


def _finalize(value: object) -> Markup:
    """Applied to every ``{{ … }}``: trusted Markup passes, anything else is escaped; None is blank."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    return _trusted(mrkdwn_escape(str(value)))


def _escape(value: object) -> Markup:
    return _finalize(value)


def mention(user_id: object) -> Markup:
    """``<@U…>``: a deliberate ping. Anything that is not a user id is shown as escaped text."""
    return _trusted(user_mention(str(user_id)))


def channel(ref: object) -> Markup:
    """``<#C…>`` for a channel id, ``#name`` (escaped, not a link) for a channel name."""
    return _trusted(channel_mention(str(ref)))


def link(url: object, text: object = None) -> Markup:
    """``<url|text>`` for an http(s)/mailto URL; anything else is shown as escaped text, not a link."""
    return _trusted(safe_link(str(url), None if text in (None, "") else str(text)))


def datefmt(value: object, fmt: str = "%Y-%m-%d") -> str:
    """Format a date, datetime or ISO string with ``strftime``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date):
        return value.strftime(fmt)
    return str(value)


def _field_attr(field: Mapping[str, Any] | FormField, name: str) -> Any:
    return field.get(name) if isinstance(field, Mapping) else getattr(field, name)


def _is_blank(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def answer(value: object, field: Mapping[str, Any] | FormField) -> Markup:
    """One answer as mrkdwn, by field type: users become pings, URLs links, items a bullet list."""
    kind = _field_attr(field, "type")
    if _is_blank(value):
        return Markup("")
    if kind == "items" and isinstance(value, list):
        return Markup("\n").join(Markup("    ◦ ") + item_line(item, field) for item in value)
    if kind == "key_results" and isinstance(value, list):
        return Markup("\n").join(Markup("    ◦ ") + key_result_line(entry) for entry in value)
    if kind == "user":
        return mention(value)
    if kind == "users" and isinstance(value, list):
        return Markup(", ").join(mention(user) for user in value)
    if kind == "url":
        return link(value)
    if kind == "checkbox":
        return _trusted("yes" if value else "no")
    if kind == "multi_select" and isinstance(value, list):
        return Markup(", ").join(_escape(option) for option in value)
    if kind == "number" and isinstance(value, float) and value.is_integer():
        return _escape(int(value))
    if kind == "date":
        return _escape(datefmt(value))
    return _escape(value)


def item_line(
    item: Mapping[str, Any], field: Mapping[str, Any] | FormField, dates: bool = True, status: bool = False
) -> Markup:
    """One item of an ``items`` answer: ``*title* — value · label: number · label``.

    A ticked checkbox shows its label; an unticked one, the title itself and the shareable flag
    are left out, and so are dates with ``dates=False`` (when the template shows them already).
    The ``status`` sub-field ("At risk", "Blocked") is internal: it is shown only when the
    template asks with ``status=true``, so a customer-safe post never carries it by accident.
    """
    subs = list(_field_attr(field, "item") or [])
    title_id = _title_id(subs)
    flag_id = _field_attr(field, "shareable_flag")
    parts: list[Markup] = []
    for sub in subs:
        sub_id, kind = _field_attr(sub, "id"), _field_attr(sub, "type")
        value = item.get(sub_id)
        if sub_id in (title_id, flag_id) or _is_blank(value) or (kind == "date" and not dates):
            continue
        if sub_id == STATUS_SUBFIELD and not status:
            continue
        if kind == "checkbox":
            if value:
                parts.append(_escape(_field_attr(sub, "label")))
        elif kind == "url":
            parts.append(link(value, "link"))
        elif kind == "number":
            parts.append(_escape(_field_attr(sub, "label")) + Markup(": ") + answer(value, sub))
        else:
            parts.append(answer(value, sub))
    title_text = item.get(title_id) if title_id is not None else None
    title = Markup("*") + _escape(title_text or "(untitled)") + Markup("*")
    return title + (Markup(" — ") + Markup(" · ").join(parts) if parts else Markup(""))


def key_result_line(entry: Mapping[str, Any]) -> Markup:
    """One answered key result: ``*Weekly activated teams*: 120 teams · At risk — comment``."""
    title, status, comment = entry_parts(entry)
    line = Markup("*") + _escape(title) + Markup("*: ") + _escape(status)
    return line + (Markup(" — ") + _escape(comment) if comment else Markup(""))


def _title_id(subs: Sequence[Mapping[str, Any] | FormField]) -> str | None:
    ids = [_field_attr(sub, "id") for sub in subs]
    if "title" in ids:
        return "title"
    texts = [_field_attr(sub, "id") for sub in subs if _field_attr(sub, "type") == "text"]
    return texts[0] if texts else (ids[0] if ids else None)


def collect(responses: Iterable[Mapping[str, Any]], field_id: str) -> list[dict[str, Any]]:
    """The non-blank answers to one field across responses: ``[{by, value}]``."""
    return [
        {"by": response["user"], "value": response["answers"].get(field_id)}
        for response in responses
        if not _is_blank(response["answers"].get(field_id))
    ]


def dated_items(responses: Iterable[Mapping[str, Any]], field: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Items of an ``items`` field that have a date, soonest first: ``[{by, date, item}]``."""
    date_ids = [sub["id"] for sub in field.get("item") or [] if sub["type"] == "date"]
    if not date_ids:
        return []
    found = []
    for entry in collect(responses, field["id"]):
        for item in entry["value"]:
            when = item.get(date_ids[0])
            if not _is_blank(when):
                found.append({"by": entry["by"], "date": datefmt(when), "item": item})
    return sorted(found, key=lambda row: row["date"])


@pass_environment
def _join(
    environment: Environment, values: Iterable[object], separator: str = "", attribute: str | None = None
) -> Markup:
    """Jinja's ``join``, escaping the way ``finalize`` does instead of HTML-escaping mixed items."""
    if attribute is not None:
        values = (environment.getitem(value, attribute) for value in values)
    return _escape(separator).join(_escape(value) for value in values)


def template_search_path(ritual_file: Path | None) -> tuple[Path, ...]:
    """Where a ritual's templates are looked up: beside its YAML file, in a ``templates`` folder
    there, then among the built-in templates (so a custom ritual can reuse or shadow them)."""
    folders: list[Path] = []
    if ritual_file is not None:
        folder = ritual_file.resolve().parent
        folders += [folder, folder / "templates"]
    folders.append(BUILTIN_TEMPLATES)
    return tuple(dict.fromkeys(folders))


@lru_cache(maxsize=64)
def template_environment(search_path: tuple[Path, ...]) -> SandboxedEnvironment:
    """The sandboxed, escaping environment for templates found on ``search_path`` (cached per path)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(folder) for folder in search_path]),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "mention": mention,
            "channel": channel,
            "link": link,
            "datefmt": datefmt,
            "answer": answer,
            "item_line": item_line,
            "collect": collect,
            "dated_items": dated_items,
            "join": _join,
            # Jinja's own escape filters produce HTML entities Slack would show verbatim.
            "e": _escape,
            "escape": _escape,
            "forceescape": _escape,
        }
    )
    return env


@lru_cache(maxsize=256)
def template_reads(env: SandboxedEnvironment, name: str) -> frozenset[str] | None:
    """The top-level names a template reads from its context, with what it includes, imports or
    extends; None when it includes a template chosen at render time (it may read anything).

    Other domains' parts of a digest are computed (and their sources fetched) only for the
    rituals whose templates read them.
    """
    names: set[str] = set()
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        assert env.loader is not None
        source, _filename, _uptodate = env.loader.get_source(env, current)
        parsed = env.parse(source)
        names |= meta.find_undeclared_variables(parsed)
        for referenced in meta.find_referenced_templates(parsed):
            if referenced is None:
                return None
            todo.append(referenced)
    return frozenset(names)


def render_template(env: SandboxedEnvironment, name: str, context: Mapping[str, Any]) -> str:
    """Render a template to mrkdwn text (quote entities from Jinja's HTML escaper turned back)."""
    text = env.get_template(name).render(context)
    for entity, quote in _QUOTE_ENTITIES.items():
        text = text.replace(entity, quote)
    return text.strip() + "\n"


def template_file_problem(env: SandboxedEnvironment, name: str, given: bool) -> str | None:
    """Why template `name` cannot be loaded (missing, or does not compile), or None.

    `given` says whether the ritual named it or it is the audience's default; it needs nothing
    else of the ritual, so `validate` checks it even in a file with structural problems.
    """
    try:
        env.get_template(name)
    except TemplateNotFound as exc:
        if exc.name != name:
            return f"template {name!r} includes {exc.name!r}, which is not found"
        where = "not found beside the ritual file or among the built-in templates"
        return (
            f"template {name!r} {where}"
            if given
            else f"no template given, and the default {name!r} is {where}"
        )
    except TemplateSyntaxError as exc:
        return f"template {name!r} does not compile: {exc.name or name}:{exc.lineno}: {exc.message}"
    return None


def check_template(
    env: SandboxedEnvironment,
    definition: RitualDefinition,
    audience: Audience,
    contributions: Sequence[DigestContribution] = (),
) -> str | None:
    """Why an audience's template is unusable (missing, does not compile, fails on a sample), or None."""
    name = audience.template_name
    problem = template_file_problem(env, name, given=audience.template is not None)
    if problem is not None:
        return problem
    template = env.get_template(name)
    try:
        context = sample_context(definition, audience)
        context.update((c.name, c.sample(definition, audience)) for c in contributions)
        render_template(env, name, context)
    except TemplateSyntaxError as exc:  # an included or imported template
        return f"template {name!r} does not compile: {exc.name or name}:{exc.lineno}: {exc.message}"
    except Exception as exc:  # a validation boundary: any failure of a template is a finding
        line = _template_line(exc.__traceback__, template.filename)
        where = f"{name}:{line}: " if line else ""
        return f"template {name!r} fails on a sample digest: {where}{exc}"
    return None


def _template_line(tb: TracebackType | None, filename: str | None) -> int | None:
    """The template line of the innermost traceback frame in ``filename`` (Jinja rewrites frames)."""
    line = None
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# --- a sample digest, for validation -----------------------------------------------------------


def sample_context(definition: RitualDefinition, audience: Audience) -> dict[str, Any]:
    """A plausible compiled context for ``audience``, built by the real compiler: one full
    answer, one minimal late one, one skip, one missing, and a previous run to compare with."""
    after = datetime(2027, 1, 1, tzinfo=UTC)
    upcoming = next_openings(definition, after, 1)
    opens, key, closes = after, "2027-01-01T10:00", after + timedelta(days=3)
    if upcoming:
        first = upcoming[0]
        opens, key, closes = first.opens_at, first.key, closes_at(definition, first)
    full = sample_answers(definition)
    minimal = {
        form_field.id: None if form_field.optional else full[form_field.id] for form_field in definition.form
    }
    earlier = {
        form_field.id: (value[:1] if isinstance(value, list) and form_field.type == "items" else value)
        for form_field, value in ((f, full[f.id]) for f in definition.form)
    }
    run = Run(occurrence_key=key, scheduled_for=opens, closes_at=closes, ritual_id=definition.id)
    data = RunData(
        run=run,
        responses=[
            Response("U0SAMPLE1", "Sam Ple", False, 2, full),
            Response("U0SAMPLE2", "Sue Ample", True, 1, minimal),
        ],
        skipped=[{"user": "U0SAMPLE4", "name": "Ola Ofoffice", "reason": "Out of office"}],
        missing=["U0SAMPLE3"],
        participants=5,
        previous=[Response("U0SAMPLE1", "Sam Ple", False, 1, earlier)],
        away=["U0SAMPLE5"],
    )
    return compile_context(definition, data, audience)


def sample_answers(definition: RitualDefinition) -> dict[str, Any]:
    """One full answer to every field, hostile text included (`validate`, `ritualbot preview`)."""
    return {form_field.id: _sample_value(form_field) for form_field in definition.form}


def _sample_value(form_field: FormField) -> Any:
    samples: dict[str, Any] = {
        "text": f"Sample {form_field.label.lower()} <!channel>",
        "long_text": "First line & <@U0SMUGGLED>\nSecond line",
        "number": form_field.min if form_field.min is not None else 42,
        "select": (form_field.options or ["?"])[0],
        "multi_select": (form_field.options or ["?"])[:2],
        "date": date(2027, 3, 1),
        "url": "https://example.com/sample",
        "user": "U0SAMPLE1",
        "users": ["U0SAMPLE1", "U0SAMPLE2"],
        "checkbox": True,
    }
    if form_field.type == "key_results":
        return [
            {
                "kr": "sample-key-result",
                "title": "Sample key result <!channel>",
                "unit": "teams",
                "value": 42,
                "confidence": "at_risk",
                "confidence_label": "At risk",
                "comment": "Two teams churned <@U0SMUGGLED>",
            }
        ]
    if form_field.type == "items":
        first = {sub.id: _sample_value(sub) for sub in form_field.item or []}
        second = {
            sub.id: (False if sub.type == "checkbox" else _sample_value(sub)) for sub in form_field.item or []
        }
        return [first, second]
    return samples[form_field.type]
