"""Invoice and payment states (pure): which action moves them, from where, and who may take it.

An invoice starts with a discrepancy until the three-way match settles every line (then it is
payable); the ward asks for a correction, and the vendor's corrected invoice supersedes it. Paying
claims it (payment pending); the payment's outcome makes it paid or payable again. A payment is
pending until it succeeds or fails; a failed one is retried as a new attempt.
"""
from __future__ import annotations

from procure.statemachine import OFFICE, SYSTEM, VENDOR, WARD_INSPECTOR, StateMachine, Transition

# Invoice status. MATCHED is an older name kept for existing rows: no transition leads to it.
MATCHED, DISCREPANCY, CORRECTION_REQUESTED, PAYABLE, PAYMENT_PENDING, PAID, SUPERSEDED = (
    "matched", "discrepancy", "correction_requested", "payable", "payment_pending", "paid", "superseded")
# Payment status
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"

PAYER = WARD_INSPECTOR  # 区検収・会計担当


def _t(action: str, sources: set[str], target: str, roles: set[str]) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles))


INVOICE = StateMachine(
    name="請求書",
    states={DISCREPANCY: "不一致あり", CORRECTION_REQUESTED: "訂正依頼中", PAYABLE: "支払可",
            PAYMENT_PENDING: "支払処理中", PAID: "支払済", SUPERSEDED: "差し替え済"},
    initial=frozenset({DISCREPANCY}),
    transitions=(
        # The three-way match after generation (vendor, office batch), upload (vendor) or a
        # resolved line (the ward's payer) settles every line.
        _t("match", {DISCREPANCY}, PAYABLE, {VENDOR, OFFICE, PAYER, SYSTEM}),
        _t("request_correction", {DISCREPANCY}, CORRECTION_REQUESTED, {PAYER}),
        _t("supersede", {CORRECTION_REQUESTED}, SUPERSEDED, {VENDOR}),
        _t("claim_payment", {PAYABLE}, PAYMENT_PENDING, {PAYER}),
        # Paid: the card payment succeeded, the bank made the transfers, or Stripe's webhook says
        # so (also for an attempt first reported as declined: the invoice was payable again).
        _t("pay", {PAYMENT_PENDING, PAYABLE}, PAID, {PAYER, SYSTEM}),
        _t("payment_failed", {PAYMENT_PENDING}, PAYABLE, {PAYER, SYSTEM}),
    ),
    terminal=frozenset({PAID, SUPERSEDED}),
)

PAYMENT = StateMachine(
    name="支払",
    states={PENDING: "処理中", SUCCEEDED: "支払済", FAILED: "失敗"},
    initial=frozenset({PENDING}),
    transitions=(
        _t("succeed", {PENDING, FAILED}, SUCCEEDED, {PAYER, SYSTEM}),
        _t("fail", {PENDING}, FAILED, {PAYER, SYSTEM}),
        _t("retry", {FAILED}, PENDING, {PAYER}),
    ),
    terminal=frozenset({SUCCEEDED}),
)

# A Zengin 総合振込 file: made (作成済), handed to the bank (送信済), the transfers done (振込完了),
# which can be recorded from the transfer date on (invoicing.payments).
CREATED, SENT, COMPLETED = "created", "sent", "completed"

ZENGIN_BATCH = StateMachine(
    name="振込ファイル",
    states={CREATED: "作成済", SENT: "送信済", COMPLETED: "振込完了"},
    initial=frozenset({CREATED}),
    transitions=(
        _t("send", {CREATED}, SENT, {PAYER}),
        _t("complete", {SENT}, COMPLETED, {PAYER}),
    ),
    terminal=frozenset({COMPLETED}),
)

MACHINES = (INVOICE, PAYMENT, ZENGIN_BATCH)
