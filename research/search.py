"""Full-text search over touches' topics and summaries, ranked, with snippets.

    /research search onboarding pain tag:pricing account:acme by:@ana

The words are searched with the database's own full-text engine: SQLite's FTS5 (ranked with
bm25, a topic counting four times a summary) and PostgreSQL's text search (a GIN index over a
weighted `tsvector`, topic above summary, ranked with `ts_rank_cd`). Both stem English words,
so "interviews" finds "interview". Every word must appear. People type words, not a query
language: anything that is not a word is dropped rather than handed to the engine, so no input
can make a search fail. `tag:`, `account:` and `by:` narrow the results; with no words, the
newest touches matching the filters come first.

Snippets mark the matched words with two control characters that typed text does not hold;
`research.views` turns them into bold after escaping the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from research.addresses import as_person, plain
from research.services import ResearchServices
from research.standing import TouchLine, touch_lines
from storage.models import Account, Touch, TouchTag
from storage.models.research import SEARCH_COLUMN, SEARCH_TABLE

HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
PAGE_SIZE = 10
SNIPPET_WORDS = 24
# Without words to match, a summary's opening is its snippet.
OPENING_CHARS = 200

_FILTER = re.compile(r'(?P<key>tag|account|by):(?P<value>"[^"]*"|<[^<>]*>|\S+)', re.IGNORECASE)
_WORD = re.compile(r"\w+")

_FTS = table(SEARCH_TABLE, column("rowid"))
_FTS_NAME: ColumnClause[Any] = literal_column(SEARCH_TABLE)
_LANGUAGE: ColumnClause[Any] = literal_column("'english'::regconfig")
_DOCUMENT: ColumnClause[Any] = literal_column(f"{Touch.__tablename__}.{SEARCH_COLUMN}")


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    account: str | None = None
    by: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.words or self.tags or self.account or self.by)


def parse_query(text: str) -> SearchQuery:
    """Words and `key:value` filters from what the person typed (Slack's formatting undone)."""
    tags: list[str] = []
    account: str | None = None
    by: str | None = None
    for match in _FILTER.finditer(text):
        key, value = match["key"].lower(), plain(match["value"].strip('"'))
        if key == "tag":
            tags.append(value.lstrip("#").lower())
        elif key == "account":
            account = value.lower()
        else:
            by = as_person(value) or value
    words = _WORD.findall(_FILTER.sub(" ", text).lower())
    return SearchQuery(tuple(dict.fromkeys(words)), tuple(dict.fromkeys(tags)), account, by)


@dataclass(frozen=True)
class Hit(TouchLine):
    # The summary around the matches, which are wrapped in HIGHLIGHT_START / HIGHLIGHT_END.
    snippet: str = ""


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[Hit, ...]
    total: int
    offset: int
    limit: int


def _filters(query: SearchQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Touch.erased_at.is_(None)]
    for tag in query.tags:
        conditions.append(exists().where(TouchTag.touch_id == Touch.id, TouchTag.tag == tag))
    if query.account:
        needle = query.account
        conditions.append(
            Touch.account_id.in_(
                select(Account.id).where(
                    or_(Account.domain == needle, func.lower(Account.name).contains(needle, autoescape=True))
                )
            )
        )
    if query.by:
        conditions.append(Touch.by == query.by)
    return conditions


class _Engine:
    """How one database matches, ranks and quotes: the only part that differs."""

    def match(self, words: tuple[str, ...]) -> ColumnElement[bool]:
        raise NotImplementedError

    def rank(self, words: tuple[str, ...]) -> ColumnElement[float]:
        """Smaller is better."""
        raise NotImplementedError

    def join(self, statement: Select[Any]) -> Select[Any]:
        return statement

    def snippets(self, session: Session, words: tuple[str, ...], ids: list[int]) -> dict[int, str]:
        raise NotImplementedError


class _Sqlite(_Engine):
    @staticmethod
    def _query(words: tuple[str, ...]) -> str:
        # Each word quoted: FTS5 reads it as a plain term, whatever it is (AND, NEAR, ...).
        return " ".join(f'"{word}"' for word in words)

    def match(self, words: tuple[str, ...]) -> ColumnElement[bool]:
        return _FTS_NAME.op("MATCH")(self._query(words))

    def rank(self, words: tuple[str, ...]) -> ColumnElement[float]:
        return func.bm25(_FTS_NAME, 4.0, 1.0)

    def join(self, statement: Select[Any]) -> Select[Any]:
        return statement.join(_FTS, _FTS.c.rowid == Touch.id)

    def snippets(self, session: Session, words: tuple[str, ...], ids: list[int]) -> dict[int, str]:
        # snippet() works only in the query that matches, so the page's rows are matched again.
        snippet = func.snippet(_FTS_NAME, 1, HIGHLIGHT_START, HIGHLIGHT_END, "…", SNIPPET_WORDS)
        rows = session.execute(
            select(_FTS.c.rowid, snippet).where(self.match(words), _FTS.c.rowid.in_(ids))
        ).all()
        return {row[0]: row[1] for row in rows}


class _Postgresql(_Engine):
    @staticmethod
    def _query(words: tuple[str, ...]) -> ColumnElement[object]:
        return func.plainto_tsquery(_LANGUAGE, " ".join(words))

    def match(self, words: tuple[str, ...]) -> ColumnElement[bool]:
        return _DOCUMENT.op("@@")(self._query(words))

    def rank(self, words: tuple[str, ...]) -> ColumnElement[float]:
        return -func.ts_rank_cd(_DOCUMENT, self._query(words))

    def snippets(self, session: Session, words: tuple[str, ...], ids: list[int]) -> dict[int, str]:
        # ShortWord=0: keep short words ("up", "at") at a snippet's ends, which PostgreSQL drops
        # by default, so snippets read as on SQLite.
        options = (
            f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords={SNIPPET_WORDS}, "
            'MinWords=8, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "'
        )
        headline = func.ts_headline(_LANGUAGE, Touch.summary, self._query(words), options)
        rows = session.execute(select(Touch.id, headline).where(Touch.id.in_(ids))).all()
        return {row[0]: row[1] for row in rows}


def _engine(session: Session) -> _Engine:
    return _Postgresql() if session.get_bind().dialect.name == "postgresql" else _Sqlite()


def search(session: Session, query: SearchQuery, offset: int = 0, limit: int = PAGE_SIZE) -> SearchPage:
    """One page of the touches matching `query`, best first (newest first without words)."""
    engine = _engine(session)
    conditions = _filters(query)
    if query.words:
        conditions.append(engine.match(query.words))
    base = select(Touch.id).where(*conditions)
    if query.words:
        base = engine.join(base)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    order: list[ColumnElement[Any]] = [Touch.touched_on.desc(), Touch.id.desc()]
    if query.words:
        order.insert(0, engine.rank(query.words))
    ids = list(session.scalars(base.order_by(*order).offset(offset).limit(limit)))
    snippets = engine.snippets(session, query.words, ids) if query.words and ids else {}
    return SearchPage(tuple(_hits(session, ids, snippets)), total, offset, limit)


def _hits(session: Session, ids: list[int], snippets: dict[int, str]) -> list[Hit]:
    """The page's touches in rank order, each with its snippet (or its summary's opening)."""
    lines = {line.touch_id: line for line in touch_lines(session, Touch.id.in_(ids), limit=len(ids))}
    hits = []
    for touch_id in ids:
        line = lines[touch_id]
        opening = line.summary[:OPENING_CHARS] + ("…" if len(line.summary) > OPENING_CHARS else "")
        hits.append(Hit(**vars(line), snippet=snippets.get(touch_id, opening)))
    return hits


def find(services: ResearchServices, text: str, offset: int = 0) -> SearchPage:
    """`/research search TEXT`: one page of results for what the person typed."""
    with services.session_factory() as session:
        return search(session, parse_query(text), offset)
