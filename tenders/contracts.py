"""Per-ward contracts after an award (pure): each ward's lines priced by the tender's pricing
policy so that the ward contracts add up exactly to the award; quantity changes within the
tolerance."""
from __future__ import annotations

from decimal import Decimal

from procure.money import round_yen
from tenders.evaluation import PcBid, PcDemand, pc_ward_lines
from procure.pricing.policy import PricingPolicy


def ward_amounts(demands: list[PcDemand], bid: PcBid, policy: PricingPolicy | None = None) -> dict[str, list[dict]]:
    """Per ward, its contract lines, priced by the tender's pricing policy (evaluation.pc_ward_lines):
    the same figures the bid was evaluated by, so the ward contracts add up exactly to the award."""
    return pc_ward_lines(demands, bid, policy)


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
