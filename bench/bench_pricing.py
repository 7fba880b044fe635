"""Benchmark the pricing engine: 23 and 5,000 participants, against a bare loop in the same run.

Workload: mode grouped without group_breaks (automatic grouping, max 3 groups), two shared costs
(equal:population 4:6, and by quantity), min_savings_rate 0.30 with standalone amounts for
everyone (so the adjustment really runs). The baseline is a bare loop that only multiplies each
participant's quantity by a unit price (Decimal x Decimal), for the same participants.

    python bench/bench_pricing.py
"""
import pathlib
import random
import sys
import timeit
from decimal import Decimal

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from procure.pricing import allocate, allocate_json, parse_allocation_input, tier_price  # noqa: E402

TIERS = [{"min_quantity": "0", "unit_price": "13.0"}, {"min_quantity": "10000", "unit_price": "6.0"},
         {"min_quantity": "50000", "unit_price": "3.0"}, {"min_quantity": "1000000", "unit_price": "2.5"}]
TARGET_SECONDS = 1.0  # 5,000 participants must stay well under this


def make_input(count: int, seed: int = 23) -> dict:
    """Ward-like demand: quantities spread over three orders of magnitude."""
    rng = random.Random(seed)
    parsed_tiers = parse_allocation_input({"mode": "pooled", "participants": [{"id": "x", "quantity": 0}],
                                           "tiers": TIERS}).tiers
    participants = []
    for index in range(count):
        quantity = int(10 ** rng.uniform(2.5, 5.5))
        alone = quantity * tier_price(parsed_tiers, Decimal(quantity))
        standalone = int(alone * Decimal(rng.randint(120, 220)) / 100) + rng.randint(20_000, 60_000)
        participants.append({"id": f"P{index:05d}", "quantity": str(quantity),
                             "population": rng.randint(50_000, 950_000), "standalone_amount": str(standalone)})
    return {
        "mode": "grouped", "max_groups": 3, "participants": participants, "tiers": TIERS,
        "shared_costs": [
            {"label": "operations", "amount": str(30_000 * count), "weights": {"equal": "4", "population": "6"}},
            {"label": "delivery", "amount": str(7_000 * count), "weights": {"quantity": "1"}},
        ],
        "min_savings_rate": "0.30", "rounding": "down",
    }


def seconds_per_run(function) -> float:
    """Best of five timings, each over enough runs to last at least 0.2 s."""
    timer = timeit.Timer(function)
    runs, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=runs)) / runs


def bare_loop(quantities, unit_price):
    return [quantity * unit_price for quantity in quantities]


def bench(count: int) -> float:
    data = make_input(count)
    parsed = parse_allocation_input(data)
    result = allocate(parsed)
    adjusted = sum(1 for p in result.participants if p.adjustment)
    quantities = [p.quantity for p in parsed.participants]
    unit_price = Decimal("3.0")

    engine = seconds_per_run(lambda: allocate(parsed))
    end_to_end = seconds_per_run(lambda: allocate_json(data))
    baseline = seconds_per_run(lambda: bare_loop(quantities, unit_price))
    print(f"{count:>6,} participants ({len(result.groups)} groups, {adjusted:,} adjusted):")
    print(f"    allocate()              {engine * 1e3:10.3f} ms/run   ratio {engine / baseline:8.1f}x")
    print(f"    allocate_json() (all)   {end_to_end * 1e3:10.3f} ms/run   ratio {end_to_end / baseline:8.1f}x")
    print(f"    bare q x price loop     {baseline * 1e3:10.3f} ms/run")
    return end_to_end


def main() -> int:
    print(f"Python {sys.version.split()[0]}; ratio = engine time / bare-loop time in this run")
    bench(23)
    slowest = bench(5_000)
    verdict = "OK" if slowest < TARGET_SECONDS / 2 else "SLOW"
    print(f"5,000 participants end to end: {slowest:.3f} s ({verdict}, target well under {TARGET_SECONDS:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
