"""Card payment reconciliation (pure): what our payment rows say against what the provider
(Stripe) says, by the invoice id every PaymentIntent carries in its metadata.

Found:
- DUPLICATE: more than one successful charge for one invoice (a retry with a new key, or a
  provider that ignored the idempotency key): money to refund.
- UNKNOWN_TO_PROVIDER: an invoice we record as paid by card whose charge the provider does not
  know as successful: money we think we paid but did not.
- UNRECORDED: a card payment we hold as pending (outcome unknown, or in flight) that the
  provider charged: to be recorded as paid (the webhook or a retry with the same key does it).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

DUPLICATE, UNKNOWN_TO_PROVIDER, UNRECORDED = "duplicate", "unknown_to_provider", "unrecorded"
LABELS = {DUPLICATE: "二重に決済されています（返金が必要です）",
          UNKNOWN_TO_PROVIDER: "支払済みですが、決済サービスに成功した決済がありません",
          UNRECORDED: "決済サービスでは決済済みですが、支払として記録されていません"}


@dataclass(frozen=True)
class LocalPayment:
    invoice_id: int
    status: str                # pending | succeeded | failed
    intent_id: str | None


@dataclass(frozen=True)
class ProviderCharge:
    intent_id: str
    status: str                # Stripe's PaymentIntent status
    amount: int
    invoice_id: int | None     # from metadata; None when absent or not a number


@dataclass(frozen=True)
class Finding:
    invoice_id: int
    kind: str
    intents: tuple[str, ...]   # the provider's successful charges for the invoice


def findings(local: list[LocalPayment], provider: list[ProviderCharge]) -> list[Finding]:
    """Every discrepancy for the invoices of `local`, ordered by invoice and kind."""
    succeeded: dict[int, list[str]] = defaultdict(list)
    for charge in provider:
        if charge.status == "succeeded" and charge.invoice_id is not None:
            succeeded[charge.invoice_id].append(charge.intent_id)
    found = []
    for payment in sorted(local, key=lambda p: p.invoice_id):
        charges = tuple(sorted(succeeded.get(payment.invoice_id, ())))
        if len(charges) > 1:
            found.append(Finding(payment.invoice_id, DUPLICATE, charges))
        if payment.status == "succeeded" and payment.intent_id not in charges:
            found.append(Finding(payment.invoice_id, UNKNOWN_TO_PROVIDER, charges))
        if payment.status == "pending" and charges:
            found.append(Finding(payment.invoice_id, UNRECORDED, charges))
    return found
