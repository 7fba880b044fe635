"""Month-close re-pricing of pooled catalog items (pure), with the pricing engine."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from procure.pricing import allocate_json


@dataclass(frozen=True)
class PooledPrice:
    pooled_quantity: int
    unit_price: Decimal
    amounts: dict[str, int]  # participant -> whole yen at the pooled tier


def reprice(contract_price: Decimal, tiers: list[list[str]], quantities: dict[str, int],
            rounding: str = "down") -> PooledPrice:
    """All wards' quantities of one item priced together: the tier of the pooled volume.
    The contract price is the tier from zero; `tiers` are [min_quantity, unit_price] pairs."""
    result = allocate_json({
        "mode": "pooled",
        "participants": [{"id": ward, "quantity": str(q)} for ward, q in quantities.items()],
        "tiers": [{"min_quantity": "0", "unit_price": str(contract_price)}]
                 + [{"min_quantity": str(q), "unit_price": str(p)} for q, p in tiers],
        "rounding": rounding,
    })
    return PooledPrice(int(Decimal(result["pooled_quantity"])),
                       Decimal(result["groups"][0]["unit_price"]),
                       {p["id"]: int(p["goods_amount"]) for p in result["participants"]})
