"""A fiscal year's cost shares (pure), by the pricing engine (contract allocation.md).

Each ward's joint amount (what it paid under the joint contracts) enters as goods at 1 yen a unit,
so the engine's guarantee compares joint amount + cost share with the ward's standalone amount:
every ward with a standalone amount saves at least `min_savings_rate` of it. A ward over its cap is
lowered to it and the shortfall is recovered from the wards with room, in proportion to their
room; the shares still add up to the costs. Only the cost share is billed, so a guarantee that
would take more than a ward's share is refused: the office cannot pay a ward back here."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from procure.pricing import InfeasibleError, PricingInputError, allocate_json, rate_4dp_half_up
from procure.errors import FieldError

DEFAULT_WEIGHTS = {"equal": Decimal(4), "population": Decimal(6), "quantity": Decimal(0)}
BASIS_NAMES = {"equal": "均等割", "population": "人口割", "quantity": "調達額割"}


class SharingError(FieldError):
    pass


@dataclass(frozen=True)
class CostItem:
    label: str
    amount: Decimal
    weights: dict[str, Decimal]

    def describe_weights(self) -> str:
        used = [(k, w) for k, w in self.weights.items() if w]
        return "：".join(BASIS_NAMES[k] for k, _ in used) + " = " + "：".join(f"{w.normalize():f}" for _, w in used)


@dataclass(frozen=True)
class Member:
    ward: str
    population: int
    joint_amount: Decimal                 # paid under the joint contracts this fiscal year
    standalone_amount: Decimal | None     # what the same would have cost alone (reference)


@dataclass(frozen=True)
class WardShare:
    ward: str
    item_shares: tuple[Decimal, ...]      # per cost item, in order
    adjustment: Decimal                   # the guarantee: negative lowers, positive recovers
    joint_amount: Decimal
    standalone_amount: Decimal | None

    @property
    def shares(self) -> Decimal:
        return sum(self.item_shares, Decimal(0))

    @property
    def bill(self) -> Decimal:
        return self.shares + self.adjustment

    @property
    def saving_rate(self) -> Decimal | None:
        if not self.standalone_amount:
            return None
        return rate_4dp_half_up(self.standalone_amount - self.joint_amount - self.bill, self.standalone_amount)


def _request(members: list[Member], items: list[CostItem], min_savings_rate: Decimal | None) -> dict:
    request = {"mode": "individual", "rounding": "down", "tiers": [{"min_quantity": "0", "unit_price": "1"}],
               "participants": [{"id": m.ward, "quantity": str(m.joint_amount), "population": str(m.population),
                                 **({"standalone_amount": str(m.standalone_amount)}
                                    if m.standalone_amount is not None else {})} for m in members],
               "shared_costs": [{"label": i.label, "amount": str(i.amount),
                                 "weights": {k: str(w) for k, w in i.weights.items()}} for i in items]}
    if min_savings_rate is not None:
        request["min_savings_rate"] = str(min_savings_rate)
    return request


def share_costs(members: list[Member], items: list[CostItem], min_savings_rate: Decimal | None) -> list[WardShare]:
    """Each ward's share of each item and its guarantee adjustment."""
    if not members:
        raise SharingError("負担する区がありません", "wards")
    if not items:
        raise SharingError("運営費の費目がありません", "items")
    if any(m.joint_amount != m.joint_amount.to_integral_value() for m in members):
        raise SharingError("共同調達の支払額は円単位にしてください", "joint_amount")
    try:
        per_item = [{row["id"]: Decimal(row["shared_costs"])
                     for row in allocate_json(_request(members, [item], None))["participants"]} for item in items]
        result = allocate_json(_request(members, items, min_savings_rate))
    except InfeasibleError as exc:
        raise SharingError(f"最低削減率を全区で満たせません（余裕のある区が足りません）: {exc}", "min_savings_rate") from None
    except PricingInputError as exc:
        raise SharingError(f"{exc}", exc.field) from None
    by_ward = {m.ward: m for m in members}
    shares = [WardShare(row["id"], tuple(items_[row["id"]] for items_ in per_item), Decimal(row["adjustment"]),
                        by_ward[row["id"]].joint_amount, by_ward[row["id"]].standalone_amount)
              for row in result["participants"]]
    short = [s for s in shares if s.bill < 0]
    if short:
        raise SharingError("最低削減率を満たすには、負担金を 0 円より下げる区があります（"
                           + "、".join(s.ward for s in short) + "）。負担金だけでは保証できません", "min_savings_rate")
    return shares
