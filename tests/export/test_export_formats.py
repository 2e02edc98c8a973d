"""CSV, JSON and Markdown exports of runs read back from the database."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from core.document_text import csv_safe, md_escape
from core.errors import UserFacingError
from rituals.definition.schema import RitualDefinition
from rituals.export.export_button import export_button, parse_export_value
from rituals.export.formats import render
from rituals.export.snapshot import RunExport, RunSelection, load_exports
from rituals.export.tables import csv_columns, to_csv, to_json
from storage.database import SessionFactory
from storage.models import ParticipantState, Run, RunState

from .conftest import (
    ANA,
    BEN,
    CHLOE,
    DIETER,
    FEBRUARY,
    MARCH,
    RITUAL,
    Person,
    definition_from,
    insert_run,
    item,
    roadmap_answer,
)


def exports(
    session_factory: SessionFactory, definition: RitualDefinition, **selection: Any
) -> list[RunExport]:
    with session_factory() as session:
        return load_exports(session, definition, RunSelection(**selection))


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_has_one_row_per_item_and_one_per_person_without_items(
    session_factory: SessionFactory, roadmap: RitualDefinition, february: Run
) -> None:
    text = to_csv(roadmap, exports(session_factory, roadmap))
    assert text.splitlines()[0] == (
        "ritual,occurrence,opens_at,run_state,user_id,name,state,skip_reason,version,"
        "status,risks,asks,customer_update,item_no,roadmap.title,roadmap.horizon,roadmap.status,"
        "roadmap.target_date,roadmap.link,roadmap.shareable"
    )
    rows = csv_rows(text)
    assert [(r["user_id"], r["state"], r["item_no"], r["roadmap.title"]) for r in rows] == [
        (ANA, "answered", "1", "SSO for hospitals"),
        (ANA, "answered", "2", "Audit log"),
        (BEN, "skipped", "", ""),
        (CHLOE, "missing", "", ""),
        (DIETER, "late", "", ""),
    ]
    first, second = rows[0], rows[1]
    # The person's columns are repeated on each of their items, so a pivot needs no lookups.
    for row in (first, second):
        assert row["ritual"] == RITUAL
        assert row["occurrence"] == "2027-02-01T10:00"
        assert row["opens_at"] == "2027-02-01T10:00:00-05:00"
        assert row["run_state"] == "closed"
        assert row["name"] == "Ana Alvarez"
        assert row["version"] == "2"  # the latest answer version, not the first draft
        assert row["status"] == "On track"
    assert (first["roadmap.target_date"], first["roadmap.link"], first["roadmap.shareable"]) == (
        "2027-03-15",
        "https://example.com/sso",
        "no",
    )
    assert (second["roadmap.horizon"], second["roadmap.status"], second["roadmap.shareable"]) == (
        "Next",
        "Planned",
        "yes",
    )
    assert "Old draft" not in text
    ben = rows[2]
    assert (ben["skip_reason"], ben["version"], ben["status"]) == ("On leave until the 10th", "", "")
    assert rows[4]["status"] == "At risk"


def test_csv_is_plain_text_not_slack_mrkdwn(
    session_factory: SessionFactory, roadmap: RitualDefinition, february: Run
) -> None:
    [ana, *_] = csv_rows(to_csv(roadmap, exports(session_factory, roadmap)))
    assert ana["risks"] == "Vendor contract & <legal> review"


def test_csv_neutralises_formulas_in_untrusted_text(
    session_factory: SessionFactory, roadmap: RitualDefinition
) -> None:
    hostile = Person(
        ANA,
        ParticipantState.ANSWERED,
        name="=cmd|' /C calc'!A0",
        versions=[
            roadmap_answer(
                item('=HYPERLINK("https://evil.example","click")'),
                item("+1+1", status="@SUM(A1:A9)"),
                risks="-2+3",
                asks="\t=1+1",
                customer_update="@everyone",
            )
        ],
    )
    skipper = Person(BEN, ParticipantState.SKIPPED, skip_reason="=1+1")
    with session_factory.begin() as session:
        insert_run(session, "2027-02-01T10:00", FEBRUARY, [hostile, skipper])
    rows = csv_rows(to_csv(roadmap, exports(session_factory, roadmap)))
    first, second, ben = rows
    assert first["name"] == "'=cmd|' /C calc'!A0"
    assert first["roadmap.title"] == '\'=HYPERLINK("https://evil.example","click")'
    assert second["roadmap.title"] == "'+1+1"
    assert second["roadmap.status"] == "'@SUM(A1:A9)"
    assert first["risks"] == "'-2+3"
    assert first["asks"] == "'\t=1+1"
    assert first["customer_update"] == "'@everyone"
    assert ben["skip_reason"] == "'=1+1"
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(dangerous), (column, value)


def test_csv_safe_leaves_ordinary_text_alone() -> None:
    assert csv_safe("Ship SSO - phase 2") == "Ship SSO - phase 2"
    assert csv_safe("") == ""
    assert csv_safe("-5% churn") == "'-5% churn"


def test_form_without_items_gives_one_row_per_person_with_typed_cells(
    session_factory: SessionFactory,
) -> None:
    definition = definition_from(
        [
            {"id": "name", "type": "text", "label": "Project name"},
            {"id": "delta", "type": "number", "label": "Change"},
            {"id": "due", "type": "date", "label": "Due", "optional": True},
            {"id": "areas", "type": "multi_select", "label": "Areas", "options": ["Web", "iOS", "API"]},
            {"id": "reviewers", "type": "users", "label": "Reviewers", "optional": True},
            {"id": "blocked", "type": "checkbox", "label": "Blocked"},
        ]
    )
    answer = {
        "name": "Atlas",
        "delta": -3,
        "due": "2027-04-01",
        "areas": ["Web", "API"],
        "reviewers": ["U0LEAD001", "U0LEAD002"],
        "blocked": True,
    }
    with session_factory.begin() as session:
        insert_run(
            session,
            "2027-02-01T10:00",
            FEBRUARY,
            [Person(ANA, ParticipantState.ANSWERED, versions=[answer]), Person(BEN)],
            ritual_id=definition.id,
        )
    text = to_csv(definition, exports(session_factory, definition))
    header = text.splitlines()[0].split(",")
    # A field called like a fixed column is prefixed rather than overwriting it.
    assert header[-6:] == ["answer.name", "delta", "due", "areas", "reviewers", "blocked"]
    assert "item_no" not in header
    ana, ben = csv_rows(text)
    assert (ana["name"], ana["answer.name"]) == ("Ana Alvarez", "Atlas")
    assert ana["delta"] == "-3"  # a number is not a formula: no apostrophe
    assert ana["due"] == "2027-04-01"
    assert ana["areas"] == "Web; API"
    assert ana["reviewers"] == "U0LEAD001; U0LEAD002"
    assert ana["blocked"] == "yes"
    assert (ben["state"], ben["answer.name"], ben["blocked"]) == ("missing", "", "")


def test_several_items_fields_say_which_field_each_row_is(session_factory: SessionFactory) -> None:
    definition = definition_from(
        [
            {
                "id": "wins",
                "type": "items",
                "label": "Wins",
                "item": [{"id": "what", "type": "text", "label": "What"}],
            },
            {
                "id": "risks",
                "type": "items",
                "label": "Risks",
                "item": [
                    {"id": "what", "type": "text", "label": "What"},
                    {"id": "odds", "type": "number", "label": "Odds %"},
                ],
            },
        ]
    )
    answer = {
        "wins": [{"what": "Launched"}],
        "risks": [{"what": "Hiring", "odds": 40.0}, {"what": "Vendor", "odds": 12.5}],
    }
    with session_factory.begin() as session:
        insert_run(
            session,
            "2027-02-01T10:00",
            FEBRUARY,
            [Person(ANA, ParticipantState.ANSWERED, versions=[answer])],
            ritual_id=definition.id,
        )
    assert csv_columns(definition)[-5:] == ["item_field", "item_no", "wins.what", "risks.what", "risks.odds"]
    rows = csv_rows(to_csv(definition, exports(session_factory, definition)))
    assert [
        (r["item_field"], r["item_no"], r["wins.what"], r["risks.what"], r["risks.odds"]) for r in rows
    ] == [
        ("wins", "1", "Launched", "", ""),
        ("risks", "1", "", "Hiring", "40"),
        ("risks", "2", "", "Vendor", "12.5"),
    ]


def test_no_runs_gives_the_header_only(roadmap: RitualDefinition, session_factory: SessionFactory) -> None:
    runs = exports(session_factory, roadmap)
    assert runs == []
    assert to_csv(roadmap, runs) == ",".join(csv_columns(roadmap)) + "\r\n"
    assert json.loads(to_json(roadmap, runs)) == []
    assert "No runs yet." in render(roadmap, runs, "md")


# --- which runs ----------------------------------------------------------------------------------


@pytest.fixture
def history(session_factory: SessionFactory) -> None:
    """January closed, February closed, March open; a pending and a missed run; another ritual."""
    with session_factory.begin() as session:
        insert_run(session, "2027-01-04T10:00", FEBRUARY.replace(month=1, day=4), [Person(ANA)])
        insert_run(session, "2027-02-01T10:00", FEBRUARY, [Person(ANA)])
        insert_run(session, "2027-03-01T10:00", MARCH, [Person(ANA)], state=RunState.OPEN)
        insert_run(session, "2027-04-05T10:00", MARCH.replace(month=4, day=5), state=RunState.PENDING)
        insert_run(
            session, "2026-12-07T10:00", FEBRUARY.replace(year=2026, month=12, day=7), state=RunState.MISSED
        )
        insert_run(session, "2027-02-01T10:00", FEBRUARY, [Person(BEN)], ritual_id="okr-checkin")


def keys(runs: list[RunExport]) -> list[str]:
    return [run.key for run in runs]


def test_every_open_and_closed_run_newest_first(
    session_factory: SessionFactory, roadmap: RitualDefinition, history: None
) -> None:
    runs = exports(session_factory, roadmap)
    assert keys(runs) == ["2027-03-01T10:00", "2027-02-01T10:00", "2027-01-04T10:00"]
    assert [run.state for run in runs] == ["open", "closed", "closed"]
    assert all(person.user == ANA for run in runs for person in run.people)


def test_since_counts_from_midnight_in_the_ritual_zone(
    session_factory: SessionFactory, roadmap: RitualDefinition, history: None
) -> None:
    assert keys(exports(session_factory, roadmap, since=date(2027, 2, 1))) == [
        "2027-03-01T10:00",
        "2027-02-01T10:00",
    ]
    assert keys(exports(session_factory, roadmap, since=date(2027, 2, 2))) == ["2027-03-01T10:00"]


def test_one_run_by_key_or_id(
    session_factory: SessionFactory, roadmap: RitualDefinition, history: None
) -> None:
    [february] = exports(session_factory, roadmap, key="2027-02-01T10:00")
    assert [p.user for p in february.people] == [ANA]
    with session_factory() as session:
        run_id = session.query(Run.id).filter_by(ritual_id=RITUAL, occurrence_key="2027-01-04T10:00").scalar()
        other = session.query(Run.id).filter_by(ritual_id="okr-checkin").scalar()
    assert keys(exports(session_factory, roadmap, run_id=run_id)) == ["2027-01-04T10:00"]
    with pytest.raises(UserFacingError, match=f"has no run {other}"):
        exports(session_factory, roadmap, run_id=other)  # another ritual's run is not this one's


def test_asking_for_a_run_that_has_no_answers_says_why(
    session_factory: SessionFactory, roadmap: RitualDefinition, history: None
) -> None:
    with pytest.raises(UserFacingError, match="occurrence 2026-12-07T10:00 is missed"):
        exports(session_factory, roadmap, key="2026-12-07T10:00")
    with pytest.raises(UserFacingError, match="has no occurrence 2030-01-01T10:00"):
        exports(session_factory, roadmap, key="2030-01-01T10:00")


# --- JSON ----------------------------------------------------------------------------------------


def test_json_has_one_document_per_run(
    session_factory: SessionFactory, roadmap: RitualDefinition, february: Run
) -> None:
    delegated = Person("U0PM00005", ParticipantState.DELEGATED, delegated_to="U0PM00006", name="Isha Rao")
    with session_factory.begin() as session:
        insert_run(session, "2027-03-01T10:00", MARCH, [delegated], state=RunState.OPEN)
    documents = json.loads(to_json(roadmap, exports(session_factory, roadmap)))
    march, feb = documents
    assert march["state"] == "open"
    assert march["participants"] == [
        {"user": "U0PM00005", "name": "Isha Rao", "state": "delegated", "delegated_to": "U0PM00006"}
    ]
    assert feb["ritual"] == {"id": RITUAL, "name": "Monthly roadmap check-in"}
    assert feb["occurrence"] == {
        "key": "2027-02-01T10:00",
        "opens_at": "2027-02-01T10:00:00-05:00",
        "closes_at": "2027-02-04T17:00:00-05:00",
    }
    assert feb["state"] == "closed"
    assert feb["counts"] == {
        "participants": 4,
        "answered": 2,
        "late": 1,
        "skipped": 1,
        "delegated": 0,
        "missing": 1,
        "away": 0,
    }
    assert [(p["user"], p["state"]) for p in feb["participants"]] == [
        (ANA, "answered"),
        (BEN, "skipped"),
        (CHLOE, "missing"),
        (DIETER, "late"),
    ]
    ana, dieter = feb["responses"]
    assert (ana["user"], ana["version"], ana["late"]) == (ANA, 2, False)
    assert ana["answers"]["roadmap"][0]["target_date"] == "2027-03-15"
    assert ana["answers"]["risks"] == "Vendor contract & <legal> review"
    assert (dieter["late"], dieter["answers"]["status"]) == (True, "At risk")
    assert feb["skipped"] == [{"user": BEN, "name": "Ben Okafor", "reason": "On leave until the 10th"}]
    assert feb["missing"] == [{"user": CHLOE, "name": "Chloe Martin"}]


# --- Markdown ------------------------------------------------------------------------------------


def test_markdown_report_has_a_heading_per_run_and_a_section_per_person(
    session_factory: SessionFactory, roadmap: RitualDefinition, february: Run
) -> None:
    text = render(roadmap, exports(session_factory, roadmap), "md")
    lines = text.splitlines()
    assert lines[0] == "# Monthly roadmap check-in"
    assert "## 2027-02-01T10:00 (closed)" in lines
    assert "### Ana Alvarez" in lines
    assert "### Dieter Schmidt" in lines
    assert f"`{DIETER}` · answered late · version 1" in lines
    assert "4 participants: 2 answered (1 late), 1 skipped, 1 missing." in text
    assert (
        "- **SSO for hospitals** — Horizon: Now · Status: In progress · Target date: 2027-03-15"
        " · Link (spec, epic or brief): <https://example.com/sso>"
    ) in lines
    assert "- **Audit log** — Horizon: Next · Status: Planned · Customer-shareable" in lines
    assert "> Vendor contract \\& \\<legal\\> review" in lines
    assert lines[lines.index("### Skipped") + 2] == "- Ben Okafor: On leave until the 10th"
    assert lines[lines.index("### No answer") + 2] == f"- Chloe Martin (`{CHLOE}`)"


def test_markdown_escapes_what_would_become_markup(
    session_factory: SessionFactory, roadmap: RitualDefinition
) -> None:
    answer = roadmap_answer(
        item("*Bold* [link](https://evil.example) `code`", link="javascript:alert(1)"),
        risks="# Not a heading\n- not a list\n1. not numbered\n<img src=x onerror=alert(1)>",
    )
    with session_factory.begin() as session:
        insert_run(
            session,
            "2027-02-01T10:00",
            FEBRUARY,
            [Person(ANA, ParticipantState.ANSWERED, versions=[answer], name="_Ana_")],
        )
    text = render(roadmap, exports(session_factory, roadmap), "md")
    assert "### \\_Ana\\_" in text
    assert "**\\*Bold\\* \\[link\\](https://evil.example) \\`code\\`**" in text
    assert "Link (spec, epic or brief): javascript:alert(1)" in text  # not a plain URL: no autolink
    assert (
        "> \\# Not a heading\n> \\- not a list\n> 1\\. not numbered\n> \\<img src=x onerror=alert(1)\\>"
        in text
    )


def test_md_escape_is_minimal() -> None:
    assert md_escape("Q3 plan: ship 2 things (maybe 3)!") == "Q3 plan: ship 2 things (maybe 3)!"
    assert md_escape("a_b *c*") == "a\\_b \\*c\\*"
    assert md_escape("  - item\n+ plus\n=== rule") == "  \\- item\n\\+ plus\n\\=== rule"


# --- the button ----------------------------------------------------------------------------------


def test_export_button_round_trips_its_value() -> None:
    block = export_button(RITUAL, 42)
    [button] = block["elements"]
    assert (block["type"], button["action_id"], button["text"]["text"]) == (
        "actions",
        "export_csv",
        "Export CSV",
    )
    assert parse_export_value(button["value"]) == (RITUAL, 42)
    assert parse_export_value(export_button(RITUAL)["elements"][0]["value"]) == (RITUAL, None)
    assert export_button(RITUAL)["block_id"] != block["block_id"]
    for broken in ("", "|3", f"{RITUAL}|x"):
        with pytest.raises(ValueError, match="not an export button's value"):
            parse_export_value(broken)
