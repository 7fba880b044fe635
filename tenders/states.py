"""Tender and bid states (pure) as state machines: the tender's are those of `tenders.lifecycle`
(which also checks the schedule by the server's clock); a vendor's sealed bid is active until the
vendor replaces it with a new one or withdraws it."""
from __future__ import annotations

from procure.statemachine import ANY, VENDOR, StateMachine, Transition
from tenders import lifecycle

ACTIVE, REPLACED, WITHDRAWN = "active", "replaced", "withdrawn"

TENDER = StateMachine(
    name="入札案件",
    states={lifecycle.DRAFT: "下書き", lifecycle.DEMAND: "需要取りまとめ中", lifecycle.PUBLISHED: "公告中",
            lifecycle.QUESTIONS: "質問受付中", lifecycle.BIDDING: "入札受付中", lifecycle.OPENED: "開札済",
            lifecycle.EVALUATION: "評価中", lifecycle.AWARDED: "落札決定", lifecycle.CONTRACTED: "契約済",
            lifecycle.COMPLETED: "完了", lifecycle.CANCELLED: "中止", lifecycle.NO_VALID_BID: "不調"},
    initial=frozenset({lifecycle.DRAFT}),
    transitions=tuple(Transition(action, frozenset(sources) or frozenset({ANY}), target, frozenset({role}))
                      for action, (sources, target, role) in lifecycle.TRANSITIONS.items()),
    terminal=lifecycle.TERMINAL,
)

BID = StateMachine(
    name="入札",
    states={ACTIVE: "有効", REPLACED: "再提出により無効", WITHDRAWN: "辞退"},
    initial=frozenset({ACTIVE}),
    transitions=(
        Transition("replace", frozenset({ACTIVE}), REPLACED, frozenset({VENDOR})),
        Transition("withdraw", frozenset({ACTIVE}), WITHDRAWN, frozenset({VENDOR})),
    ),
    terminal=frozenset({REPLACED, WITHDRAWN}),
)

MACHINES = (TENDER, BID)
