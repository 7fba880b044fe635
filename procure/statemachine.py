"""Explicit state machines (pure): which action moves an entity from which states to which state,
and which roles may take it. Each entity's table lives in a small module of its package
(`invoicing/states.py`, `catalog/states.py` ...) as one `StateMachine`.

`StateMachine.step(state, action, role)` answers the next state or raises `TransitionError` with a
Japanese reason. `allowed(old, new)` answers whether any action leads from `old` to `new`.
`procure.state_guard` is the only place that writes a state: through the ORM (`step`, `move_to`),
as a guarded, audited UPDATE (`guarded_step`), or for a state derived from other rows
(`derived_step`); `tests/unit/test_state_assignments.py` fails on any other.

Roles are the values of `procure.models.Role`, and `SYSTEM` for what no user does by hand
(background jobs, card-payment webhooks, automatic matching).
"""
from __future__ import annotations

from dataclasses import dataclass, field

ANY = "*"  # a source meaning "every state that is not terminal"

# Who may act: procure.models.Role values, and the system itself.
WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR = (
    "ward_staff", "ward_approver", "ward_inspector", "office", "vendor")
SYSTEM = "system"


class TransitionError(ValueError):
    pass


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


@dataclass(frozen=True)
class StateMachine:
    name: str                                  # the entity, as users call it (請求書, 支払 ...)
    states: dict[str, str]                     # state -> label shown to people
    initial: frozenset[str]
    transitions: tuple[Transition, ...]
    terminal: frozenset[str] = field(default_factory=frozenset)
    attribute: str = "status"                  # the model attribute (column) holding the state

    def __post_init__(self):
        known = set(self.states)
        for t in self.transitions:
            unknown = (set(t.sources) - {ANY} | {t.target}) - known
            if unknown:
                raise ValueError(f"{self.name}: unknown states {sorted(unknown)} in {t.action}")
        if not set(self.initial) <= known or not set(self.terminal) <= known:
            raise ValueError(f"{self.name}: initial or terminal states unknown")

    def label(self, state: str) -> str:
        return self.states.get(state, state)

    def _sources(self, t: Transition) -> frozenset[str]:
        if ANY in t.sources:
            return frozenset(set(self.states) - set(self.terminal)) | (t.sources - {ANY})
        return t.sources

    def sources_of(self, action: str) -> frozenset[str]:
        """The states `action` may start from."""
        return self._sources(self.transition(action))

    def transition(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise TransitionError(f"{self.name}: 不明な操作です（{action}）")

    def step(self, state: str, action: str, role: str) -> str:
        """The state after `action` taken by `role`, or TransitionError saying why not."""
        t = self.transition(action)
        if role not in t.roles:
            raise TransitionError(f"{self.name}: この操作を行う権限がありません")
        if state not in self._sources(t):
            raise TransitionError(f"{self.name}は「{self.label(state)}」の状態なので、この操作はできません")
        return t.target

    def actions_from(self, state: str, role: str | None = None) -> list[str]:
        return [t.action for t in self.transitions
                if state in self._sources(t) and (role is None or role in t.roles)]

    def action_between(self, old: str, new: str, role: str | None = None) -> str:
        """The action that leads from `old` to `new` (for a state computed from other data, such as
        an order's from its lines'), or TransitionError."""
        for t in self.transitions:
            if t.target == new and old in self._sources(t) and (role is None or role in t.roles):
                return t.action
        raise TransitionError(f"{self.name}は「{self.label(old)}」から「{self.label(new)}」にはできません")

    def allowed(self, old: str | None, new: str) -> bool:
        if old is None:
            return new in self.initial
        if old == new:
            return True
        return any(t.target == new and old in self._sources(t) for t in self.transitions)

    def edges(self) -> list[tuple[str, str, str]]:
        """Every (source, action, target): what tests walk."""
        return [(s, t.action, t.target) for t in self.transitions for s in sorted(self._sources(t))]
