"""Cost-share bill states (pure): issued (請求済) → payment pending (振込処理中, in a Zengin file) →
paid (支払済, when the ward records the transfers done)."""
from __future__ import annotations

from procure.statemachine import SYSTEM, WARD_INSPECTOR, StateMachine, Transition

ISSUED, PAYMENT_PENDING, PAID = "issued", "payment_pending", "paid"
PAYER = WARD_INSPECTOR  # 区検収・会計担当, as for invoices

COST_SHARE = StateMachine(
    name="運営費負担金",
    states={ISSUED: "請求済", PAYMENT_PENDING: "振込処理中", PAID: "支払済"},
    initial=frozenset({ISSUED}),
    transitions=(
        Transition("claim_payment", frozenset({ISSUED}), PAYMENT_PENDING, frozenset({PAYER})),
        Transition("pay", frozenset({PAYMENT_PENDING}), PAID, frozenset({PAYER, SYSTEM})),
    ),
    terminal=frozenset({PAID}),
)

MACHINES = (COST_SHARE,)
