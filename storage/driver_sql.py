"""A statement a deadline rush runs hundreds of times a second, compiled once, sent as driver SQL.

SQLAlchemy compiles a statement once and caches the result, but every execution still builds an
execution context around the cursor: it looks the statement up in the cache, builds its
parameters from the compiled form, and sets up a result. For the answer modal's submission,
five short statements (the replay record, one read, three writes), that bookkeeping was about
a quarter of the CPU an acknowledgement cost in process, and a rush's acknowledgements follow
the CPU each one costs.

`DriverSQL` keeps, per dialect, what does not change from one execution to the next: the SQL
text SQLAlchemy compiled, the order of its parameters, the values of the statement's own bound
constants, each parameter's conversion (its type's bind processor, as SQLAlchemy applies it)
and each selected column's result processor. It runs the text with `Connection.exec_driver_sql`,
which keeps what matters of the connection: its transaction, its events (the SQLite writer
lock, `storage.sqlite_writer`), its error wrapping and the pool's handling of a dropped
connection (`storage.idle_ping`).

Only for statements whose values all come from the caller or from the statement itself: a
column's Python-side default is filled by SQLAlchemy's execution context, which this skips, so
a statement that would need one is refused when it is compiled. Anything that is not on a hot
path goes through `Connection.execute` or a session as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Convert = Callable[[Any], Any] | None

# An INSERT's count of new rows stays readable after the statement (SQLAlchemy keeps it only for
# UPDATE and DELETE otherwise): a conflict-ignoring INSERT says "new" or "there before" with it.
_KEEP_ROWCOUNT = {"preserve_rowcount": True}


class NotForDriverSQL(ValueError):
    """The statement needs SQLAlchemy's execution context (a Python-side default, say)."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Positional drivers (SQLite's `?`): each placeholder's parameter, in order, and its
    # conversion. Named drivers (psycopg's `%(name)s`) get a mapping instead.
    positions: tuple[tuple[str, Convert], ...] | None
    conversions: Mapping[str, Convert]
    # The statement's own values (a constant it sets, say), converted once.
    constants: Mapping[str, Any]
    columns: tuple[Convert, ...]
    options: Mapping[str, Any] | None

    def arguments(self, given: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters: the caller's values converted, and the statement's own
        where the caller gives none (as `execute` takes them)."""
        try:
            if self.positions is not None:
                return tuple(self._value(name, convert, given) for name, convert in self.positions)
            return {name: self._value(name, convert, given) for name, convert in self.conversions.items()}
        except KeyError as missing:
            raise TypeError(f"no value given for the parameter {missing}") from None

    def _value(self, name: str, convert: Convert, given: Mapping[str, Any]) -> Any:
        if name not in given:
            return self.constants[name]
        return given[name] if convert is None else convert(given[name])


class DriverSQL:
    """`statement`, compiled once per dialect and run with `Connection.exec_driver_sql`.

    `statement` may be a function of the dialect's name, for a statement written in one
    dialect's terms (`ON CONFLICT DO NOTHING`). For an INSERT, `columns` names the columns the
    caller gives values for (the others are left out of the statement), as the keys of a
    parameter dictionary do for `execute`."""

    def __init__(
        self,
        statement: ClauseElement | Callable[[str], ClauseElement],
        *,
        columns: Iterable[str] | None = None,
    ) -> None:
        self._statement = statement
        self._columns = list(columns) if columns is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> CursorResult[Any]:
        compiled = self._by_dialect.get(connection.dialect.name) or self._compile(connection.dialect)
        return connection.exec_driver_sql(compiled.sql, compiled.arguments(parameters), compiled.options)

    def first(self, connection: Connection, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row, its values converted as SQLAlchemy converts them (enums, times, JSON);
        None when there is none. It does not ask the driver for a second row."""
        row = self.execute(connection, parameters).first()
        if row is None:
            return None
        columns = self._by_dialect[connection.dialect.name].columns
        return tuple(
            value if convert is None else convert(value) for convert, value in zip(columns, row, strict=True)
        )

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = (
            self._statement if isinstance(self._statement, ClauseElement) else self._statement(dialect.name)
        )
        compiled = statement.compile(dialect=dialect, column_keys=self._columns)
        assert isinstance(compiled, SQLCompiler)
        if compiled.insert_prefetch or compiled.update_prefetch:
            names = [column.key for column in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise NotForDriverSQL(f"columns with Python-side defaults need values: {', '.join(names)}")
        if compiled.post_compile_params or compiled.escaped_bind_names:
            raise NotForDriverSQL("a parameter rendered at execution time, or one with an escaped name")
        conversions: dict[str, Convert] = {}
        constants: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            conversions[name] = convert
            if not bind.required:  # the statement's own value, not the caller's
                value = bind.effective_value
                constants[name] = value if convert is None else convert(value)
        positions: tuple[tuple[str, Convert], ...] | None = None
        if compiled.positional:
            positions = tuple((name, conversions[name]) for name in compiled.positiontup or ())
        is_dml = compiled.isinsert or compiled.isupdate or compiled.isdelete
        result = _Compiled(
            sql=compiled.string,
            positions=positions,
            conversions=conversions,
            constants=constants,
            columns=_column_conversions(statement, dialect),
            options=_KEEP_ROWCOUNT if is_dml else None,
        )
        self._by_dialect[dialect.name] = result
        return result


def _column_conversions(statement: ClauseElement, dialect: Dialect) -> tuple[Convert, ...]:
    selected: Sequence[Any] = getattr(statement, "selected_columns", ())
    return tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in selected)
