"""Month-close re-pricing of pooled catalog items (pure), with the pricing engine and the item's
pricing policy."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from procure.money import round_yen
from procure.pricing import allocate_json
from procure.pricing.policy import PricingPolicy, ward_prices


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


@dataclass(frozen=True)
class WardMonthPrice:
    unit_price: Decimal
    tier_quantity: int   # the quantity that set the tier: all wards', the group's or the ward's
    amount: Decimal


def price_month(contract_price: Decimal, tiers: list[list[str]], quantities: dict[str, int],
                policy: PricingPolicy | None = None) -> dict[str, WardMonthPrice]:
    """A month of one pooled item under its pricing policy (pooled when none): each ward's unit
    price and whole-yen amount. Pooled gives the same figures as `reprice`."""
    policy = policy or PricingPolicy()
    prices = ward_prices(policy, Decimal(contract_price), [(int(q), Decimal(p)) for q, p in tiers], quantities)
    return {ward: WardMonthPrice(price.unit_price, price.group_quantity,
                                 round_yen(price.unit_price * quantities[ward], policy.rounding))
            for ward, price in prices.items()}
