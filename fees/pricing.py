"""A month's fee per ward (pure), by the pricing engine in pooled mode with a base fee: every
ward pays the base fee and its units at the unit fee of the tier reached by all wards' units."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from procure.pricing import allocate_json
from procure.errors import FieldError


MAX_UNITS = 10_000_000  # a ward's units in a month


class FeeError(FieldError):
    pass


@dataclass(frozen=True)
class WardFee:
    ward: str
    units: int
    pooled_units: int
    unit_fee: Decimal
    base_fee: Decimal
    usage_amount: Decimal

    @property
    def total(self) -> Decimal:
        return self.base_fee + self.usage_amount


def tier_problems(tiers: list[tuple[int, Decimal]]) -> list[str]:
    """Tiers: the first from 0 units, quantities rising, fees not rising with volume."""
    problems = []
    if not tiers or tiers[0][0] != 0:
        problems.append("料金表は 0 件からの段階で始めてください")
    for (q1, f1), (q2, f2) in zip(tiers, tiers[1:]):
        if q2 <= q1:
            problems.append(f"{q2:,}: 段階の件数は前の段階（{q1:,}）より多くしてください")
        if f2 > f1:
            problems.append(f"{q2:,}: 単価 {f2} は前の段階の単価 {f1} 以下にしてください")
    if any(f < 0 for _, f in tiers):
        problems.append("単価は 0 以上にしてください")
    return problems


def month_fees(base_fee: Decimal, tiers: list[tuple[int, Decimal]], units: dict[str, int],
               rounding: str = "down") -> dict[str, WardFee]:
    """Each ward's fee for a month in which `units` were used (wards with no units pay nothing)."""
    used = {ward: n for ward, n in units.items() if n > 0}
    if not used:
        return {}
    result = allocate_json({
        "mode": "pooled", "rounding": rounding, "base_fee": str(base_fee),
        "tiers": [{"min_quantity": str(q), "unit_price": str(f)} for q, f in tiers],
        "participants": [{"id": ward, "quantity": str(n)} for ward, n in sorted(used.items())]})
    pooled = int(Decimal(result["pooled_quantity"]))
    return {row["id"]: WardFee(row["id"], used[row["id"]], pooled, Decimal(row["unit_price"]),
                               Decimal(row["base_fee"]), Decimal(row["goods_amount"]))
            for row in result["participants"]}
