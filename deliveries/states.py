"""Delivery line states (pure): a delivered line waits for inspection (検収); the ward's inspector
accepts it, accepts part of it, or rejects it. The state is not a column: it is read from the
line's inspection (`line_state`), and each transition is written to the audit log."""
from __future__ import annotations

from procure.statemachine import WARD_INSPECTOR, StateMachine, Transition

AWAITING, ACCEPTED, PARTLY_ACCEPTED, REJECTED = "awaiting_inspection", "accepted", "partly_accepted", "rejected"


def _t(action: str, target: str) -> Transition:
    return Transition(action, frozenset({AWAITING}), target, frozenset({WARD_INSPECTOR}))


DELIVERY_LINE = StateMachine(
    name="納品明細",
    states={AWAITING: "検収待ち", ACCEPTED: "合格", PARTLY_ACCEPTED: "一部不合格", REJECTED: "不合格"},
    initial=frozenset({AWAITING}),
    transitions=(_t("accept", ACCEPTED), _t("partly_accept", PARTLY_ACCEPTED), _t("reject", REJECTED)),
    terminal=frozenset({ACCEPTED, PARTLY_ACCEPTED, REJECTED}),
)

MACHINES = (DELIVERY_LINE,)


def line_state(accepted: int | None, rejected: int | None) -> str:
    """The state of a delivery line from its inspection (None, None: not inspected yet)."""
    if accepted is None and rejected is None:
        return AWAITING
    if not rejected:
        return ACCEPTED
    return REJECTED if not accepted else PARTLY_ACCEPTED


def inspect_action(accepted: int, rejected: int) -> str:
    """The action an inspection with these quantities takes."""
    return {ACCEPTED: "accept", PARTLY_ACCEPTED: "partly_accept", REJECTED: "reject"}[line_state(accepted, rejected)]
