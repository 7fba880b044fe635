"""Approval rules for ward orders (pure)."""
from __future__ import annotations

from decimal import Decimal

PENDING, APPROVED, REJECTED, PARTLY_APPROVED = "pending", "approved", "rejected", "partly_approved"


def approval_reasons(total: Decimal, categories: set[str], threshold: Decimal | None,
                     restricted: set[str]) -> list[str]:
    """Why an order needs an approver; empty means it is approved on placement."""
    reasons = []
    if threshold is not None and total > threshold:
        reasons.append(f"金額 {total:,} 円が承認基準額 {threshold:,} 円を超えています")
    for category in sorted(categories & restricted):
        reasons.append(f"承認が必要な分類「{category}」を含みます")
    return reasons


def order_status(line_decisions: list[str]) -> str:
    """The order's status from its lines' decisions."""
    if not line_decisions or PENDING in line_decisions:
        return PENDING
    if all(d == APPROVED for d in line_decisions):
        return APPROVED
    if all(d == REJECTED for d in line_decisions):
        return REJECTED
    return PARTLY_APPROVED
