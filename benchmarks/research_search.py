"""The research registry at 10,000 touches: importing them, then searching them.

Import: accounts, contacts and N touches from CSV files through `ritualbot research import`'s
code, then the same files again (which must add nothing). Search: a page of ranked results with
snippets and the total, for a mix of queries (common and rare words, two words, with a tag or an
account filter), through the same function `/research search` calls.

Baseline for search, in the same process on the same database: the plain way without a full-text
index, `lower(topic) LIKE '%word%' OR lower(summary) LIKE '%word%'` for each word, newest first,
with the same page size and total. The ratio is search over baseline.

Run: `.venv/bin/python -m benchmarks.research_search [-n 10000] [--queries 200]`; add
`--database postgresql://user@host/bench` to measure PostgreSQL on an empty database you made
for it (it is migrated and filled; drop it afterwards).
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from benchmarks.common import report, scratch_database, timed
from research.operations.importing import import_accounts, import_contacts, import_touches
from research.search import PAGE_SIZE, SearchQuery, parse_query, search
from storage.database import SessionFactory, create_database_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Touch

NOW = datetime(2027, 1, 13, 15, tzinfo=UTC)
TODAY = NOW.date()
KINDS = ("interview", "survey", "call", "email", "visit")
TOPICS = ("onboarding", "pricing", "single sign-on", "reporting", "mobile app", "billing", "integrations")
VOCABULARY = """
customer admin team setup weeks dashboard export invoice renewal contract workflow approval
latency outage migration permissions audit compliance hospital clinic nurses schedule shift
report chart filter search notification email reminder integration calendar budget forecast
training support ticket escalation roadmap feature request feedback survey score churn risk
"""
WORDS = tuple(VOCABULARY.split())
TAGS = ("pricing", "onboarding", "sso", "mobile", "billing", "churn", "enterprise")
QUERIES = (
    "onboarding",
    "pricing renewal",
    "outage",
    "hospital nurses",
    "sso tag:sso",
    "invoice account:acct7",
    "migration permissions",
    "forecast",
    "notification reminder calendar",
    "churn risk tag:churn",
)


def _write_csv(path: Path, header: list[str], rows: Iterator[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def write_files(folder: Path, touches: int, rng: random.Random) -> tuple[Path, Path, Path]:
    accounts = max(10, touches // 50)
    contacts = max(20, touches // 5)
    paths = folder / "accounts.csv", folder / "contacts.csv", folder / "touches.csv"
    _write_csv(paths[0], ["name", "domain"], ([f"Account {n}", f"acct{n}.example"] for n in range(accounts)))
    _write_csv(
        paths[1],
        ["email", "name", "account_domain"],
        (
            [f"person{n}@acct{n % accounts}.example", f"Person {n}", f"acct{n % accounts}.example"]
            for n in range(contacts)
        ),
    )

    def touch(n: int) -> list[str]:
        contact = rng.randrange(contacts)
        topic = rng.choice(TOPICS)
        summary = " ".join(rng.choices(WORDS, k=rng.randint(30, 90)))
        day = TODAY - timedelta(days=rng.randrange(720))
        return [
            day.isoformat(),
            f"person{contact}@acct{contact % accounts}.example",
            f"acct{contact % accounts}.example",
            f"U0PM{rng.randrange(350):05d}",
            rng.choice(KINDS),
            f"{topic.capitalize()} {n}",
            f"{topic} {summary}",
            ";".join(rng.sample(TAGS, rng.randint(0, 2))),
            f"https://notes.example/{n}",
        ]

    header = ["date", "contact_email", "account_domain", "by", "kind", "topic", "summary", "tags", "link"]
    _write_csv(paths[2], header, (touch(n) for n in range(touches)))
    return paths


def like_scan(session: Session, query: SearchQuery) -> int:
    """The baseline: every word with LIKE over topic and summary, newest first, and the total."""
    conditions = [
        or_(
            func.lower(Touch.topic).contains(word, autoescape=True),
            func.lower(Touch.summary).contains(word, autoescape=True),
        )
        for word in query.words
    ]
    matching = select(Touch.id).where(and_(*conditions))
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    list(session.scalars(matching.order_by(Touch.touched_on.desc(), Touch.id.desc()).limit(PAGE_SIZE)))
    return total


def import_all(session_factory: SessionFactory, paths: tuple[Path, Path, Path]) -> tuple[int, int]:
    accounts, contacts, touches = paths
    import_accounts(session_factory, accounts, NOW, TODAY, print)
    import_contacts(session_factory, contacts, NOW, TODAY, print)
    report_ = import_touches(session_factory, touches, NOW, TODAY, print)
    return report_.added, len(report_.problems)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10_000, help="touches to import")
    parser.add_argument(
        "--queries", type=int, default=200, help="searches to time (and as many baseline scans)"
    )
    parser.add_argument("--database", help="an empty database to fill; a scratch SQLite file when left out")
    args = parser.parse_args()
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="ritualbot-research-bench-"))
    paths = write_files(folder, args.n, rng)
    engine = create_database_engine(args.database or scratch_database())
    try:
        upgrade(engine)
        session_factory = create_session_factory(engine)
        added: list[tuple[int, int]] = []
        seconds = timed(lambda: added.append(import_all(session_factory, paths)))
        again: list[tuple[int, int]] = []
        seconds_again = timed(lambda: again.append(import_all(session_factory, paths)))
        print(
            f"import of {args.n:,} touches on {engine.dialect.name}: {seconds:.2f} s "
            f"({added[0][0]:,} added, {added[0][1]} bad rows); the same files again: "
            f"{seconds_again:.2f} s, {again[0][0]} added"
        )
        queries = [parse_query(QUERIES[i % len(QUERIES)]) for i in range(args.queries)]
        samples: list[float] = []
        baseline: list[float] = []
        hits = 0
        with session_factory() as session:
            search(session, queries[0])  # warm the caches once for both
            like_scan(session, queries[0])
            for query in queries:
                pages: list[int] = []
                samples.append(timed(lambda q=query, found=pages: found.append(search(session, q).total)))
                hits += pages[0]
                baseline.append(timed(lambda q=query: like_scan(session, q)))
        print(
            f"{hits / len(queries):.0f} matching touches per query on average; a page is {PAGE_SIZE} results"
        )
        report(
            f"ranked full-text search with snippets over {args.n:,} touches ({engine.dialect.name})",
            samples,
            baseline,
        )
        print("target: median under 100 ms; baseline: LIKE '%word%' over topic and summary, newest first")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
