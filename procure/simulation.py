"""Price-allocation simulation: the same demand priced pooled, individual and grouped.

Pure: builds on the pricing engine and returns plain dicts for the page, the
chart and the xlsx download.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from decimal import Decimal

from procure.pricing import InfeasibleError, allocate_json

MODES = ("pooled", "individual", "grouped")


@dataclass
class ModeOutcome:
    mode: str
    result: dict | None  # the engine's output (contract format)
    error: str | None  # e.g. the minimum saving is infeasible in this mode


def compare_modes(allocation_input: dict) -> dict[str, ModeOutcome]:
    """Run every mode on one input. Input errors raise (they are the same in every mode);
    an infeasible minimum saving is reported per mode, since grouping can make it feasible."""
    outcomes = {}
    for mode in MODES:
        data = deepcopy(allocation_input)
        data["mode"] = mode
        try:
            outcomes[mode] = ModeOutcome(mode, allocate_json(data), None)
        except InfeasibleError as exc:
            outcomes[mode] = ModeOutcome(mode, None, str(exc))
    return outcomes


def savings_series(outcomes: dict[str, ModeOutcome], ids: list[str]) -> dict[str, list[Decimal | None]]:
    """Savings per participant for each mode that has a result (for the chart)."""
    series = {}
    for mode, outcome in outcomes.items():
        if outcome.result is None:
            continue
        by_id = {p["id"]: p for p in outcome.result["participants"]}
        series[mode] = [None if by_id[i]["savings"] is None else Decimal(by_id[i]["savings"])
                        for i in ids]
    return series


def parse_tier_lines(text: str) -> list[tuple[Decimal, Decimal]]:
    """'0:13\\n10000:6' (full-width digits and colons welcome) -> [(0, 13), (10000, 6)]."""
    import unicodedata

    from procure.textnorm import parse_decimal

    tiers = []
    for number, line in enumerate(unicodedata.normalize("NFKC", text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        quantity, sep, price = line.replace("\t", ":").partition(":")
        if not sep:
            raise ValueError(f"{number}行目: 「数量下限:単価」の形で入力してください（例 10000:6）")
        try:
            tiers.append((parse_decimal(quantity), parse_decimal(price)))
        except ValueError as exc:
            raise ValueError(f"{number}行目: {exc}") from None
    if not tiers:
        raise ValueError("単価表を1行以上入力してください")
    return tiers


def parse_breaks(text: str) -> list[Decimal]:
    import re
    import unicodedata

    from procure.textnorm import parse_decimal

    parts = [p for p in re.split(r"[,、\s]+", unicodedata.normalize("NFKC", text or "")) if p]
    return [parse_decimal(p) for p in parts]


@dataclass
class SimulationSettings:
    tiers: list[tuple[Decimal, Decimal]]
    group_breaks: list[Decimal]
    max_groups: int
    base_fee: Decimal
    shared_cost: Decimal | None
    weights: dict[str, Decimal]
    min_savings_rate: Decimal | None
    rounding: str


def allocation_input(settings: SimulationSettings, participants: list[dict]) -> dict:
    """The engine's input (contract format) from the page's settings and demand rows."""
    data = {
        "mode": "grouped",
        "participants": participants,
        "tiers": [{"min_quantity": str(q), "unit_price": str(p)} for q, p in settings.tiers],
        "max_groups": settings.max_groups,
        "base_fee": str(settings.base_fee),
        "rounding": settings.rounding,
        "shared_costs": [],
    }
    if settings.group_breaks:
        data["group_breaks"] = [str(b) for b in settings.group_breaks]
    if settings.shared_cost:
        data["shared_costs"] = [{"label": "共通経費", "amount": str(settings.shared_cost),
                                 "weights": {k: str(v) for k, v in settings.weights.items()}}]
    if settings.min_savings_rate is not None:
        data["min_savings_rate"] = str(settings.min_savings_rate)
    return data
