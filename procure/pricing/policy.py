"""How volume-tier prices become each ward's unit price (pure): the office's pricing policy for a
tender lot or a pooled catalog item, applied by the pricing engine (contract allocation.md).

Seed 004 tried three policies for the same goods: one pooled price (small towns rode on the large
ones' volume), individual prices (the pooling effect was lost), and groups by planned quantity
(at most 3): each group is priced at the tier its members reach together."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from procure.pricing.engine import MODES, ROUNDING_MODES, allocate_json
from procure.errors import FieldError

MODE_NAMES = {"pooled": "全区共通単価（全区の合計数量の段階）", "individual": "区別単価（各区の数量の段階）",
              "grouped": "グループ別単価（数量の近い区をまとめ、グループの合計数量の段階）"}
ROUNDING_NAMES = {"down": "切り捨て", "half_up": "四捨五入", "up": "切り上げ"}
MAX_GROUPS_LIMIT = 10


class PolicyError(FieldError):
    pass


@dataclass(frozen=True)
class PricingPolicy:
    mode: str = "pooled"
    max_groups: int = 3
    group_breaks: tuple[int, ...] = ()  # grouped: explicit quantity thresholds; empty = automatic
    rounding: str = "down"

    def __post_init__(self):
        if self.mode not in MODES:
            raise PolicyError("単価の決め方を選んでください", "mode")
        if self.rounding not in ROUNDING_MODES:
            raise PolicyError("端数の処理を選んでください", "rounding")
        if not 1 <= self.max_groups <= MAX_GROUPS_LIMIT:
            raise PolicyError(f"グループ数の上限は 1〜{MAX_GROUPS_LIMIT} にしてください", "max_groups")
        breaks = list(self.group_breaks)
        if any(b <= 0 for b in breaks) or breaks != sorted(set(breaks)):
            raise PolicyError("グループの区切りは 1 以上の数量を小さい順に、重複なく入力してください", "group_breaks")

    def describe(self) -> str:
        text = MODE_NAMES[self.mode]
        if self.mode == "grouped":
            text += (f"、区切り {'・'.join(f'{b:,}' for b in self.group_breaks)}" if self.group_breaks
                     else f"、最大 {self.max_groups} グループ")
        return f"{text}、円未満{ROUNDING_NAMES[self.rounding]}"

    def as_dict(self) -> dict:
        return {"mode": self.mode, "max_groups": self.max_groups, "group_breaks": list(self.group_breaks),
                "rounding": self.rounding}

    @classmethod
    def from_dict(cls, data: dict | None) -> PricingPolicy:
        data = data or {}
        return cls(data.get("mode", "pooled"), int(data.get("max_groups", 3)),
                   tuple(int(b) for b in data.get("group_breaks") or ()), data.get("rounding", "down"))


@dataclass(frozen=True)
class WardPrice:
    unit_price: Decimal
    group: int             # index of the ward's group, in increasing order of quantity
    group_quantity: int    # the units the tier was chosen by
    group_members: tuple[str, ...]


def tier_schedule(base_price: Decimal, volume_tiers) -> list[dict]:
    """A bid's price of one unit, cheaper from the listed quantities on, as engine tiers."""
    tiers = [{"min_quantity": "0", "unit_price": str(base_price)}]
    for quantity, price in sorted(volume_tiers):
        tiers.append({"min_quantity": str(quantity), "unit_price": str(min(Decimal(price), base_price))})
    return tiers


def ward_prices(policy: PricingPolicy, base_price: Decimal, volume_tiers, quantities: dict[str, int]) -> dict[str, WardPrice]:
    """Each ward's unit price of one item under the policy, with the group that explains it."""
    wanted = {ward: q for ward, q in quantities.items() if q > 0}
    if not wanted:
        return {}
    request = {"mode": policy.mode, "rounding": policy.rounding, "tiers": tier_schedule(Decimal(base_price), volume_tiers),
               "participants": [{"id": ward, "quantity": str(q)} for ward, q in sorted(wanted.items())]}
    if policy.mode == "grouped":
        if policy.group_breaks:
            request["group_breaks"] = [str(b) for b in policy.group_breaks]
        else:
            request["max_groups"] = policy.max_groups
    result = allocate_json(request)
    groups = result["groups"]
    return {row["id"]: WardPrice(Decimal(row["unit_price"]), row["group"],
                                 int(Decimal(groups[row["group"]]["quantity"])),
                                 tuple(groups[row["group"]]["members"]))
            for row in result["participants"]}
