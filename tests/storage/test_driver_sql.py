"""`DriverSQL` writes and reads what SQLAlchemy's own execution does, on each backend: the same
stored values, the same converted results, the statement's own values included."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from storage.driver_sql import DriverSQL, NotForDriverSQL
from storage.models import Delivery, DeliveryState, SeenRequest
from storage.queries import conflict_ignoring_insert

NOW = datetime(2027, 1, 13, 15, 0, 0, 123456, tzinfo=UTC)
DELIVERIES = cast(Table, Delivery.__table__)
COLUMNS = (
    "dedupe_key",
    "kind",
    "target",
    "payload",
    "state",
    "not_before",
    "attempts",
    "maybe_sent",
    "created_at",
)
# An enum, JSON with text outside ASCII, an aware time with microseconds, a boolean.
READ = select(Delivery.state, Delivery.payload, Delivery.not_before, Delivery.maybe_sent).where(
    Delivery.dedupe_key == bindparam("key")
)


def row(key: str) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "kind": "post",
        "target": "C0SALES",
        "payload": {"text": "Lancement prévu — 3 équipes", "items": [1, 2.5, None]},
        "state": DeliveryState.PENDING,
        "not_before": NOW,
        "attempts": 0,
        "maybe_sent": False,
        "created_at": NOW,
    }


def described(delivery: Delivery) -> dict[str, Any]:
    return {column: getattr(delivery, column) for column in COLUMNS if column != "dedupe_key"}


def test_a_row_written_as_driver_sql_reads_back_as_one_written_by_sqlalchemy(engine: Engine) -> None:
    with engine.begin() as connection:
        DriverSQL(insert(DELIVERIES), columns=COLUMNS).execute(connection, row("driver"))
        connection.execute(insert(DELIVERIES), row("sqlalchemy"))
    with Session(engine) as session:
        by_key = {delivery.dedupe_key: delivery for delivery in session.scalars(select(Delivery))}
    assert described(by_key["driver"]) == described(by_key["sqlalchemy"])
    assert described(by_key["driver"]) == described(Delivery(**row("expected")))


def test_the_first_row_comes_back_converted_as_sqlalchemy_converts_it(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(DELIVERIES), row("k1"))
    read = DriverSQL(READ)
    with engine.connect() as connection:
        found = read.first(connection, {"key": "k1"})
        assert found == tuple(connection.execute(READ, {"key": "k1"}).one())
        assert found == (DeliveryState.PENDING, row("k1")["payload"], NOW, False)
        assert read.first(connection, {"key": "none such"}) is None


def test_the_statements_own_values_go_with_the_callers(engine: Engine) -> None:
    sent = DriverSQL(
        update(DELIVERIES)
        .where(DELIVERIES.c.dedupe_key == bindparam("key"))
        .values(state=DeliveryState.SENT, attempts=DELIVERIES.c.attempts + 1, sent_at=bindparam("at"))
    )
    with engine.begin() as connection:
        connection.execute(insert(DELIVERIES), row("k1"))
        assert sent.execute(connection, {"key": "k1", "at": NOW}).rowcount == 1
        assert sent.execute(connection, {"key": "none such", "at": NOW}).rowcount == 0
    with Session(engine) as session:
        delivery = session.scalars(select(Delivery)).one()
        assert (delivery.state, delivery.attempts, delivery.sent_at) == (DeliveryState.SENT, 1, NOW)


def test_a_value_given_for_one_the_statement_has_wins_as_with_execute(engine: Engine) -> None:
    read = select(Delivery.dedupe_key).where(Delivery.dedupe_key == bindparam("key", value="k1"))
    with engine.begin() as connection:
        connection.execute(insert(DELIVERIES), [row("k1"), row("k2")])
    with engine.connect() as connection:
        assert DriverSQL(read).first(connection, {}) == ("k1",)
        assert DriverSQL(read).first(connection, {"key": "k2"}) == ("k2",)
        assert tuple(connection.execute(read, {"key": "k2"}).one()) == ("k2",)


def test_a_conflict_ignoring_insert_counts_the_row_only_when_it_is_new(engine: Engine) -> None:
    record = conflict_ignoring_insert(cast(Table, SeenRequest.__table__), ("signature", "seen_at"))
    with engine.begin() as connection:
        assert record.execute(connection, {"signature": "v0=a", "seen_at": NOW}).rowcount == 1
        assert record.execute(connection, {"signature": "v0=a", "seen_at": NOW}).rowcount == 0
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SeenRequest)) == 1


def test_a_column_whose_python_side_default_is_left_out_is_refused(engine: Engine) -> None:
    # SQLAlchemy fills such a default in the execution context that driver SQL goes without.
    without_attempts = DriverSQL(insert(DELIVERIES), columns=[c for c in COLUMNS if c != "attempts"])
    with engine.begin() as connection, pytest.raises(NotForDriverSQL, match="attempts"):
        without_attempts.execute(connection, row("k1"))


def test_a_parameter_left_out_is_named(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(TypeError, match="'key'"):
        DriverSQL(READ).first(connection, {})
