"""Electricity tender evaluation: 23 wards x 200 facilities x 12 months, 15 bids, against a bare
numeric loop over the same data in the same run; then how time grows with facilities.

The bare loop uses floats over plain lists (what a quick script would do); the app uses exact
Decimals through tenders.evaluation.electricity_evaluated_price.

    python bench/bench_tender_evaluation.py
"""
from __future__ import annotations

import pathlib
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tenders.evaluation import ElectricityBid, FacilityDemand, electricity_evaluated_price  # noqa: E402

VOLTAGES = ("低圧", "高圧", "特別高圧")


def make(wards: int, per_ward: int, bids: int, seed: int = 7):
    rng = random.Random(seed)
    facilities = []
    for w in range(wards):
        for f in range(per_ward):
            voltage = rng.choices(VOLTAGES, (60, 35, 5))[0]
            kw = rng.randint(5, 2000)
            facilities.append(FacilityDemand(f"W{w:02d}", f"F{w:02d}-{f:03d}", voltage, Decimal(kw),
                                             Decimal(rng.randint(85, 100)),
                                             tuple(Decimal(rng.randint(100, 400) * kw) for _ in range(12))))
    offers = [ElectricityBid({v: (Decimal(rng.randint(90000, 180000)) / 100, Decimal(rng.randint(1500, 2800)) / 100)
                              for v in VOLTAGES}) for _ in range(bids)]
    return facilities, offers


def bare(facilities, offers):
    rows = [(f.voltage, float(f.contract_kw), float(f.power_factor), [float(k) for k in f.planned_kwh])
            for f in facilities]
    totals = []
    for offer in offers:
        rates = {v: (float(b), float(e)) for v, (b, e) in offer.rates.items()}
        total = 0.0
        for voltage, kw, pf, kwh in rows:
            base, energy = rates[voltage]
            fixed = base * kw * (185 - pf) / 100
            for month in kwh:
                total += fixed + energy * month
        totals.append(total)
    return totals


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main():
    facilities, offers = make(23, 200, 15)
    bare_s, bare_totals = timed(bare, facilities, offers)
    app_s, app_totals = timed(lambda: [electricity_evaluated_price(facilities, o) for o in offers])
    worst = max(abs(float(a) - b) / float(a) for a, b in zip(app_totals, bare_totals))
    print(f"23 wards x 200 facilities x 12 months, 15 bids: app {app_s:.2f} s vs bare float loop {bare_s:.2f} s "
          f"-> ratio {app_s / bare_s:.1f}x (float loop differs by up to {worst:.1e} relative)")
    for per_ward in (50, 100, 200, 400):
        facilities, offers = make(23, per_ward, 15)
        seconds, _ = timed(lambda: [electricity_evaluated_price(facilities, o) for o in offers])
        print(f"  {23 * per_ward:>5} facilities: {seconds:.2f} s ({seconds / (23 * per_ward) * 1e6:.0f} us per facility)")


if __name__ == "__main__":
    main()
