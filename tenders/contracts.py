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


LEASING_CHOICES = ("allowed", "no", "only")  # PCs: either per demand line, bought only, leased only


def law_kinds(tender_kind: str, leasing: str) -> tuple[str, ...]:
    """The kinds of contract of 地方自治法施行令 別表第5 a tender makes: electricity is その他, generic
    goods are bought, PCs are bought and/or leased as the tender says."""
    if tender_kind == "electricity":
        return ("other",)
    if tender_kind != "pc" or leasing == "no":
        return ("goods",)
    return ("lease",) if leasing == "only" else ("goods", "lease")


def leasing_problem(leasing: str, lease_months) -> str | None:
    """Why a PC demand line does not fit the tender's leasing, if it does not."""
    if leasing == "no" and lease_months:
        return "この案件は購入のみです（リース月数は空欄にしてください）"
    if leasing == "only" and not lease_months:
        return "この案件はリースのみです。リース月数を入力してください"
    return None
