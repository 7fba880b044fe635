"""Pure catalog rules: diff fingerprints, replenishment proposals, pooled month-close prices."""
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from catalog.diff import change_rate, changed_fields, fingerprint
from catalog.pooled import reprice
from catalog.replenish import ParLine, propose

BASE = {"name": "油性ボールペン", "spec": "0.7mm", "category": "文具", "unit": "本",
        "tax_rate": Decimal("0.10"), "list_price": Decimal("120"), "contract_price": Decimal("68"),
        "tiers": None, "green": True, "min_order_qty": 10, "lead_time_days": 1,
        "valid_from": "2026-04-01", "valid_to": None}


def test_fingerprint_ignores_decimal_spelling_but_sees_every_reviewed_field():
    assert fingerprint(BASE) == fingerprint(BASE | {"contract_price": Decimal("68.00")})
    assert fingerprint(BASE) == fingerprint(BASE | {"tiers": None})
    for field, value in [("contract_price", Decimal("69")), ("name", "油性ボールペン黒"),
                         ("tiers", [["100", "60"]]), ("green", False), ("valid_to", "2027-03-31")]:
        changed = BASE | {field: value}
        assert fingerprint(changed) != fingerprint(BASE), field
        assert changed_fields(BASE, changed) == [field]


def test_change_rate():
    assert change_rate(Decimal("68"), Decimal("70")) == Decimal("0.0294")
    assert change_rate(Decimal("100"), Decimal("95")) == Decimal("-0.0500")
    assert change_rate(Decimal("0"), Decimal("5")) is None


def test_replenishment_restores_par_and_respects_minimum_order():
    lines = [ParLine(("v", "pen"), 50, 10), ParLine(("v", "paper"), 10, 1), ParLine(("v", "clip"), 3, 1)]
    assert propose(lines, {("v", "pen"): 45, ("v", "paper"): 4, ("v", "clip"): 5}) == {
        ("v", "pen"): 10, ("v", "paper"): 6}
    assert propose(lines, {}) == {}  # nothing counted, nothing proposed
    with pytest.raises(ValueError):
        propose(lines, {("v", "pen"): -1})


@given(par=st.integers(1, 10_000), counted=st.integers(0, 20_000), minimum=st.integers(1, 500))
def test_replenishment_property(par, counted, minimum):
    proposal = propose([ParLine("k", par, minimum)], {"k": counted}).get("k", 0)
    if counted >= par:
        assert proposal == 0
    else:
        assert counted + proposal >= par
        assert proposal == max(par - counted, minimum)


def test_pooled_reprice_uses_the_tier_of_all_wards_together():
    # 60 + 50 boxes: each ward alone is below the 100-box tier, together they reach it.
    result = reprice(Decimal("1980"), [["100", "1900"], ["500", "1850"]], {"shibuya": 60, "setagaya": 50})
    assert result.pooled_quantity == 110
    assert result.unit_price == Decimal("1900")
    assert result.amounts == {"shibuya": 114000, "setagaya": 95000}


def test_pooled_reprice_rounds_fractional_unit_prices_down_per_ward():
    result = reprice(Decimal("3.5"), [["10", "2.25"]], {"a": 3, "b": 9})
    assert result.unit_price == Decimal("2.25")
    assert result.amounts == {"a": 6, "b": 20}  # 6.75 -> 6, 20.25 -> 20


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 2000), min_size=1))
def test_pooled_price_never_exceeds_the_contract_price(quantities):
    contract = Decimal("1980")
    result = reprice(contract, [["100", "1900"], ["500", "1850"]], quantities)
    for ward, quantity in quantities.items():
        assert result.amounts[ward] <= quantity * contract
    assert result.pooled_quantity == sum(quantities.values())


def test_a_month_priced_by_policy_matches_reprice_when_pooled_and_groups_small_wards():
    from catalog.pooled import price_month
    from procure.pricing.policy import PricingPolicy

    tiers, quantities = [["100", "1900"], ["500", "1850"]], {"a": 60, "b": 50, "c": 450}
    pooled = price_month(Decimal("1980"), tiers, quantities)
    assert {w: p.amount for w, p in pooled.items()} == reprice(Decimal("1980"), tiers, quantities).amounts
    alone = price_month(Decimal("1980"), tiers, quantities, PricingPolicy("individual"))
    assert (alone["a"].unit_price, alone["c"].unit_price) == (Decimal("1980"), Decimal("1900"))
    grouped = price_month(Decimal("1980"), tiers, quantities, PricingPolicy("grouped", group_breaks=(100,)))
    assert (grouped["a"].tier_quantity, grouped["a"].unit_price) == (110, Decimal("1900"))  # a and b together
