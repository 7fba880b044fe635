"""The one place that writes an entity's state, always through its state machine
(`procure.statemachine`; the tables live in each package's `states.py`).

- `step(obj, machine, action, role)`: a compare-and-set: `UPDATE ... WHERE id = <its id> AND
  state = <the state the caller read>`, audited. When another transaction changed the state first
  (the row no longer holds what was read), `Conflict`: the use case rolls back whole and the user
  is told someone else was first (409). Side effects of the transition (a budget released, a
  contract made) come after the step in the use case, so they ride on the winning transition only.
  A row not yet in the database (made in this unit of work) is just assigned.
- `move_to(obj, machine, state, role)`: the same for a state computed from other data (an order's
  from its lines', an invoice's from its match): no change when it is already there.
- `guarded_step(Model, machine, action, role, *where, values=...)`: a guarded UPDATE for where
  concurrent writers race (paying an invoice, retrying a payment, a job's status on the runner's
  own connection): the machine's sources are part of the guard, and the change is audited
  (`procure.audit.audited_update`). Answers the ids changed; empty when the guard held for none.
- `derived_step(entity, entity_id, machine, action, role, state)`: for a state read from other
  rows (a delivery line's from its inspection): checks the step and writes the audit entry.

`tests/unit/test_state_assignments.py` fails on a state written anywhere else.
"""
from __future__ import annotations

from sqlalchemy import inspect

from procure import audit
from procure.extensions import db
from procure.statemachine import StateMachine, TransitionError  # noqa: F401  (callers catch it)

CONFLICT_MESSAGE = "他の担当者が先に処理しました。画面を更新してください。"


class Conflict(Exception):
    """Another user changed the entity first. Not a ValueError: no form shows it as a field error;
    the app answers 409 (procure.app) and the unit of work rolls back."""

    def __init__(self, entity: str, message: str = CONFLICT_MESSAGE):
        super().__init__(message)
        self.entity, self.message = entity, message


def step(obj, machine: StateMachine, action: str, role: str) -> str:
    """Take `action` on `obj` as `role`: its new state; TransitionError when the machine refuses,
    Conflict when the row no longer holds the state read (nothing changed either way)."""
    attribute = machine.attribute
    seen = getattr(obj, attribute)
    new = machine.step(seen, action, role)
    state = inspect(obj)
    if not state.persistent:
        setattr(obj, attribute, new)
        return new
    model = type(obj)
    keys = state.mapper.primary_key_from_instance(obj)
    where = [column == value for column, value in zip(state.mapper.primary_key, keys)]
    if not audit.audited_update(model, *where, getattr(model, attribute) == seen, values={attribute: new}):
        raise Conflict(machine.name)
    return new


def move_to(obj, machine: StateMachine, state: str, role: str) -> str:
    """Bring `obj` to `state` by the action that leads there (none when it is there already)."""
    current = getattr(obj, machine.attribute)
    if current == state:
        return state
    return step(obj, machine, machine.action_between(current, state, role), role)


def guarded_step(model, machine: StateMachine, action: str, role: str, *where, values: dict | None = None,
                 connection=None, synchronize_session="auto") -> list[str]:
    """UPDATE the rows `where` selects that are in a state `action` may start from: to its target
    state, with `values` besides; audited. The role is checked first (TransitionError)."""
    transition = machine.transition(action)
    if role not in transition.roles:
        raise TransitionError(f"{machine.name}: この操作を行う権限がありません")
    column = getattr(model, machine.attribute)
    sources = sorted(machine.sources_of(action))
    return audit.audited_update(model, *where, column.in_(sources),
                                values={machine.attribute: transition.target, **(values or {})},
                                connection=connection, synchronize_session=synchronize_session)


def derived_step(entity: str, entity_id, machine: StateMachine, action: str, role: str, state: str) -> str:
    """A step of a state that is not a column: checked by the machine and written to the audit
    log (entity, id, before and after) in the current transaction."""
    new = machine.step(state, action, role)
    audit.record(db.session, "update", entity, entity_id, before={machine.attribute: state},
                 after={machine.attribute: new})
    return new
