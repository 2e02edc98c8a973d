"""SQLite's writers take turns on a lock in Python, held from their first write to the end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from storage.sqlite_writer import WriterLock


@pytest.fixture
def writer() -> WriterLock:
    return WriterLock(wait_at_most=30)


@pytest.fixture
def sqlite(tmp_path: Path, writer: WriterLock) -> Iterator[Engine]:
    # No busy timeout at all: a writer that reached SQLite's lock while another held it would
    # fail at once with "database is locked", so every write below succeeding shows the queue.
    engine = create_engine(
        f"sqlite:///{tmp_path / 'writers.db'}", connect_args={"check_same_thread": False, "timeout": 0}
    )
    with engine.begin() as connection:
        connection.execute(text("PRAGMA journal_mode=WAL"))
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    writer.install(engine)
    yield engine
    engine.dispose()


def _notes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT body FROM notes ORDER BY id")))


def test_a_second_writer_waits_for_the_first_to_commit(sqlite: Engine, writer: WriterLock) -> None:
    first_wrote, second_done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def second() -> None:
        first_wrote.wait()
        try:
            with sqlite.begin() as connection:
                connection.execute(text("INSERT INTO notes (body) VALUES ('second')"))
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with sqlite.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('first')"))
        assert writer.held
        first_wrote.set()
        # The second writer queues on the lock; it cannot finish while this one is open.
        assert not second_done.wait(timeout=0.2)
    thread.join()
    assert failures == []
    assert _notes(sqlite) == ["first", "second"]
    assert not writer.held


def test_reads_never_take_the_lock(sqlite: Engine, writer: WriterLock) -> None:
    with sqlite.begin() as writing:
        writing.execute(text("INSERT INTO notes (body) VALUES ('draft')"))
        with sqlite.connect() as reading:  # WAL: the read goes on beside the open write
            assert list(reading.scalars(text("SELECT body FROM notes"))) == []
    assert not writer.held


def test_a_failed_transaction_gives_the_lock_back(sqlite: Engine, writer: WriterLock) -> None:
    def write_then_fail() -> None:
        with sqlite.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('lost')"))
            raise RuntimeError("something failed mid-transaction")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert not writer.held
    with sqlite.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
    assert _notes(sqlite) == ["kept"]


def test_an_autocommit_write_gives_the_lock_back_with_its_connection(
    sqlite: Engine, writer: WriterLock
) -> None:
    with sqlite.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('at once')"))
    assert not writer.held
    assert _notes(sqlite) == ["at once"]


def test_one_connection_writing_several_transactions_keeps_its_turn_per_transaction(
    sqlite: Engine, writer: WriterLock
) -> None:
    with sqlite.connect() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('one')"))
        connection.commit()
        assert not writer.held
        connection.execute(text("INSERT INTO notes (body) VALUES ('two')"))
        assert writer.held
        connection.commit()
    assert not writer.held
    assert _notes(sqlite) == ["one", "two"]
