"""Full-text search on the database in use (FTS5 on SQLite, text search on PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from research.results import highlighted, search_reply
from research.search import HIGHLIGHT_END, HIGHLIGHT_START, Hit, SearchPage, SearchQuery, parse_query, search
from storage.database import SessionFactory
from storage.models import TouchKind

from .conftest import Registry


def found(session_factory: SessionFactory, text: str, offset: int = 0, limit: int = 10) -> list[str]:
    with session_factory() as session:
        return [hit.topic for hit in search(session, parse_query(text), offset, limit).hits]


@pytest.fixture
def notes(registry: Registry) -> Registry:
    acme = registry.account("acme.com", "Acme Health")
    globex = registry.account("globex.com", "Globex")
    registry.touch(
        acme,
        date(2027, 1, 4),
        topic="Pricing page",
        summary="They compared our pricing with two competitors and found the tiers confusing.",
        tags=("pricing",),
        by="U0PM00001",
    )
    registry.touch(
        globex,
        date(2027, 1, 6),
        topic="Quarterly review",
        summary="Mostly about support. Near the end, one remark on pricing.",
        by="U0PM00002",
    )
    registry.touch(
        acme,
        date(2027, 1, 8),
        topic="Onboarding interviews",
        summary="Interviewing three admins: onboarding takes two weeks because of SSO.",
        tags=("onboarding", "sso"),
        by="pm@ours.example",
        link="https://notes.example/onboarding",
    )
    registry.touch(
        globex,
        date(2027, 1, 9),
        kind=TouchKind.SURVEY,
        topic="NPS",
        summary="Scores went up.",
        by="U0PM00004",
    )
    return registry


def test_a_word_in_the_topic_ranks_above_a_passing_mention(
    session_factory: SessionFactory, notes: Registry
) -> None:
    assert found(session_factory, "pricing") == ["Pricing page", "Quarterly review"]


def test_words_are_stemmed_and_all_must_match(session_factory: SessionFactory, notes: Registry) -> None:
    assert found(session_factory, "interview") == ["Onboarding interviews"]
    assert found(session_factory, "onboarding admins") == ["Onboarding interviews"]
    assert found(session_factory, "onboarding pricing") == []


def test_filters_narrow_the_words_or_list_the_newest(
    session_factory: SessionFactory, notes: Registry
) -> None:
    assert found(session_factory, "pricing account:globex") == ["Quarterly review"]
    assert found(session_factory, "pricing tag:pricing") == ["Pricing page"]
    assert found(session_factory, "tag:#SSO") == ["Onboarding interviews"]
    assert found(session_factory, "by:<@U0PM00002|ben>") == ["Quarterly review"]
    assert found(session_factory, "by:pm@ours.example") == ["Onboarding interviews"]
    assert found(session_factory, "account:acme.com") == ["Onboarding interviews", "Pricing page"]


def test_what_people_type_never_breaks_the_query(session_factory: SessionFactory, notes: Registry) -> None:
    for text in ('"unbalanced', "NEAR(pricing", "pricing AND OR NOT", "*", "summary:pricing", "tiers' -- ;"):
        with session_factory() as session:
            search(session, parse_query(text))
    assert found(session_factory, "pricing*") == ["Pricing page", "Quarterly review"]


def test_pages(session_factory: SessionFactory, registry: Registry) -> None:
    acme = registry.account("acme.com")
    for day in range(1, 26):
        registry.touch(acme, date(2027, 1, day), topic=f"Churn call {day}", summary="churn risk")
    with session_factory() as session:
        first = search(session, parse_query("churn"), 0, 10)
        third = search(session, parse_query("churn"), 20, 10)
    assert (first.total, len(first.hits), len(third.hits)) == (25, 10, 5)
    assert not {hit.touch_id for hit in first.hits} & {hit.touch_id for hit in third.hits}
    _, blocks = search_reply("churn", first)
    buttons = [element["text"]["text"] for element in blocks[-1]["elements"]]
    assert buttons == ["Next ▶"]
    _, blocks = search_reply("churn", third)
    assert [element["text"]["text"] for element in blocks[-1]["elements"]] == ["◀ Previous"]


def test_snippets_mark_the_matches_and_escape_the_rest(
    session_factory: SessionFactory, registry: Registry
) -> None:
    acme = registry.account("acme.com", "Acme <!here>")
    registry.touch(
        acme,
        date(2027, 1, 5),
        topic="Renewal <!channel>",
        summary="The renewal is at risk & <@U0SMUGGLED> wants <https://evil.example|a discount>.",
    )
    with session_factory() as session:
        page = search(session, SearchQuery(words=("renewal",)))
    [hit] = page.hits
    assert f"{HIGHLIGHT_START}renewal{HIGHLIGHT_END}" in hit.snippet
    shown = highlighted(hit.snippet)
    assert "*renewal*" in shown
    assert "&lt;@U0SMUGGLED&gt;" in shown
    assert "&amp;" in shown
    _, blocks = search_reply("renewal <!channel>", page)
    text = str(blocks)
    for smuggled in ("<!channel>", "<!here>", "<@U0SMUGGLED>", "<https://evil"):
        assert smuggled not in text
    assert "Renewal &lt;!channel&gt;" in text
    assert "Acme &lt;!here&gt;" in text


def test_a_page_of_long_hits_stops_where_one_message_is_full() -> None:
    long = Hit(
        touch_id=1,
        touched_on=date(2027, 1, 5),
        kind=TouchKind.INTERVIEW,
        by="U0PM00001",
        topic="T" * 200,
        account="A" * 200,
        contact=None,
        link="https://notes.example/" + "x" * 1970,
        tags=tuple(f"tag{n}" * 8 for n in range(20)),
        snippet="word " * 60,
    )
    page = SearchPage(hits=(long,) * 10, total=30, offset=10, limit=10)
    text, blocks = search_reply("word", page)
    shown = [block for block in blocks if block["type"] == "section"]
    characters = sum(len(block["text"]["text"]) for block in shown)
    assert characters <= 11_000
    assert all(len(block["text"]["text"]) <= 3_000 for block in shown)
    assert text.startswith("Results 11 to 12 of 30")  # two hits fit; the rest is on the next page
    [previous, following] = blocks[-1]["elements"]
    assert json.loads(previous["value"])["o"] == 0
    assert json.loads(following["value"])["o"] == 12
