"""Evaluating sealed bids of pooled tenders (pure): evaluated prices for PCs and electricity,
総合評価 (除算方式 / 加算方式), the ceiling price (予定価格), 落札率, and ties drawn by lot with a
recorded seed so the draw can be reproduced.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from procure.money import round_ratio, round_yen
from procure.pricing.policy import PricingPolicy, ward_prices

MONTHS = 12
POWER_FACTOR_BASE = Decimal(185)  # 基本料金の力率割引・割増: (185 - 力率) / 100


class IncompleteBid(ValueError):
    """A bid that lacks a price the demand needs: invalid, with the reason."""


# --- PCs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PcDemand:
    ward: str
    pattern: str
    options: tuple[str, ...]
    quantity: int
    lease_months: int | None = None  # None = purchase


@dataclass(frozen=True)
class PcBid:
    pattern_prices: dict[str, Decimal]                # purchase price per unit
    option_prices: dict[tuple[str, str], Decimal]     # (pattern, option) -> purchase price
    lease_monthly: dict[str, Decimal] = field(default_factory=dict)
    lease_option_monthly: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    # 数量段階別単価: pattern -> ((pooled purchased units from, unit price), ...), cheaper with volume
    volume_prices: dict[str, tuple[tuple[int, Decimal], ...]] = field(default_factory=dict)


def _price(prices: dict, key, what: str) -> Decimal:
    if key not in prices:
        raise IncompleteBid(f"{what} の価格がありません: {key}")
    return Decimal(prices[key])


def volume_price_problems(base: Decimal, tiers: list[tuple[int, Decimal]]) -> list[str]:
    """Volume tiers must start above one unit, rise in quantity and never raise the price."""
    problems, previous_quantity, previous_price = [], 1, Decimal(base)
    for quantity, price in tiers:
        if quantity <= previous_quantity:
            problems.append(f"{quantity} 台: 台数は 1 より大きく、前の段階より多くしてください")
        if not 0 <= Decimal(price) <= previous_price:
            problems.append(f"{quantity} 台: 単価 {price} は前の段階の単価 {previous_price} 以下にしてください")
        previous_quantity, previous_price = max(quantity, previous_quantity), min(Decimal(price), previous_price)
    return problems


def pooled_purchases(demands: list[PcDemand]) -> dict[str, int]:
    """Purchased units per pattern over every ward: the volume the tiers are priced at."""
    pooled: dict[str, int] = {}
    for demand in demands:
        if demand.lease_months is None:
            pooled[demand.pattern] = pooled.get(demand.pattern, 0) + demand.quantity
    return pooled


def pattern_price(bid: PcBid, pattern: str, pooled: int = 0) -> Decimal:
    """The purchase price of one unit when `pooled` units of the pattern are bought together."""
    price = _price(bid.pattern_prices, pattern, "機種")
    for quantity, tier_price in bid.volume_prices.get(pattern, ()):
        if pooled >= quantity:
            price = min(price, Decimal(tier_price))
    return price


def options_price(demand: PcDemand, bid: PcBid) -> Decimal:
    """The purchase price of the demand's options for one unit (volume tiers do not apply)."""
    return sum((_price(bid.option_prices, (demand.pattern, o), "オプション") for o in demand.options), Decimal(0))


def pc_unit_price(demand: PcDemand, bid: PcBid, pooled: int = 0) -> Decimal:
    """Per unit: purchase = pattern (at the volume tier the pooled purchases reach) + options;
    lease = (monthly pattern + options) x months."""
    if demand.lease_months is None:
        return pattern_price(bid, demand.pattern, pooled) + options_price(demand, bid)
    monthly = _price(bid.lease_monthly, demand.pattern, "機種の月額リース料") + sum(
        (_price(bid.lease_option_monthly, (demand.pattern, o), "オプションの月額リース料") for o in demand.options),
        Decimal(0))
    return monthly * demand.lease_months


def pc_ward_lines(demands: list[PcDemand], bid: PcBid, policy: PricingPolicy | None = None) -> dict[str, list[dict]]:
    """Per ward, its lines at the prices the tender's pricing policy gives: demands with the same
    pattern, options and lease term form one line. A purchase's pattern price is the volume tier
    the policy's quantity reaches (all wards together, the ward alone, or the ward's group), plus
    its options; a lease is (monthly pattern + options) x months. Amounts are rounded per line
    by the policy's rule, so the award is exactly the sum of the ward contracts."""
    policy = policy or PricingPolicy()
    purchases: dict[str, dict[str, int]] = {}
    for demand in demands:
        if demand.lease_months is None:
            by_ward = purchases.setdefault(demand.pattern, {})
            by_ward[demand.ward] = by_ward.get(demand.ward, 0) + demand.quantity
    prices = {pattern: ward_prices(policy, _price(bid.pattern_prices, pattern, "機種"),
                                   bid.volume_prices.get(pattern, ()), quantities)
              for pattern, quantities in purchases.items()}
    items: dict[tuple, dict[str, int]] = {}
    for demand in demands:
        wards = items.setdefault((demand.pattern, demand.options, demand.lease_months), {})
        wards[demand.ward] = wards.get(demand.ward, 0) + demand.quantity
    lines: dict[str, list[dict]] = {}
    for (pattern, options, lease), wards in items.items():
        for ward, quantity in wards.items():
            demand = PcDemand(ward, pattern, options, quantity, lease)
            line = {"pattern": pattern, "options": list(options), "lease_months": lease, "quantity": quantity}
            if lease is None:
                price = prices[pattern][ward]
                unit = price.unit_price + options_price(demand, bid)
                line["pricing"] = {"group": price.group + 1, "group_quantity": price.group_quantity,
                                   "pattern_unit_price": str(price.unit_price)}
            else:
                unit = pc_unit_price(demand, bid)
            line.update(unit_price=str(unit), amount=str(round_yen(unit * quantity, policy.rounding)))
            lines.setdefault(ward, []).append(line)
    return lines


def pc_evaluated_price(demands: list[PcDemand], bid: PcBid, policy: PricingPolicy | None = None) -> Decimal:
    """What the wards would pay under the tender's pricing policy: the sum of their lines."""
    return sum((Decimal(line["amount"]) for lines in pc_ward_lines(demands, bid, policy).values() for line in lines),
               Decimal(0))


# --- electricity --------------------------------------------------------------------------

@dataclass(frozen=True)
class FacilityDemand:
    ward: str
    facility: str
    voltage: str                       # 低圧 / 高圧 / 特別高圧
    contract_kw: Decimal
    power_factor: Decimal              # percent, e.g. 100
    planned_kwh: tuple[Decimal, ...]   # 12 months


@dataclass(frozen=True)
class ElectricityBid:
    rates: dict[str, tuple[Decimal, Decimal]]  # voltage -> (base rate yen per kW-month, energy yen per kWh)


def facility_price(facility: FacilityDemand, bid: ElectricityBid) -> Decimal:
    """Over 12 months: base rate x kW x (185 - power factor)/100 + energy rate x planned kWh, in
    whole yen (fractions dropped per facility, so that ward contracts add up to the award).
    Fuel-cost adjustment and the renewable surcharge are pass-through and not evaluated."""
    if len(facility.planned_kwh) != MONTHS:
        raise ValueError(f"{facility.facility}: 12か月分の予定使用量が必要です")
    if facility.voltage not in bid.rates:
        raise IncompleteBid(f"{facility.voltage} の単価がありません")
    base_rate, energy_rate = (Decimal(v) for v in bid.rates[facility.voltage])
    base = base_rate * Decimal(facility.contract_kw) * (POWER_FACTOR_BASE - Decimal(facility.power_factor)) / 100
    return round_yen(sum((base + energy_rate * Decimal(kwh) for kwh in facility.planned_kwh), Decimal(0)), "down")


def electricity_evaluated_price(facilities: list[FacilityDemand], bid: ElectricityBid) -> Decimal:
    return sum((facility_price(f, bid) for f in facilities), Decimal(0))


# --- scoring and award --------------------------------------------------------------------

@dataclass(frozen=True)
class Scored:
    bidder: str
    price: Decimal
    score: Decimal          # higher is better
    valid: bool = True
    reason: str | None = None


def lowest_price(prices: dict[str, Decimal], ceiling: Decimal | None) -> list[Scored]:
    """Lowest evaluated price wins; bids over the ceiling (予定価格) are invalid."""
    return [_check_ceiling(Scored(b, p, -p), ceiling) for b, p in prices.items()]


def division_method(prices: dict[str, Decimal], technical: dict[str, Decimal], base_points: Decimal,
                    ceiling: Decimal | None, scale: Decimal = Decimal(1_000_000)) -> list[Scored]:
    """除算方式: (standard points + technical points) / price, scaled for readability."""
    return [_check_ceiling(Scored(b, p, round_ratio((base_points + Decimal(technical.get(b, 0))) / p * scale)),
                                  ceiling)
            for b, p in prices.items()]


def addition_method(prices: dict[str, Decimal], technical: dict[str, Decimal], max_price_points: Decimal,
                    ceiling: Decimal) -> list[Scored]:
    """加算方式: price points = max x (1 - bid / ceiling), plus technical points."""
    return [_check_ceiling(Scored(b, p, round_ratio(Decimal(max_price_points) * (1 - p / ceiling)
                                                          + Decimal(technical.get(b, 0)))), ceiling)
            for b, p in prices.items()]


def _check_ceiling(scored: Scored, ceiling: Decimal | None) -> Scored:
    if ceiling is not None and scored.price > ceiling:
        return Scored(scored.bidder, scored.price, scored.score, False, "予定価格を超えています")
    return scored


@dataclass(frozen=True)
class Award:
    winner: str | None
    ranking: list[Scored]
    tied: list[str]
    seed: int | None
    award_rate: Decimal | None  # 落札率 = price / ceiling, 4 dp


def award(scored: list[Scored], ceiling: Decimal | None, seed: int | None = None) -> Award:
    """Best valid score wins. A tie is drawn by lot (くじ) with `seed`, recorded so that anyone
    can repeat the draw: random.Random(seed) shuffles the tied bidders sorted by name."""
    valid = sorted((s for s in scored if s.valid), key=lambda s: (-s.score, s.bidder))
    if not valid:
        return Award(None, valid, [], seed, None)
    best = valid[0].score
    tied = sorted(s.bidder for s in valid if s.score == best)
    winner = tied[0]
    if len(tied) > 1:
        if seed is None:
            raise ValueError("同点のため、くじの種（seed）が必要です")
        draw = list(tied)
        random.Random(seed).shuffle(draw)
        winner = draw[0]
    price = next(s.price for s in valid if s.bidder == winner)
    rate = round_ratio(price / ceiling) if ceiling else None
    return Award(winner, valid, tied if len(tied) > 1 else [], seed if len(tied) > 1 else None, rate)
