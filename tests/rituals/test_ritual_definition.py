"""The definition schema: value types, Slack limits and cross-field rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from core.time_zones import UnknownZone, check_zone
from rituals.definition.loading import load_file
from rituals.definition.schema import Reminder, RitualDefinition, format_duration, parse_duration

RitualData = Callable[..., dict[str, Any]]


def errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Validation errors as (dotted location, message)."""
    with pytest.raises(ValidationError) as caught:
        RitualDefinition.model_validate(data)
    return [
        (".".join(str(part) for part in error["loc"]), error["msg"].removeprefix("Value error, "))
        for error in caught.value.errors()
    ]


def field(**overrides: Any) -> dict[str, Any]:
    return {"id": "f", "type": "text", "label": "F", **overrides}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", timedelta(days=3)),
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("2w", timedelta(weeks=2)),
        (" 6h ", timedelta(hours=6)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3", 3, "3 days", "h", "", "1h1d", "-1d"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(timedelta(days=1, hours=12)) == "1d12h"
    assert format_duration(timedelta(minutes=90)) == "1h30m"


def test_reminders_are_read_from_text() -> None:
    reminder = Reminder.model_validate("24h before close")
    assert (reminder.offset, reminder.anchor, str(reminder)) == (
        timedelta(hours=24),
        "close",
        "1d before close",
    )
    assert Reminder.model_validate("1d after open").anchor == "open"
    with pytest.raises(ValidationError, match="expected a reminder such as"):
        Reminder.model_validate("tomorrow morning")


def test_defaults(ritual_data: RitualData) -> None:
    definition = RitualDefinition.model_validate(ritual_data())
    assert definition.window.closes_after == timedelta(days=3)
    assert definition.window.closes_at is None
    assert [str(r) for r in definition.window.reminders] == ["1d before close"]
    assert definition.window.quiet_hours is not None
    assert (definition.window.quiet_hours.start, definition.window.quiet_hours.end) == (time(20), time(8))
    assert definition.window.late == "accept"
    assert definition.catch_up == timedelta(hours=6)
    assert definition.blackout.dates == []
    assert definition.schedule.deliver == "ritual_time"
    assert definition.enabled
    assert definition.title == "Test ritual"


def test_definitions_are_immutable(ritual_data: RitualData) -> None:
    definition = RitualDefinition.model_validate(ritual_data())
    with pytest.raises(ValidationError):
        definition.name = "x"


def test_unknown_keys_are_errors_at_every_level(ritual_data: RitualData) -> None:
    data = ritual_data(
        colour="red",
        schedule={"cron": "0 10 * * mon", "timezone": "UTC", "tz": "UTC"},
        window={"remind": ["24h before close"]},
    )
    assert errors(data) == [
        ("schedule.tz", "Extra inputs are not permitted"),
        ("window.remind", "Extra inputs are not permitted"),
        ("colour", "Extra inputs are not permitted"),
    ]


def test_select_options_follow_slack_limits(ritual_data: RitualData) -> None:
    assert errors(ritual_data(form=[field(type="select", options=[f"o{n}" for n in range(101)])])) == [
        ("form.0.options", "List should have at most 100 items after validation, not 101")
    ]
    assert errors(ritual_data(form=[field(type="select", options=["x" * 76])])) == [
        ("form.0.options.0", "String should have at most 75 characters")
    ]
    assert errors(ritual_data(form=[field(type="select", options=["a", "a"])])) == [
        ("form.0", "options must be unique")
    ]
    assert errors(ritual_data(form=[field(options=["a"])])) == [
        ("form.0", "options are only for select and multi_select fields")
    ]


def test_labels_and_ids_follow_slack_limits(ritual_data: RitualData) -> None:
    assert errors(ritual_data(form=[field(label="x" * 2001)])) == [
        ("form.0.label", "String should have at most 2000 characters")
    ]
    assert errors(ritual_data(form=[field(id="Risk level")])) == [
        ("form.0.id", "String should match pattern '^[a-z][a-z0-9_]{0,63}$'")
    ]
    assert errors(ritual_data(short_name="A title that is far too long")) == [
        ("short_name", "String should have at most 24 characters")
    ]


def test_a_long_name_needs_a_short_name(ritual_data: RitualData) -> None:
    name = "A ritual with a long name"
    assert errors(ritual_data(name=name)) == [
        ("", "name: name is 25 characters, more than a modal title's 24: add short_name")
    ]
    assert (
        RitualDefinition.model_validate(ritual_data(name=name, short_name="Long ritual")).title
        == "Long ritual"
    )


def test_items_fields(ritual_data: RitualData) -> None:
    items = field(
        id="roadmap",
        type="items",
        shareable=True,
        shareable_flag="shareable",
        item=[field(id="title"), field(id="shareable", type="checkbox", label="Customer-shareable")],
    )
    definition = RitualDefinition.model_validate(ritual_data(form=[items]))
    roadmap = definition.field("roadmap")
    assert roadmap.max_items == 10
    assert roadmap.sub_field("shareable").optional  # a checkbox is optional unless it says otherwise
    assert errors(ritual_data(form=[field(type="items")])) == [
        ("form.0", "an items field needs item: its sub-fields")
    ]
    nested = field(type="items", item=[field(id="inner", type="items", item=[field()])])
    assert errors(ritual_data(form=[nested])) == [("form.0", "items cannot be nested")]
    bad_flag = {**items, "shareable_flag": "title"}
    assert errors(ritual_data(form=[bad_flag])) == [
        ("form.0", "shareable_flag 'title' must name a checkbox sub-field")
    ]
    dup = {**items, "item": [field(id="title"), field(id="title")], "shareable_flag": None}
    assert errors(ritual_data(form=[dup])) == [("form.0", "sub-field id 'title' is used more than once")]


def test_a_form_must_fit_in_a_modal(ritual_data: RitualData) -> None:
    # Each items field costs max_items + 2 blocks, other fields 1: 2 x 50 = 100 fits exactly.
    full = [field(id=f"i{n}", type="items", max_items=48, item=[field()]) for n in range(2)]
    assert RitualDefinition.model_validate(ritual_data(form=full))
    assert errors(ritual_data(form=[*full, field(id="x")])) == [
        (
            "",
            "form: the form needs up to 101 modal blocks (one per field, max_items + 2 per items field); "
            "Slack allows 100",
        )
    ]


def test_numbers(ritual_data: RitualData) -> None:
    assert errors(ritual_data(form=[field(type="number", min=10, max=1)])) == [
        ("form.0", "min is larger than max")
    ]
    assert errors(ritual_data(form=[field(min=1)])) == [
        ("form.0", "min, max and decimal are only for number fields")
    ]


def test_window_rules(ritual_data: RitualData) -> None:
    assert errors(ritual_data(window={"closes_after": "0d"})) == [
        ("window", "closes_after must be more than zero unless closes_at is set")
    ]
    assert errors(ritual_data(window={"closes_at": "5pm"})) == [
        ("window.closes_at", "expected a time of day as 'HH:MM', e.g. '17:00', got '5pm'")
    ]
    many = ["1h after open", "2h after open", "3h after open", "4h after open"]
    assert errors(ritual_data(window={"reminders": many})) == [
        ("", "window.reminders: 4 reminders but max_reminders is 3")
    ]
    assert errors(ritual_data(window={"quiet_hours": {"start": "08:00", "end": "08:00"}})) == [
        ("window.quiet_hours", "quiet_hours start and end must differ")
    ]


def test_participants_and_audiences(ritual_data: RitualData) -> None:
    assert errors(ritual_data(participants={})) == [
        ("participants", "give at least one of users, usergroup or channel")
    ]
    definition = RitualDefinition.model_validate(
        ritual_data(
            participants={"usergroup": "@product-managers", "channel": "#pm-team"},
            audiences=[{"name": "leaders", "to": ["#product-leads", "C0123ABCD"]}],
        )
    )
    assert (definition.participants.usergroup, definition.participants.channel) == (
        "product-managers",
        "pm-team",
    )
    assert definition.audiences[0].to == ["product-leads", "C0123ABCD"]
    assert definition.audiences[0].template_name == "leaders.md.j2"
    assert errors(ritual_data(audiences=[{"name": "leaders"}])) == [
        ("audiences.0", "give to (channels) or a webhook")
    ]
    assert errors(ritual_data(audiences=[{"name": "x", "to": ["a"], "webhook": "ftp://x"}])) == [
        ("audiences.0.webhook", "expected an http(s) URL, got 'ftp://x'")
    ]
    assert errors(ritual_data(audiences=[{"name": "x", "to": ["a"], "template": "../etc/passwd"}])) == [
        (
            "audiences.0.template",
            "String should match pattern '^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$'",
        )
    ]


def test_blackout_dates_and_ranges(ritual_data: RitualData) -> None:
    definition = RitualDefinition.model_validate(
        ritual_data(blackout={"dates": [date(2027, 12, 31), "2027-12-24..2027-12-26", "2027-07-05"]})
    )
    assert definition.blackout.dates == [
        date(2027, 7, 5),
        date(2027, 12, 24),
        date(2027, 12, 25),
        date(2027, 12, 26),
        date(2027, 12, 31),
    ]
    assert errors(ritual_data(blackout={"dates": ["2027-12-26..2027-12-24"]})) == [
        ("blackout.dates", "the range '2027-12-26..2027-12-24' runs backwards")
    ]
    assert errors(ritual_data(blackout={"dates": ["Christmas"]})) == [
        (
            "blackout.dates",
            "expected a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD), got 'Christmas'",
        )
    ]


def test_answers_for_a_shareable_audience(ritual_data: RitualData) -> None:
    items = field(
        id="roadmap",
        type="items",
        shareable=True,
        shareable_flag="ok",
        item=[field(id="title"), field(id="ok", type="checkbox", label="Shareable")],
    )
    definition = RitualDefinition.model_validate(
        ritual_data(
            form=[items, field(id="risks")],
            audiences=[{"name": "leaders", "to": ["a"]}, {"name": "sales", "to": ["b"], "only": "shareable"}],
        )
    )
    answers = {"roadmap": [{"title": "A", "ok": True}, {"title": "B", "ok": False}], "risks": "secret"}
    assert definition.answers_for(definition.audience("sales"), answers) == {
        "roadmap": [{"title": "A", "ok": True}]
    }
    assert definition.answers_for(definition.audience("leaders"), answers) == answers


def test_yaml_reads_yes_no_and_times_as_text(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        "id: r\nname: R\nowners: [U0OWNER1]\n"
        "schedule: {cron: '0 10 * * mon', timezone: Europe/London}\n"
        "window: {closes_at: 17:00}\n"
        "participants: {users: [U0PM0001]}\n"
        "form:\n  - {id: ok, type: select, label: Ready, options: [yes, no, on, off]}\n",
        encoding="utf-8",
    )
    ritual, problems = load_file(path)
    assert problems == []
    assert ritual is not None
    assert ritual.definition.field("ok").options == ["yes", "no", "on", "off"]
    assert ritual.definition.window.closes_at == time(17, 0)


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("America/New_York", True),
        ("Europe/Amsterdam", True),
        ("UTC", True),
        ("EST", False),
        ("CET", False),
        ("PST8PDT", False),
        ("Etc/GMT+5", False),
        ("US/Eastern", False),
        ("Asia/Calcutta", False),
    ],
)
def test_only_canonical_places_are_time_zones(name: str, accepted: bool) -> None:
    if accepted:
        assert check_zone(name) == name
    else:
        with pytest.raises(UnknownZone):
            check_zone(name)


def test_a_digest_only_ritual_has_neither_participants_nor_form(ritual_data: RitualData) -> None:
    data = ritual_data()
    del data["participants"], data["form"]
    definition = RitualDefinition.model_validate(data)
    assert definition.participants is None
    assert definition.form == []


def test_participants_and_form_come_together(ritual_data: RitualData) -> None:
    without_form = ritual_data()
    del without_form["form"]
    [(_, message)] = errors(without_form)
    assert "participants: participants are asked to fill in the form, but there is none" in message
    without_people = ritual_data()
    del without_people["participants"]
    [(_, message)] = errors(without_people)
    assert "form: a ritual with a form needs participants to fill it in" in message
