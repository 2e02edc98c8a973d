"""The objectives file: read beside the rituals, every problem at its line, and checked by
`ritualbot validate` together with the rituals that name its objectives."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from bot.configuration import InvalidConfiguration, configuration_problems, load_configuration
from insights.catalog import InvalidObjectives, load_catalog, read_catalog
from insights.config import period_span

GOOD = """\
objectives:
  - id: grow-activation
    title: Grow activation
    period: 2027-Q1
    key_results:
      - id: activated-teams
        title: Weekly activated teams
        owner: U0PM00001
        start: 100
        target: 400
        unit: teams
        source:
          url: https://metrics.internal/api/activation
          value: data.value
          headers: {Authorization: "Bearer ${METRICS_TOKEN}"}
      - id: incidents
        title: Sev-1 incidents a month
        owner: Ana@Example.com
        start: 12
        target: 3
  - id: retention
    title: Keep customers
    start: 2027-01-01
    end: 2027-06-30
    key_results:
      - {id: churn, title: Monthly churn, owner: U0PM00002, start: 3, target: 1.5, unit: "%"}
metrics:
  - id: weekly-active
    title: Weekly active users
    source: {url: "https://metrics.internal/api/wau", value: data.value}
"""


def _problems(tmp_path: Path, text: str, name: str = "okrs.yml") -> list[str]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return [str(p).removeprefix(f"{tmp_path}{os.sep}") for p in read_catalog([tmp_path])[1]]


def test_a_good_file_becomes_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "okrs.yml").write_text(GOOD, encoding="utf-8")
    catalog = load_catalog([tmp_path])
    assert [o.id for o in catalog.objectives] == ["grow-activation", "retention"]
    assert [kr.id for _, kr in catalog.key_results()] == ["activated-teams", "incidents", "churn"]
    assert [kr.id for _, kr in catalog.key_results({"retention"})] == ["churn"]
    objective, incidents = catalog.key_result("incidents") or (None, None)
    assert objective is not None
    assert objective.id == "grow-activation"
    assert incidents is not None
    assert incidents.owner == "ana@example.com"
    assert incidents.bring_down
    retention = catalog.objective("retention")
    assert retention is not None
    assert retention.span == (date(2027, 1, 1), date(2027, 6, 30))
    assert retention.period_label == "2027-01-01 to 2027-06-30"
    metric = catalog.metric("weekly-active")
    assert metric is not None
    assert metric.source.timeout == 5.0


def test_rituals_and_objectives_live_side_by_side(tmp_path: Path) -> None:
    (tmp_path / "okrs.yml").write_text(GOOD, encoding="utf-8")
    configuration = load_configuration([tmp_path])
    assert "okr-checkin" in configuration.library
    assert configuration.objectives.objective_ids == {"grow-activation", "retention"}


@pytest.mark.parametrize(
    ("period", "span"),
    [
        ("2027", (date(2027, 1, 1), date(2027, 12, 31))),
        ("2027-H2", (date(2027, 7, 1), date(2027, 12, 31))),
        ("2027-Q1", (date(2027, 1, 1), date(2027, 3, 31))),
        ("2027-Q4", (date(2027, 10, 1), date(2027, 12, 31))),
        ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
    ],
)
def test_periods(period: str, span: tuple[date, date]) -> None:
    assert period_span(period) == span


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "        unit: teams\n",
            "        unit: teams\n        sorce: {}\n",
            "okrs.yml:12: objectives[0].key_results[0]: unknown key 'sorce'; did you mean 'source'?",
        ),
        (
            "    period: 2027-Q1\n",
            "    period: 2027-Q5\n",
            "okrs.yml:2: objectives[0]: Value error, expected a period such as '2027-Q1', '2027-H2', "
            "'2027-03' or '2027', got '2027-Q5'",
        ),
        (
            "        target: 400\n",
            "        target: 100\n",
            "okrs.yml:6: objectives[0].key_results[0]: start and target are equal, so there is no way to "
            "measure progress",
        ),
        (
            "        owner: U0PM00001\n",
            "        owner: ana\n",
            "okrs.yml:8: objectives[0].key_results[0].owner: expected a Slack user id (U…) or an email "
            "address, got 'ana'",
        ),
        (
            "          url: https://metrics.internal/api/activation\n",
            "          url: metrics.internal/api\n",
            "okrs.yml:13: objectives[0].key_results[0].source.url: expected an http(s) URL, got "
            "'metrics.internal/api'",
        ),
        (
            '"Bearer ${METRICS_TOKEN}"',
            '"Bearer ${METRICS TOKEN}"',
            "okrs.yml:15: objectives[0].key_results[0].source.headers: header 'Authorization': write "
            "environment variables as ${NAME} (and a literal $ as $$)",
        ),
        (
            "      - id: incidents\n",
            "      - id: activated-teams\n",
            "okrs.yml:16: objectives[0].key_results[1].id: key result id 'activated-teams' is already used "
            "at okrs.yml:6",
        ),
    ],
)
def test_problems_point_at_their_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    problems = _problems(tmp_path, GOOD.replace(old, new, 1))
    assert problems == [expected.replace("Value error, ", "")]


def test_ids_are_one_namespace_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(GOOD, encoding="utf-8")
    other = (
        "metrics:\n  - {id: weekly-active, title: WAU again, source: {url: 'https://x.example/', value: v}}\n"
    )
    assert _problems(tmp_path, other, "b.yml") == [
        "b.yml:2: metrics[0].id: metric id 'weekly-active' is already used at a.yml:28"
    ]
    with pytest.raises(InvalidObjectives):
        load_catalog([tmp_path])


def test_validate_reports_rituals_naming_unknown_objectives(tmp_path: Path) -> None:
    (tmp_path / "okrs.yml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "checkin.yml").write_text(
        """\
id: growth-checkin
name: Growth check-in
owners: [U0PRODOPS]
schedule: {cron: "0 10 * * mon", timezone: UTC}
participants: {users: [U0PM00001]}
form:
  - id: key_results
    type: key_results
    label: Key results
    objectives: [grow-activaton, retention]
audiences:
  - {name: leaders, to: [product-leads], template: okr-leaders.md.j2}
""",
        encoding="utf-8",
    )
    problems = [str(p).removeprefix(f"{tmp_path}{os.sep}") for p in configuration_problems([tmp_path])]
    assert problems == [
        "checkin.yml:10: form[0].objectives[0]: no objective 'grow-activaton' is defined "
        "(did you mean 'grow-activation'?)"
    ]
    with pytest.raises(InvalidConfiguration) as refused:
        load_configuration([tmp_path])
    assert [p.line for p in refused.value.problems] == [10]

    # A broken objectives file is reported for itself, without making every name look unknown.
    (tmp_path / "okrs.yml").write_text(GOOD.replace("start: 100", "start: lots"), encoding="utf-8")
    problems = [str(p).removeprefix(f"{tmp_path}{os.sep}") for p in configuration_problems([tmp_path])]
    assert problems == [
        "okrs.yml:9: objectives[0].key_results[0].start: Input should be a valid number, unable to parse "
        "string as a number"
    ]


def test_a_form_asks_about_key_results_once(tmp_path: Path) -> None:
    (tmp_path / "twice.yml").write_text(
        """\
id: twice
name: Twice
owners: [U0PRODOPS]
schedule: {cron: "0 10 * * mon", timezone: UTC}
participants: {users: [U0PM00001]}
form:
  - {id: mine, type: key_results, label: Mine}
  - {id: again, type: key_results, label: Again, max_items: 2}
  - {id: notes, type: text, label: Notes, objectives: [x]}
audiences:
  - {name: leaders, to: [product-leads]}
""",
        encoding="utf-8",
    )
    problems = [str(p).removeprefix(f"{tmp_path}{os.sep}") for p in configuration_problems([tmp_path])]
    # Both in one pass: the misplaced key, and the second key_results field.
    assert problems == [
        "twice.yml:8: form[1].type: a form asks about key results once; form[0] already does",
        "twice.yml:9: form[2]: objectives is only for key_results fields",
    ]
    (tmp_path / "twice.yml").write_text(
        (tmp_path / "twice.yml")
        .read_text()
        .replace("  - {id: notes, type: text, label: Notes, objectives: [x]}\n", "")
    )
    problems = [str(p).removeprefix(f"{tmp_path}{os.sep}") for p in configuration_problems([tmp_path])]
    assert problems == ["twice.yml:8: form[1].type: a form asks about key results once; form[0] already does"]
