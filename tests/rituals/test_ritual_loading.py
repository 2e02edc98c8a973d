"""Loading ritual files: `file:line: message` for every problem, the library and RITUALS_PATH."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rituals.definition.loading import (
    BUILTIN_LIBRARY,
    InvalidRituals,
    Problem,
    UnknownRitual,
    load_file,
    load_library,
    parse_rituals_path,
    validate_paths,
)
from rituals.schedule.occurrences import next_openings

JAN_2027 = datetime(2027, 1, 1, tzinfo=UTC)
BASE = """\
id: weekly-sync
name: Weekly sync
owners: [U0OWNER1]
schedule:
  cron: "0 10 * * mon"
  timezone: America/New_York
participants:
  users: [U0PM0001]
form:
  - id: status
    type: select
    label: Status
    options: [On track, At risk]
audiences:
  - name: leaders
    to: [product-leads]
"""


def variant(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


def problems_in(folder: Path, name: str, text: str) -> list[str]:
    """Write ``text`` as ``folder/name`` and validate it; problems as strings relative to folder."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return [str(problem).removeprefix(f"{folder}{os.sep}") for problem in validate_paths([path])]


# --- the built-in library -----------------------------------------------------------------------


def test_built_in_library_validates() -> None:
    assert validate_paths([BUILTIN_LIBRARY]) == []


def test_built_in_library_contents() -> None:
    library = load_library()
    assert library.ids() == [
        "launch-update",
        "monthly-roadmap-checkin",
        "okr-checkin",
        "quarterly-planning-inputs",
        "weekly-research-digest",
    ]
    roadmap = library.get("monthly-roadmap-checkin")
    assert roadmap.schedule.cron == "0 10 * * mon#1"
    assert roadmap.schedule.timezone == "America/New_York"
    assert roadmap.owners == ["U0PRODOPS"]
    assert roadmap.participants.usergroup == "product-managers"
    assert [(a.name, a.to, a.only, a.approval) for a in roadmap.audiences] == [
        ("leaders", ["product-leads"], None, "none"),
        ("sales", ["sales-roadmap"], "shareable", "owner"),
        ("marketing", ["marketing-launches"], None, "none"),
    ]
    roadmap_items = roadmap.field("roadmap")
    assert roadmap_items.type == "items"
    assert roadmap_items.sub_field("horizon").options == ["Now", "Next", "Later"]
    assert [definition.id for definition in library] == library.ids()
    assert all(len(definition.title) <= 24 for definition in library)


def test_package_data_globs_cover_the_library() -> None:
    # pyproject ships rituals/library/*.yml and rituals/library/templates/*.j2 as package data;
    # the package's own __init__.py (which names the folder) ships as code.
    shipped = {*BUILTIN_LIBRARY.glob("*.yml"), *(BUILTIN_LIBRARY / "templates").glob("*.j2")}
    everything = {
        path
        for path in BUILTIN_LIBRARY.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py"
    }
    assert everything == shipped


# --- broken files: exact messages at the right line --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            variant("name: Weekly sync\n", "name: Weekly sync\ndescripton: hello\n"),
            ["x.yml:3: unknown key 'descripton'; did you mean 'description'?"],
            id="unknown-key",
        ),
        pytest.param(
            variant("    label: Status\n", "    label: Status\n    colour: red\n"),
            [
                "x.yml:13: form[0]: unknown key 'colour'; allowed keys: id, type, label, optional, hint, "
                "placeholder, options, min, max, decimal, max_length, shareable, shareable_flag, item, "
                "max_items, objectives"
            ],
            id="unknown-nested-key",
        ),
        pytest.param(
            variant('"0 10 * * mon"', '"0 10 * * mon#9"'),
            [
                "x.yml:5: schedule.cron: invalid cron expression '0 10 * * mon#9': "
                "day-of-week field: 'mon#9': the week must be 1 to 5"
            ],
            id="bad-cron",
        ),
        pytest.param(
            variant('"0 10 * * mon"', '"0 10 * *"'),
            [
                "x.yml:5: schedule.cron: invalid cron expression '0 10 * *': "
                "expected 5 fields (minute hour day-of-month month day-of-week), got 4"
            ],
            id="cron-field-count",
        ),
        pytest.param(
            variant("New_York", "New_Yrok"),
            [
                "x.yml:6: schedule.timezone: unknown time zone 'America/New_Yrok' "
                "(did you mean 'America/New_York'?); use an IANA name such as 'America/New_York'"
            ],
            id="unknown-timezone",
        ),
        pytest.param(
            variant("America/New_York", "EST"),
            [
                "x.yml:6: schedule.timezone: 'EST' is an abbreviation or a fixed offset, not a place, "
                "so it ignores daylight saving where your people are; name the place, such as "
                "'America/New_York'"
            ],
            id="abbreviation-timezone",
        ),
        pytest.param(
            variant("America/New_York", "US/Eastern"),
            [
                "x.yml:6: schedule.timezone: 'US/Eastern' is an old alias; "
                "use the canonical name 'America/New_York'"
            ],
            id="alias-timezone",
        ),
        pytest.param(
            variant("    to: [product-leads]\n", "    to: [product-leads]\n    template: exec.md.j2\n"),
            [
                "x.yml:17: audiences[0].template: template 'exec.md.j2' not found beside the ritual file "
                "or among the built-in templates"
            ],
            id="missing-template",
        ),
        pytest.param(
            variant("name: leaders", "name: exec"),
            [
                "x.yml:15: audiences[0]: no template given, and the default 'exec.md.j2' is not found "
                "beside the ritual file or among the built-in templates"
            ],
            id="missing-default-template",
        ),
        pytest.param(
            variant('"0 10 * * mon"', "* * * * *"),
            [
                "x.yml:5: invalid YAML: while scanning an alias, expected alphabetic or numeric character, "
                "but found ' ' (quote values that start with '*' or '&', e.g. cron: \"0 10 * * 1\")"
            ],
            id="unquoted-cron",
        ),
        pytest.param(
            variant("  timezone: America", " timezone: America"),
            [
                "x.yml:6: invalid YAML: while parsing a block mapping, expected <block end>, "
                "but found '<block mapping start>'"
            ],
            id="bad-indentation",
        ),
        pytest.param(
            variant("name: Weekly sync", 'name: "Weekly\x07sync"'),
            ["x.yml:2: invalid YAML: unacceptable character #x0007: special characters are not allowed"],
            id="control-character",
        ),
        pytest.param(
            variant("participants:", "owners: [U0OWNER2]\nparticipants:"),
            ["x.yml:7: duplicate key 'owners' (first at line 3)"],
            id="duplicate-key",
        ),
        pytest.param(
            variant("name: Weekly sync\n", ""),
            ["x.yml:1: missing required key 'name'"],
            id="missing-key",
        ),
        pytest.param(
            variant("  timezone: America/New_York\n", ""),
            ["x.yml:4: schedule: missing required key 'timezone'"],
            id="missing-nested-key",
        ),
        pytest.param(
            variant("    options: [On track, At risk]\n", ""),
            ["x.yml:10: form[0]: a select field needs options"],
            id="select-without-options",
        ),
        pytest.param(
            variant("audiences:", "  - {id: status, type: text, label: Again}\naudiences:"),
            ["x.yml:14: form[1].id: field id 'status' is already used by form[0]"],
            id="duplicate-field-id",
        ),
        pytest.param(
            variant("name: Weekly sync", "name: Weekly product and engineering sync"),
            ["x.yml:2: name: name is 35 characters, more than a modal title's 24: add short_name"],
            id="name-too-long-for-a-modal-title",
        ),
        pytest.param(
            variant("    to: [product-leads]\n", "    to: [product-leads]\n    only: shareable\n"),
            ["x.yml:17: audiences[0].only: only: shareable, but no form field is marked shareable: true"],
            id="only-shareable-without-shareable-fields",
        ),
        pytest.param(
            variant("users: [U0PM0001]", "users: [pm-alice]"),
            [
                "x.yml:8: participants.users[0]: expected a Slack user id (U…), an email address "
                "or an @handle, got 'pm-alice'"
            ],
            id="bad-user-id",
        ),
        pytest.param(
            variant("    label: Status\n", "    label: Status\n    max_length: 10\n"),
            ["x.yml:10: form[0]: max_length is only for text, long_text and url fields"],
            id="key-for-another-type",
        ),
        pytest.param(
            "",
            [
                "x.yml:1: expected a ritual, research rules or objectives (a mapping of keys), "
                "found an empty file"
            ],
            id="empty",
        ),
        pytest.param(
            "- a\n- b\n",
            ["x.yml:1: expected a ritual, research rules or objectives (a mapping of keys), found a list"],
            id="list",
        ),
    ],
)
def test_broken_file(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert problems_in(tmp_path, "x.yml", text) == expected


def test_several_problems_are_all_reported_in_line_order(tmp_path: Path) -> None:
    text = variant("New_York", "New_Yrok").replace("name: Weekly sync\n", "name: Weekly sync\nfoo: 1\n")
    text = text.replace('"0 10 * * mon"', '"0 10 * * 8"')
    assert [line.split(":")[1] for line in problems_in(tmp_path, "x.yml", text)] == ["3", "6", "7"]


def test_template_syntax_error_gives_both_lines(tmp_path: Path) -> None:
    (tmp_path / "bad.md.j2").write_text("*{{ ritual.name }}*\n\n{% if %}oops{% endif %}\n", encoding="utf-8")
    text = variant("    to: [product-leads]\n", "    to: [product-leads]\n    template: bad.md.j2\n")
    assert problems_in(tmp_path, "x.yml", text) == [
        "x.yml:17: audiences[0].template: template 'bad.md.j2' does not compile: "
        "bad.md.j2:3: Expected an expression, got 'end of statement block'"
    ]


def test_template_with_an_unknown_filter_does_not_compile(tmp_path: Path) -> None:
    (tmp_path / "t.md.j2").write_text("{{ ritual.name|shout }}\n", encoding="utf-8")
    text = variant("    to: [product-leads]\n", "    to: [product-leads]\n    template: t.md.j2\n")
    assert problems_in(tmp_path, "x.yml", text) == [
        "x.yml:17: audiences[0].template: template 't.md.j2' does not compile: "
        "t.md.j2:1: No filter named 'shout'."
    ]


def test_template_using_an_unknown_name_fails_on_the_sample_digest(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.md.j2").write_text(
        "*{{ ritual.name }}*\n{% for r in responses %}\n{{ r.answers.stauts }}\n{% endfor %}\n",
        encoding="utf-8",
    )
    text = variant("    to: [product-leads]\n", "    to: [product-leads]\n    template: t.md.j2\n")
    assert problems_in(tmp_path, "x.yml", text) == [
        "x.yml:17: audiences[0].template: template 't.md.j2' fails on a sample digest: "
        "t.md.j2:3: 'dict object' has no attribute 'stauts'"
    ]


def test_a_template_beside_the_ritual_shadows_the_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "leaders.md.j2").write_text("Custom: {{ ritual.name }}\n", encoding="utf-8")
    path = tmp_path / "x.yml"
    path.write_text(BASE, encoding="utf-8")
    ritual, problems = load_file(path)
    assert problems == []
    assert ritual is not None
    assert ritual.templates.get_template("leaders.md.j2").render(ritual={"name": "N"}) == "Custom: N"


def test_duplicate_id_in_one_folder(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b.yml").write_text(BASE, encoding="utf-8")
    assert [str(p) for p in validate_paths([tmp_path])] == [
        f"{tmp_path / 'b.yml'}:1: id: duplicate ritual id 'weekly-sync' (also defined in a.yml:1)"
    ]


def test_missing_path(tmp_path: Path) -> None:
    assert validate_paths([tmp_path / "nope"]) == [Problem(tmp_path / "nope", 0, "no such folder")]
    assert str(validate_paths([tmp_path / "nope"])[0]) == f"{tmp_path / 'nope'}: no such folder"


def test_problem_str() -> None:
    assert str(Problem(Path("rituals") / "x.yml", 7, "boom")) == f"rituals{os.sep}x.yml:7: boom"


# --- the library and RITUALS_PATH ---------------------------------------------------------------


def test_rituals_path_overrides_by_id_and_adds(tmp_path: Path) -> None:
    custom = tmp_path / "custom"
    custom.mkdir()
    override = BASE.replace("id: weekly-sync", "id: monthly-roadmap-checkin").replace(
        '"0 10 * * mon"', '"0 9 * * tue#1"'
    )
    (custom / "our-roadmap.yml").write_text(override, encoding="utf-8")
    (custom / "weekly.yaml").write_text(BASE, encoding="utf-8")
    (custom / "notes.txt").write_text("not a ritual", encoding="utf-8")
    library = load_library([custom])
    assert library.ids() == [
        "launch-update",
        "monthly-roadmap-checkin",
        "okr-checkin",
        "quarterly-planning-inputs",
        "weekly-research-digest",
        "weekly-sync",
    ]
    roadmap = library.get("monthly-roadmap-checkin")
    assert roadmap.schedule.cron == "0 9 * * tue#1"
    assert library.loaded("monthly-roadmap-checkin").path == custom / "our-roadmap.yml"
    assert [o.opens_at.isoformat() for o in next_openings(roadmap, JAN_2027, 1)] == [
        "2027-01-05T09:00:00-05:00"
    ]


def test_later_folders_override_earlier_ones(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "w.yml").write_text(BASE, encoding="utf-8")
    (second / "w.yml").write_text(BASE.replace("name: Weekly sync", "name: Weekly sync v2"), encoding="utf-8")
    assert load_library([first, second]).get("weekly-sync").name == "Weekly sync v2"
    assert load_library([second, first]).get("weekly-sync").name == "Weekly sync"


def test_a_disabled_override_turns_a_built_in_ritual_off(tmp_path: Path) -> None:
    off = BASE.replace("id: weekly-sync", "id: okr-checkin").replace(
        "name: Weekly sync", "name: OKRs\nenabled: false"
    )
    (tmp_path / "okr.yml").write_text(off, encoding="utf-8")
    library = load_library([tmp_path])
    assert "okr-checkin" in library
    assert "okr-checkin" not in [definition.id for definition in library.enabled()]


def test_invalid_rituals_refuse_to_load(tmp_path: Path) -> None:
    (tmp_path / "x.yml").write_text(variant("New_York", "New_Yrok"), encoding="utf-8")
    with pytest.raises(InvalidRituals) as caught:
        load_library([tmp_path])
    assert [(p.path.name, p.line) for p in caught.value.problems] == [("x.yml", 6)]
    assert str(caught.value).startswith(f"{tmp_path / 'x.yml'}:6: schedule.timezone: unknown time zone")


def test_unknown_ritual_lists_the_known_ids() -> None:
    library = load_library()
    with pytest.raises(UnknownRitual) as caught:
        library.get("okr-checkn")
    assert str(caught.value) == (
        "unknown ritual 'okr-checkn' (did you mean 'okr-checkin'?); known rituals: launch-update, "
        "monthly-roadmap-checkin, okr-checkin, quarterly-planning-inputs, weekly-research-digest"
    )
    assert isinstance(caught.value, LookupError)


def test_parse_rituals_path() -> None:
    value = os.pathsep.join(["one", "", "two/three"])
    assert parse_rituals_path(value) == [Path("one"), Path("two/three")]
    assert parse_rituals_path(None) == []


def test_research_and_objectives_files_in_a_rituals_folder_are_not_rituals(tmp_path: Path) -> None:
    # One RITUALS_PATH folder holds every kind; the rituals' loader takes only rituals.
    (tmp_path / "research.yml").write_text("research:\n  contact_cooldown_days: 30\n", encoding="utf-8")
    (tmp_path / "okrs.yml").write_text("objectives: []\nmetrics: []\n", encoding="utf-8")
    assert validate_paths([tmp_path]) == []
    assert load_library([tmp_path]).ids() == load_library().ids()


def test_every_problem_in_one_pass(tmp_path: Path) -> None:
    """A misspelt key does not hide a duplicate field id, a missing template or an empty
    `only: shareable`: all are reported at once."""
    text = (
        variant("  cron:", "  crom:")
        .replace(
            "form:\n",
            "form:\n  - {id: status, type: text, label: Again}\n",
        )
        .replace(
            "    to: [product-leads]\n",
            "    to: [product-leads]\n    template: exec.md.j2\n    only: shareable\n",
        )
    )
    assert problems_in(tmp_path, "x.yml", text) == [
        "x.yml:4: schedule: missing required key 'cron'",
        "x.yml:5: schedule: unknown key 'crom'; did you mean 'cron'?",
        "x.yml:11: form[1].id: field id 'status' is already used by form[0]",
        "x.yml:18: audiences[0].template: template 'exec.md.j2' not found beside the ritual file "
        "or among the built-in templates",
        "x.yml:19: audiences[0].only: only: shareable, but no form field is marked shareable: true",
    ]
