"""Per-ward contracts after an award (pure): each ward's lines priced with the pricing engine so
that the ward contracts add up exactly to the award; quantity changes within the tolerance."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from procure.money import round_yen
from procure.pricing import allocate_json
from tenders.evaluation import PcBid, PcDemand, pc_unit_price, pooled_purchases


def ward_amounts(demands: list[PcDemand], bid: PcBid) -> dict[str, list[dict]]:
    """Per ward, its contract lines. Demands with the same pattern, options and lease term form one
    item priced in pooled mode by the engine (one group: the award's unit price for every ward, at
    the volume tier that all wards' purchases of the pattern reach together)."""
    pooled = pooled_purchases(demands)
    items: dict[tuple, list[PcDemand]] = defaultdict(list)
    for demand in demands:
        items[(demand.pattern, demand.options, demand.lease_months)].append(demand)
    lines: dict[str, list[dict]] = defaultdict(list)
    for (pattern, options, lease), group in items.items():
        unit = pc_unit_price(group[0], bid, pooled.get(pattern, 0))
        quantities: dict[str, int] = defaultdict(int)
        for demand in group:
            quantities[demand.ward] += demand.quantity
        result = allocate_json({"mode": "pooled", "rounding": "down",
                                "participants": [{"id": w, "quantity": str(q)} for w, q in quantities.items()],
                                "tiers": [{"min_quantity": "0", "unit_price": str(unit)}]})
        for row in result["participants"]:
            lines[row["id"]].append({"pattern": pattern, "options": list(options), "lease_months": lease,
                                     "quantity": int(Decimal(row["quantity"])), "unit_price": str(unit),
                                     "amount": row["goods_amount"]})
    return dict(lines)


def total(lines: list[dict]) -> Decimal:
    return sum((Decimal(line["amount"]) for line in lines), Decimal(0))


def change_quantity(lines: list[dict], index: int, new_quantity: int, original: int,
                    tolerance_percent: Decimal) -> list[dict]:
    """A post-award change of one line, allowed within ±tolerance of the awarded quantity."""
    limit = Decimal(original) * Decimal(tolerance_percent) / 100
    if new_quantity < 0 or abs(Decimal(new_quantity - original)) > limit:
        raise ValueError(f"数量の変更は契約数量 {original} の ±{tolerance_percent}% 以内にしてください")
    changed = [dict(line) for line in lines]
    line = changed[index]
    line["quantity"] = new_quantity
    line["amount"] = str(round_yen(Decimal(line["unit_price"]) * new_quantity, "down"))
    return changed
