"""Catalog version, order and order line states (pure): which action moves them, from where, and
who may take it.

A vendor's catalog version is uploaded, imported in the background (invalid, or waiting for
review) and approved or rejected by the office. An order is pending while any of its lines waits
for the ward's approver; each line is approved or rejected, and the order's status follows its
lines (`catalog.approval.order_status`). Approved lines are confirmed and delivered by the vendor.
"""
from __future__ import annotations

from catalog.approval import APPROVED, PARTLY_APPROVED, PENDING, REJECTED
from procure.statemachine import OFFICE, SYSTEM, VENDOR, WARD_APPROVER, StateMachine, Transition

# Catalog version: uploaded -> (import job) -> invalid | pending_review -> approved | rejected
UPLOADED, INVALID, PENDING_REVIEW = "uploaded", "invalid", "pending_review"
# Order line fulfilment, after approval.
LINE_OPEN, LINE_CONFIRMED, LINE_DELIVERED = "open", "confirmed", "delivered"


def _t(action: str, sources: set[str], target: str, roles: set[str]) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles))


CATALOG_VERSION = StateMachine(
    name="カタログ版",
    states={UPLOADED: "取り込み待ち", INVALID: "エラーあり", PENDING_REVIEW: "審査待ち", APPROVED: "承認済",
            REJECTED: "差し戻し"},
    initial=frozenset({UPLOADED}),
    transitions=(
        _t("import_failed", {UPLOADED}, INVALID, {SYSTEM}),
        _t("imported", {UPLOADED}, PENDING_REVIEW, {SYSTEM}),
        _t("approve", {PENDING_REVIEW}, APPROVED, {OFFICE}),
        _t("reject", {PENDING_REVIEW}, REJECTED, {OFFICE}),
    ),
    terminal=frozenset({INVALID, APPROVED, REJECTED}),
)

# An order is approved on placement when no rule asks for an approver.
ORDER = StateMachine(
    name="注文",
    states={PENDING: "承認待ち", APPROVED: "承認済", REJECTED: "却下", PARTLY_APPROVED: "一部承認"},
    initial=frozenset({PENDING, APPROVED}),
    transitions=(
        _t("approve", {PENDING}, APPROVED, {WARD_APPROVER}),
        _t("reject", {PENDING}, REJECTED, {WARD_APPROVER}),
        _t("partly_approve", {PENDING}, PARTLY_APPROVED, {WARD_APPROVER}),
    ),
    terminal=frozenset({APPROVED, REJECTED, PARTLY_APPROVED}),
)

ORDER_LINE_APPROVAL = StateMachine(
    name="注文明細の承認",
    states={PENDING: "承認待ち", APPROVED: "承認済", REJECTED: "却下"},
    initial=frozenset({PENDING, APPROVED}),
    transitions=(
        _t("approve", {PENDING}, APPROVED, {WARD_APPROVER}),
        _t("reject", {PENDING}, REJECTED, {WARD_APPROVER}),
    ),
    terminal=frozenset({APPROVED, REJECTED}),
    attribute="approval",
)

ORDER_LINE_FULFILMENT = StateMachine(
    name="注文明細の納品",
    states={LINE_OPEN: "未確認", LINE_CONFIRMED: "受注確認済", LINE_DELIVERED: "納品済"},
    initial=frozenset({LINE_OPEN}),
    transitions=(
        _t("confirm", {LINE_OPEN}, LINE_CONFIRMED, {VENDOR}),
        _t("deliver", {LINE_OPEN, LINE_CONFIRMED}, LINE_DELIVERED, {VENDOR}),
    ),
    terminal=frozenset({LINE_DELIVERED}),
    attribute="fulfilment",
)

MACHINES = (CATALOG_VERSION, ORDER, ORDER_LINE_APPROVAL, ORDER_LINE_FULFILMENT)
