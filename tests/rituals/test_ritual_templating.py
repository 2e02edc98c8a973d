"""Templates render mrkdwn with every interpolated value escaped, and ping only on purpose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2.sandbox import SandboxedEnvironment

from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.loading import load_library
from rituals.definition.schema import RitualDefinition
from rituals.publish.templating import (
    render_template,
    sample_context,
    template_environment,
    template_search_path,
)

HOSTILE = {
    "<!channel>": "&lt;!channel&gt;",
    "<@U123>": "&lt;@U123&gt;",
    "<!subteam^S1>": "&lt;!subteam^S1&gt;",
    "<http://evil|innocent>": "&lt;http://evil|innocent&gt;",
    "<!here> & <#C0123ABC>": "&lt;!here&gt; &amp; &lt;#C0123ABC&gt;",
}

Render = Callable[..., str]


@pytest.fixture
def render(tmp_path: Path) -> Render:
    """Render template source (written beside a ritual file in tmp_path) with a context."""

    def run(source: str, **context: Any) -> str:
        (tmp_path / "t.md.j2").write_text(source, encoding="utf-8")
        env = template_environment(template_search_path(tmp_path / "ritual.yml"))
        env.cache = None  # each test writes a new t.md.j2 into a fresh folder; no stale compile
        return render_template(env, "t.md.j2", context)

    return run


def test_mrkdwn_escape_touches_only_the_three_control_characters() -> None:
    assert mrkdwn_escape("a & b < c > d \" ' * _ ~ `") == "a &amp; b &lt; c &gt; d \" ' * _ ~ `"


@pytest.mark.parametrize(("text", "escaped"), list(HOSTILE.items()))
def test_interpolated_values_arrive_escaped(render: Render, text: str, escaped: str) -> None:
    assert render("Said: {{ text }}", text=text) == f"Said: {escaped}\n"


@pytest.mark.parametrize(("text", "escaped"), list(HOSTILE.items()))
def test_escaping_reaches_nested_values_loops_and_joins(render: Render, text: str, escaped: str) -> None:
    source = (
        "{% for r in rows %}{{ r.answers.note }};{% endfor %} {{ rows|map(attribute='user')|join(', ') }}"
    )
    rows = [{"user": text, "answers": {"note": text}}, {"user": "x", "answers": {"note": "y"}}]
    assert render(source, rows=rows) == f"{escaped};y; {escaped}, x\n"


def test_mention_pings_on_purpose(render: Render) -> None:
    assert render("{{ user|mention }} wrote: {{ text }}", user="U123", text="<@U123>") == (
        "<@U123> wrote: &lt;@U123&gt;\n"
    )


def test_mention_of_something_that_is_not_a_user_id_does_not_ping(render: Render) -> None:
    assert render("{{ user|mention }}", user="U1> <!channel") == "U1&gt; &lt;!channel\n"


def test_channel_and_link_filters(render: Render) -> None:
    assert render("{{ 'C0123ABC'|channel }} {{ 'sales'|channel }}") == "<#C0123ABC> #sales\n"
    assert render("{{ url|link(text) }}", url="https://x.example/a?b=1&c=2", text="<b>") == (
        "<https://x.example/a?b=1&amp;c=2|&lt;b&gt;>\n"
    )
    assert render("{{ url|link('x') }}", url="javascript:alert(1)") == "x (javascript:alert(1))\n"
    assert render("{{ url|link }}", url="https://evil|innocent") == "https://evil|innocent\n"


def test_macros_and_set_blocks_are_not_escaped_twice(render: Render) -> None:
    source = (
        "{% macro line(u, t) %}{{ u|mention }}: {{ t }}{% endmacro %}"
        "{% set block %}[{{ t }}]{% endset %}"
        "{{ line(u, t) }} {{ block }}"
    )
    assert render(source, u="U123", t="a & <b>") == "<@U123>: a &amp; &lt;b&gt; [a &amp; &lt;b&gt;]\n"


def test_quotes_are_left_alone_even_next_to_a_mention(render: Render) -> None:
    assert render("{{ t }} {{ u|mention ~ ' said ' ~ t }} {{ t|e }}", u="U123", t='don\'t "x" <y>') == (
        'don\'t "x" &lt;y&gt; <@U123> said don\'t "x" &lt;y&gt; don\'t "x" &lt;y&gt;\n'
    )


def test_none_renders_blank_and_undefined_names_are_errors(render: Render) -> None:
    assert render("[{{ value }}]", value=None) == "[]\n"
    with pytest.raises(Exception, match="'typo' is undefined"):
        render("{{ typo }}")


def test_templates_are_sandboxed(render: Render) -> None:
    with pytest.raises(Exception, match="unsafe"):
        render("{{ x.__class__.__mro__ }}", x="")


def test_answer_formats_each_type_and_escapes(render: Render) -> None:
    item_field = {
        "id": "roadmap",
        "type": "items",
        "shareable_flag": "shareable",
        "item": [
            {"id": "title", "type": "text", "label": "Title"},
            {"id": "horizon", "type": "select", "label": "Horizon"},
            {"id": "progress", "type": "number", "label": "Progress"},
            {"id": "link", "type": "url", "label": "Link"},
            {"id": "shareable", "type": "checkbox", "label": "Customer-shareable"},
            {"id": "beta", "type": "checkbox", "label": "Beta"},
        ],
    }
    items = [
        {
            "title": "<!channel> launch",
            "horizon": "Now",
            "progress": 40.0,
            "link": "https://x.example",
            "beta": True,
        },
        {"title": "Quiet", "horizon": None, "shareable": True, "beta": False},
    ]
    out = render(
        "{{ a|answer({'type': 'users'}) }}|{{ b|answer({'type': 'multi_select'}) }}|"
        "{{ c|answer({'type': 'checkbox'}) }}|{{ d|answer({'type': 'number'}) }}\n{{ items|answer(field) }}",
        a=["U1AA", "U2BB"],
        b=["<x>", "y"],
        c=False,
        d=3.0,
        items=items,
        field=item_field,
    )
    assert out == (
        "<@U1AA>, <@U2BB>|&lt;x&gt;, y|no|3\n"
        "    ◦ *&lt;!channel&gt; launch* — Now · Progress: 40 · <https://x.example|link> · Beta\n"
        "    ◦ *Quiet*\n"
    )


# --- the built-in templates ---------------------------------------------------------------------


def hostile_context(ritual_id: str, audience_name: str) -> tuple[SandboxedEnvironment, dict[str, Any]]:
    library = load_library()
    definition = library.get(ritual_id)
    audience = definition.audience(audience_name)
    context = sample_context(definition, audience)
    for response in context["responses"]:
        for key, value in response["answers"].items():
            if isinstance(value, str) and not value.startswith("http"):
                response["answers"][key] = "<!channel> <@U123> <!subteam^S1> <http://evil|innocent>"
    return library.loaded(ritual_id).templates, context


@pytest.mark.parametrize(
    ("ritual_id", "audience"),
    [
        ("monthly-roadmap-checkin", "leaders"),
        ("monthly-roadmap-checkin", "sales"),
        ("monthly-roadmap-checkin", "marketing"),
        ("launch-update", "marketing"),
        ("okr-checkin", "leaders"),
        ("quarterly-planning-inputs", "leaders"),
    ],
)
def test_built_in_templates_never_let_answers_ping(ritual_id: str, audience: str) -> None:
    env, context = hostile_context(ritual_id, audience)
    template = load_library().get(ritual_id).audience(audience).template_name
    # With every answer in a canvas the post shows fewer of them; without one, all of them.
    for full_answers in dict.fromkeys([context["full_answers"], False]):
        text = render_template(env, template, context | {"full_answers": full_answers})
        for raw in ("<!channel>", "<@U123>", "<!subteam^S1>", "<http://evil"):
            assert raw not in text
    assert "&lt;!channel&gt;" in text


def test_leaders_digest_pings_the_people_who_have_not_answered() -> None:
    env, context = hostile_context("monthly-roadmap-checkin", "leaders")
    text = render_template(env, "leaders.md.j2", context)
    assert "*2* of 5 answered (1 late) · *1* skipped · *1* missing · *1* away" in text
    assert "No answer from <@U0SAMPLE3>" in text
    assert "Away: <@U0SAMPLE5>" in text
    # The whole answers go to a canvas, so the post leads with what needs a leader.
    assert "*<@U0SAMPLE1>*" not in text
    assert "*Decisions and help asked for* (1)" in text
    assert "_Every answer in full is in this post's thread._" in text


def test_sales_post_carries_no_internal_status_words() -> None:
    env, context = hostile_context("monthly-roadmap-checkin", "sales")
    for response in context["responses"]:
        for item in response["answers"]["roadmap"]:
            item["status"] = "At risk"
    assert "At risk" not in render_template(env, "sales.md.j2", context)
    leaders_env, leaders = hostile_context("monthly-roadmap-checkin", "leaders")
    for response in leaders["responses"]:
        for item in response["answers"]["roadmap"]:
            item["status"] = "At risk"
    leaders["attention"] = {
        "roadmap": [{"item": i, "by": "U0SAMPLE1"} for i in leaders["responses"][0]["answers"]["roadmap"]]
    }
    assert "At risk" in render_template(leaders_env, "leaders.md.j2", leaders)


def test_sales_sees_only_shareable_fields_and_items_and_no_names() -> None:
    env, context = hostile_context("monthly-roadmap-checkin", "sales")
    text = render_template(env, "sales.md.j2", context)
    assert [field["id"] for field in context["fields"]] == ["roadmap", "customer_update"]
    assert all(item["shareable"] for r in context["responses"] for item in r["answers"]["roadmap"])
    assert "Risks" not in text
    assert "<@U0SAMPLE" not in text


def test_built_in_templates_degrade_for_forms_without_horizon_status_or_date() -> None:
    """A ritual whose items have only a title and an owner still gets readable posts: no
    "Unsorted" heading, no "Needs attention", and a launch list that says it has no dates."""
    definition = RitualDefinition.model_validate(
        {
            "id": "hiring",
            "name": "Hiring plan",
            "owners": ["U0OWNER1"],
            "schedule": {"cron": "0 10 * * mon", "timezone": "Europe/London"},
            "participants": {"users": ["U0PM0001"]},
            "form": [
                {
                    "id": "roles",
                    "type": "items",
                    "label": "Open roles",
                    "item": [
                        {"id": "title", "type": "text", "label": "Role"},
                        {"id": "owner", "type": "user", "label": "Hiring manager"},
                    ],
                }
            ],
            "audiences": [{"name": "leaders", "to": ["leads"]}, {"name": "marketing", "to": ["mkt"]}],
        }
    )
    env = template_environment(template_search_path(None))
    leaders = render_template(
        env, "leaders.md.j2", sample_context(definition, definition.audience("leaders"))
    )
    assert "Unsorted" not in leaders
    assert "Needs attention" not in leaders
    assert "by horizon" not in leaders
    assert "*Open roles:*" in leaders  # every answer, items as a list, since there is no canvas
    assert "Sample role &lt;!channel&gt;" in leaders
    marketing = render_template(
        env, "marketing.md.j2", sample_context(definition, definition.audience("marketing"))
    )
    assert "No dated launches this time." in marketing
