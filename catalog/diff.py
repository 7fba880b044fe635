"""Comparing catalog items across versions (pure). The office reviews what changed.

Each imported item carries a fingerprint of the reviewed fields, so two versions of
50,000 items are compared in the database (join on SKU, compare fingerprints)
without loading either into memory; only sampled rows come back here.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal

from procure.money import round_ratio

# Fields the office reviews; a change in any of them makes the item "changed".
COMPARED = ("name", "spec", "category", "unit", "tax_rate", "list_price", "contract_price",
            "tiers", "green", "min_order_qty", "lead_time_days", "valid_from", "valid_to")


def _canonical(name: str, value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if name == "tiers" and value:
        return ";".join(f"{Decimal(q).normalize():f}:{Decimal(p).normalize():f}" for q, p in value)
    return "" if value is None else str(value)


def fingerprint(item) -> str:
    """Stable digest of the reviewed fields of an item (object or dict)."""
    get = item.get if isinstance(item, dict) else lambda n: getattr(item, n)
    text = "\x1f".join(_canonical(n, get(n)) for n in COMPARED)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def changed_fields(old, new) -> list[str]:
    get_old = old.get if isinstance(old, dict) else lambda n: getattr(old, n)
    get_new = new.get if isinstance(new, dict) else lambda n: getattr(new, n)
    return [n for n in COMPARED if _canonical(n, get_old(n)) != _canonical(n, get_new(n))]


def change_rate(old_price: Decimal, new_price: Decimal) -> Decimal | None:
    """Relative change of a price, 4 dp half-up; None from a zero price."""
    if not old_price:
        return None
    return round_ratio((new_price - old_price) / old_price)
