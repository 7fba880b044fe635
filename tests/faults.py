"""Failure injection for multi-step use cases: make the Nth statement that writes to the database
fail as a real database error would, then show that nothing changed and that the use case can be
run again.

`all_or_nothing(app, action, check)` is the whole recipe:
1. run `action` once inside a unit of work that is then rolled back, counting its writes;
2. for each write (all of them, or an even sample with the first and the last when there are
   many), run `action` as a user would with that write failing: it must raise, and every table
   must read exactly as before (audit log included);
3. run `action` once more without a fault: it must succeed, and `check(result)` sees the result.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
MAX_POINTS = 12


class InjectedFault(Exception):
    """The DB-API error behind the injected OperationalError."""


class _Abort(Exception):
    """Ends the counting run so that its unit of work rolls back."""


class WriteFault:
    """Counts the statements that write on `engine`; with `fail_at=n`, the nth raises
    sqlalchemy.exc.OperationalError before it reaches the database."""

    def __init__(self, engine, fail_at: int | None = None):
        self.engine, self.fail_at, self.writes, self.statements = engine, fail_at, 0, []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if not WRITE.match(statement):
            return
        self.writes += 1
        self.statements.append(statement.split("\n")[0][:120])
        if self.fail_at is not None and self.writes == self.fail_at:
            from sqlalchemy.exc import OperationalError

            raise OperationalError(statement, parameters, InjectedFault(f"injected fault at write {self.writes}"))

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        return False


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, read on a connection of its own, in primary-key order."""
    from sqlalchemy import select

    from procure.extensions import db

    with app.app_context():
        tables = {}
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                tables[table.name] = [tuple(map(repr, row)) for row in conn.execute(select(table).order_by(*order))]
        return tables


def differences(before: dict, after: dict) -> dict[str, tuple[int, int]]:
    """The tables whose rows differ: (rows before, rows after)."""
    return {name: (len(before[name]), len(after.get(name, []))) for name in before if before[name] != after.get(name)}


def points(count: int) -> list[int]:
    if count <= MAX_POINTS:
        return list(range(1, count + 1))
    step = (count - 1) / (MAX_POINTS - 1)
    return sorted({1 + round(i * step) for i in range(MAX_POINTS)})


def count_writes(app, action) -> list[str]:
    """The writes `action` makes, in a unit of work rolled back afterwards."""
    from procure.extensions import db
    from tests.helpers import unit_of_work

    with app.app_context():
        engine = db.engine
    with WriteFault(engine) as counter, pytest.raises(_Abort):
        with unit_of_work(app, each_use_case=False):
            action()
            raise _Abort
    return counter.statements


def fails_cleanly(app, action, at: int, before: dict) -> None:
    """`action` with its write number `at` failing: it raises, and nothing changed."""
    from sqlalchemy.exc import OperationalError

    from procure.extensions import db
    from tests.helpers import unit_of_work

    with app.app_context():
        engine = db.engine
    with WriteFault(engine, fail_at=at) as fault:
        with pytest.raises(OperationalError, match="injected fault"):
            with unit_of_work(app):
                action()
    assert fault.writes >= at, f"write {at} was never reached"
    changed = differences(before, snapshot(app))
    assert not changed, f"a fault at write {at} ({fault.statements[at - 1]}) left changes in {changed}"


def all_or_nothing(app, action, check=None, expected_writes: int = 1):
    """The recipe above. Answers what the successful run returned."""
    from tests.helpers import unit_of_work

    statements = count_writes(app, action)
    assert len(statements) >= expected_writes, statements
    before = snapshot(app)
    for at in points(len(statements)):
        fails_cleanly(app, action, at, before)
    with unit_of_work(app):
        result = action()
        if check is not None:
            check(result)
    assert differences(before, snapshot(app)), "the retry changed nothing"
    return result


@contextmanager
def no_changes(app):
    """The block must leave every table as it found it."""
    before = snapshot(app)
    yield
    changed = differences(before, snapshot(app))
    assert not changed, f"changes left in {changed}"
