"""Append-only audit log of every state change: who, when, what, before and after.

Models opt in by inheriting `Audited`. One session listener records inserts,
updates and deletes in the same transaction as the change itself, so a change
and its audit entry commit or roll back together.
"""
from __future__ import annotations

import contextvars
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Index, String, event, insert, inspect, tuple_, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from procure.dbtypes import UTCDateTime, utcnow
from procure.extensions import db

# (user id or None, label) of whoever causes the changes in this context.
_actor: contextvars.ContextVar[tuple[int | None, str]] = contextvars.ContextVar(
    "audit_actor", default=(None, "system")
)


def set_actor(user_id: int | None, label: str):
    return _actor.set((user_id, label))


def reset_actor(token) -> None:
    _actor.reset(token)


class Audited:
    """Marker mixin: changes to these models are written to the audit log."""

    __audit_redact__: frozenset[str] = frozenset()


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    # One entity's history (its page, the OCDS event times of a tender) without scanning its kind.
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)  # no FK: users may be removed
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class AppendOnlyError(RuntimeError):
    pass


def _jsonable(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _columns(obj) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def _snapshot(obj, keys) -> dict:
    redact = obj.__audit_redact__
    return {k: ("***" if k in redact else _jsonable(getattr(obj, k))) for k in keys}


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        masked = key in obj.__audit_redact__
        before[key] = "***" if masked else _jsonable(old)
        after[key] = "***" if masked else _jsonable(new)
    return before, after


def _entry(action, obj, before, after) -> dict:
    actor_id, actor = _actor.get()
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    return {
        "at": utcnow(), "actor_id": actor_id, "actor": actor, "action": action,
        "entity": type(obj).__tablename__,
        "entity_id": ",".join(str(part) for part in identity),
        "before": before, "after": after,
    }


def record(session: Session, action: str, entity: str, entity_id=None, before=None, after=None):
    """An audit entry for an event that is not a row change (sign-in, export ...)."""
    actor_id, actor = _actor.get()
    session.add(AuditLog(actor_id=actor_id, actor=actor, action=action, entity=entity,
                         entity_id=None if entity_id is None else str(entity_id),
                         before=before, after=after))


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditLog) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("the audit log is append-only")


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session, flush_context):
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(_entry("create", obj, None, _snapshot(obj, _columns(obj))))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(_entry("update", obj, before, after))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(_entry("delete", obj, _snapshot(obj, _columns(obj)), None))
    if rows:
        session.connection().execute(insert(AuditLog.__table__), rows)


def audited_update(model, *where, values: dict, connection=None, synchronize_session="auto") -> list[str]:
    """A guarded `UPDATE model SET values WHERE where`, written to the audit log like an ORM change
    (who, when, before and after) in the same transaction. Answers the ids of the rows it changed:
    empty when the guard held for none, which is how callers see that they lost a race.

    Two statements: the first locks the rows the guard holds and reads them as they are (a no-op
    `SET col = col ... RETURNING`, so on PostgreSQL a concurrent writer is waited for and the guard
    re-checked, and on SQLite the write lock is taken); the second writes `values` to exactly those
    rows, still under the guard. So the guarantees of a single guarded UPDATE are kept, and `before`
    is what the row held when it was changed. `connection`: a connection of its own (the job
    runner's progress); otherwise the session's transaction, with `synchronize_session` as for
    any ORM UPDATE."""
    mapper = inspect(model)
    keys = list(values)
    if not keys:
        raise ValueError("audited_update needs values to write")
    pk = list(mapper.primary_key)
    columns = [getattr(model, k) for k in keys]

    def execute(statement, sync):
        if connection is not None:
            return connection.execute(statement)
        return db.session.execute(statement, execution_options={"synchronize_session": sync})

    lock = (update(model).where(*where).values({keys[0]: columns[0]}).returning(*pk, *columns))
    found = {tuple(row[:len(pk)]): row[len(pk):] for row in execute(lock, False)}
    if not found:
        return []
    ids = tuple_(*pk).in_(list(found)) if len(pk) > 1 else pk[0].in_([k[0] for k in found])
    written = execute(update(model).where(*where, ids).values(values).returning(*pk, *columns),
                      synchronize_session)
    redact = getattr(model, "__audit_redact__", frozenset())
    actor_id, actor = _actor.get()
    rows, changed = [], []
    for row in written:
        key, new = tuple(row[:len(pk)]), row[len(pk):]
        entity_id = ",".join(str(part) for part in key)
        changed.append(entity_id)
        old = found.get(key, (None,) * len(keys))
        before, after = {}, {}
        for name, was, now in zip(keys, old, new):
            if was != now:
                before[name] = "***" if name in redact else _jsonable(was)
                after[name] = "***" if name in redact else _jsonable(now)
        if after:
            rows.append({"at": utcnow(), "actor_id": actor_id, "actor": actor, "action": "update",
                         "entity": model.__tablename__, "entity_id": entity_id,
                         "before": before, "after": after})
    if rows:
        (connection if connection is not None else db.session.connection()).execute(
            insert(AuditLog.__table__), rows)
    return changed
