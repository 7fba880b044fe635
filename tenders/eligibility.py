"""Who may bid and whom they may serve (pure). Every ineligible bid gets its reason; nothing is
dropped silently."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

EACH_WARD, DESIGNATED_WARD = "each_ward", "designated_ward"
TOKYO, IN_WARD = "tokyo", "in_ward"


@dataclass(frozen=True)
class Bidder:
    id: str
    is_sme: bool
    offices: tuple[tuple[str, str | None], ...]  # (prefecture, ward code or None): head office and branches
    qualified_wards: frozenset[str]


@dataclass(frozen=True)
class Rules:
    participating_wards: frozenset[str]
    qualification: str = EACH_WARD          # registration in each participating ward, or in one
    designated_ward: str | None = None
    region: str | None = None               # None, "tokyo" (an office in Tokyo), "in_ward" (in a ward below)
    region_wards: frozenset[str] = frozenset()
    sme_min_valid: int | None = None        # Osaka: with at least N valid SME bids, large-enterprise bids are invalid


def reasons(bidder: Bidder, rules: Rules) -> list[str]:
    found = []
    if rules.qualification == EACH_WARD:
        missing = sorted(rules.participating_wards - bidder.qualified_wards)
        if missing:
            found.append(f"入札参加資格が未登録の区があります: {', '.join(missing)}")
    elif rules.designated_ward not in bidder.qualified_wards:
        found.append(f"指定区（{rules.designated_ward}）の入札参加資格がありません")
    if rules.region == TOKYO and not any(pref == "東京都" for pref, _ in bidder.offices):
        found.append("地域要件: 東京都内に本店または支店がありません")
    if rules.region == IN_WARD and not any(ward in rules.region_wards for _, ward in bidder.offices):
        found.append("地域要件: 指定の区内に本店または支店がありません")
    return found


def apply_sme_rule(valid: dict[str, Bidder], rules: Rules) -> dict[str, str]:
    """Bidders made invalid by the SME preference rule, with the reason."""
    if rules.sme_min_valid is None:
        return {}
    smes = sum(1 for b in valid.values() if b.is_sme)
    if smes < rules.sme_min_valid:
        return {}
    return {bid: f"中小企業者の有効な入札が {smes} 者（{rules.sme_min_valid} 者以上）のため、大企業者の入札は無効"
            for bid, b in valid.items() if not b.is_sme}


@dataclass(frozen=True)
class Criterion:
    """One row of a ward's environmental scoring table (環境配慮)."""
    name: str
    higher_is_better: bool
    bands: tuple[tuple[Decimal, Decimal], ...]  # (bound, points): first band the value reaches


def environmental_score(values: dict[str, Decimal], table: list[Criterion]) -> Decimal:
    total = Decimal(0)
    for criterion in table:
        value = Decimal(values.get(criterion.name, 0))
        for bound, points in criterion.bands:
            if (value >= bound) if criterion.higher_is_better else (value <= bound):
                total += Decimal(points)
                break
    return total


@dataclass(frozen=True)
class WardEnvironment:
    threshold: Decimal = Decimal(70)
    table: list[Criterion] = field(default_factory=list)


def wards_served(values: dict[str, Decimal], wards: dict[str, WardEnvironment]) -> tuple[set[str], dict[str, str]]:
    """Per ward, whether the electricity supplier reaches that ward's threshold with that ward's
    table: the wards it may serve, and for the others why not."""
    ok, refused = set(), {}
    for ward, env in wards.items():
        score = environmental_score(values, env.table)
        if score >= env.threshold:
            ok.add(ward)
        else:
            refused[ward] = f"環境配慮の評価点 {_points(score)} 点が、この区の基準 {_points(env.threshold)} 点に届きません"
    return ok, refused


def _points(value: Decimal) -> str:
    """'80' for a stored 80.0000, '72.5' for 72.50."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
