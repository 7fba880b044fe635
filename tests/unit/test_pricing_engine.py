"""The pricing engine on worked examples: contract, seed 004 (プレ印刷帳票), seed 000 (fee).

Contract: shared/contracts/allocation.md. Every rule has at least one example here; the
properties that must hold for all inputs are in test_pricing_properties.py.
"""
import copy
import json
import math
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import pytest

from procure.pricing import (InfeasibleError, PricingError, PricingInputError, allocate, allocate_json,
                             auto_groups, band_groups, largest_remainder, parse_allocation_input,
                             rate_4dp_half_up, round_yen, tier_price, Tier)


def by_id(result: dict) -> dict:
    return {p["id"]: p for p in result["participants"]}


def field(result: dict, name: str) -> dict:
    return {p["id"]: p[name] for p in result["participants"]}


# Contract worked example = seed 004, third round (グループ別単価).
WORKED_EXAMPLE = {
    "mode": "grouped",
    "participants": [
        {"id": "A", "quantity": "50000", "standalone_amount": "200000"},
        {"id": "B", "quantity": "10000", "standalone_amount": "80000"},
        {"id": "C", "quantity": "1000", "standalone_amount": "12000"},
        {"id": "D", "quantity": "500", "standalone_amount": "12500"},
    ],
    "tiers": [{"min_quantity": "0", "unit_price": "13.0"},
              {"min_quantity": "10000", "unit_price": "6.0"},
              {"min_quantity": "50000", "unit_price": "3.0"}],
    "group_breaks": ["5000", "40000"],
}


def worked_example(**changes) -> dict:
    data = copy.deepcopy(WORKED_EXAMPLE)
    data.update(changes)
    return data


# --------------------------------------------------------------------------- contract example

def test_worked_example_exactly_as_in_the_contract():
    result = allocate_json(WORKED_EXAMPLE)
    assert result["mode"] == "grouped"
    assert result["pooled_quantity"] == "61500"
    assert result["groups"] == [
        {"members": ["C", "D"], "quantity": "1500", "unit_price": "13.0"},
        {"members": ["B"], "quantity": "10000", "unit_price": "6.0"},
        {"members": ["A"], "quantity": "50000", "unit_price": "3.0"},
    ]
    assert by_id(result)["A"] == {
        "id": "A", "group": 2, "quantity": "50000", "unit_price": "3.0", "goods_amount": "150000",
        "base_fee": "0", "shared_costs": "0", "adjustment": "0", "total": "150000",
        "standalone_amount": "200000", "savings": "50000", "savings_rate": "0.2500"}
    assert field(result, "total") == {"A": "150000", "B": "60000", "C": "13000", "D": "6500"}
    assert field(result, "group") == {"A": 2, "B": 1, "C": 0, "D": 0}
    assert by_id(result)["D"]["savings"] == "6000"
    assert by_id(result)["D"]["savings_rate"] == "0.4800"
    # C's standalone quote (12,000) is below its group price: a negative saving, shown as such
    assert by_id(result)["C"]["savings"] == "-1000"
    assert by_id(result)["C"]["savings_rate"] == "-0.0833"
    assert result["totals"] == {
        "goods_amount": "229500", "base_fee": "0", "shared_costs": "0", "adjustment": "0",
        "total": "229500", "standalone_amount": "304500", "savings": "75000", "savings_rate": "0.2463"}


def test_participants_come_in_input_order_and_output_is_json():
    data = worked_example(participants=WORKED_EXAMPLE["participants"][::-1])
    result = allocate_json(data)
    assert [p["id"] for p in result["participants"]] == ["D", "C", "B", "A"]
    assert result["groups"][0]["members"] == ["D", "C"]  # members in input order
    assert json.loads(json.dumps(result)) == result


# --------------------------------------------------------------------------- seed 004, rounds 1-3

# Standalone quotes (単独で調達する場合の見積): A 50,000 x 4.0 = 200,000; B 10,000 x 8.0 = 80,000;
# C 5,000 x 12.0 = 60,000; D 500 x 25.0 = 12,500. Rounds 2 and 3 list C with 1,000 sheets, so C's
# standalone amount is only unambiguous in round 1; its savings are not asserted in round 2.
SEED_STANDALONE = {"A": "200000", "B": "80000", "C": "60000", "D": "12500"}


def seed_participants(quantities: dict, with_standalone=("A", "B", "C", "D")) -> list:
    return [{"id": pid, "quantity": quantity,
             **({"standalone_amount": SEED_STANDALONE[pid]} if pid in with_standalone else {})}
            for pid, quantity in quantities.items()]


ROUND_1 = {
    # 共同調達1回目, 全団体共通単価 3.5. The seed gives only the price reached (3.5 for the pooled
    # 65,500 sheets); the schedule is the contract's input example (0: 4.0, 50,000: 3.5).
    "mode": "pooled",
    "participants": seed_participants({"A": "50000", "B": "10000", "C": "5000", "D": "500"}),
    "tiers": [{"min_quantity": "0", "unit_price": "4.0"}, {"min_quantity": "50000", "unit_price": "3.5"}],
}


def test_seed_004_round_1_common_price():
    result = allocate_json(ROUND_1)
    assert result["pooled_quantity"] == "65500"
    assert result["groups"] == [{"members": ["A", "B", "C", "D"], "quantity": "65500", "unit_price": "3.5"}]
    assert field(result, "total") == {"A": "175000", "B": "35000", "C": "17500", "D": "1750"}
    # A町: 単独 200,000 共同 175,000 削減額 25,000 削減率 12.5%; D町: 12,500 / 1,750 / 10,750 / 86.0%
    assert (by_id(result)["A"]["savings"], by_id(result)["A"]["savings_rate"]) == ("25000", "0.1250")
    assert (by_id(result)["D"]["savings"], by_id(result)["D"]["savings_rate"]) == ("10750", "0.8600")


def test_seed_004_round_2_individual_prices():
    # 2回目, 全団体個別単価: A 2.8, B 6.0, C 12.0, D 20.0 were quoted per participant; one schedule
    # (0: 20.0, 1,000: 12.0, 10,000: 6.0, 50,000: 2.8) reproduces them in individual mode.
    data = {"mode": "individual",
            "participants": seed_participants({"A": "50000", "B": "10000", "C": "1000", "D": "500"},
                                              with_standalone=("A", "B", "D")),
            "tiers": [{"min_quantity": "0", "unit_price": "20.0"}, {"min_quantity": "1000", "unit_price": "12.0"},
                      {"min_quantity": "10000", "unit_price": "6.0"}, {"min_quantity": "50000", "unit_price": "2.8"}]}
    result = allocate_json(data)
    assert field(result, "total") == {"A": "140000", "B": "60000", "C": "12000", "D": "10000"}
    assert field(result, "unit_price") == {"A": "2.8", "B": "6.0", "C": "12.0", "D": "20.0"}
    assert [g["members"] for g in result["groups"]] == [["D"], ["C"], ["B"], ["A"]]
    # A町: 200,000 / 140,000 / 60,000 / 30.0%; D町: 12,500 / 10,000 / 2,500 / 20.0%
    assert (by_id(result)["A"]["savings"], by_id(result)["A"]["savings_rate"]) == ("60000", "0.3000")
    assert (by_id(result)["D"]["savings"], by_id(result)["D"]["savings_rate"]) == ("2500", "0.2000")
    assert by_id(result)["C"]["savings"] is None  # no standalone amount given: null
    assert result["totals"]["standalone_amount"] == "292500"  # A + B + D only
    assert result["totals"]["savings"] == str(292500 - 140000 - 60000 - 10000)


def test_seed_004_round_3_grouped_with_breaks_and_automatically():
    # 3回目, グループ別単価 (最大3グループ): A 3.0 -> 150,000; B 60,000; C, D 13.0 -> 13,000, 6,500
    # A町 200,000 / 150,000 / 50,000 / 25.0%; D町 12,500 / 6,500 / 6,000 / 48.0%
    with_breaks = allocate_json(WORKED_EXAMPLE)
    automatic = allocate_json(worked_example(group_breaks=None, max_groups=3))
    assert automatic["groups"] == with_breaks["groups"]
    assert automatic["participants"] == with_breaks["participants"]
    assert by_id(automatic)["A"]["savings_rate"] == "0.2500"
    assert by_id(automatic)["D"]["savings_rate"] == "0.4800"


def test_seed_004_minimum_saving_of_30_percent_on_round_1():
    # 費用負担 rule 2 (最低30%の削減効果があるように負担額を調整する), applied to round 1:
    # caps A 140,000 B 56,000 C 42,000 D 8,750. A is 35,000 over; slack B 21,000, C 24,500, D 7,000
    # (52,500). Shares of 35,000: B 14,000, C 16,333.33, D 4,666.67 -> the spare yen goes to D.
    result = allocate_json({**ROUND_1, "min_savings_rate": "0.30"})
    assert field(result, "adjustment") == {"A": "-35000", "B": "14000", "C": "16333", "D": "4667"}
    assert field(result, "total") == {"A": "140000", "B": "49000", "C": "33833", "D": "6417"}
    assert field(result, "savings_rate") == {"A": "0.3000", "B": "0.3875", "C": "0.4361", "D": "0.4866"}
    assert result["totals"]["adjustment"] == "0"
    assert result["totals"]["total"] == "229250"  # unchanged by the adjustment


# --------------------------------------------------------------------------- seed 000 fee

def test_seed_000_base_fee_plus_pooled_unit_price():
    # 月額料金 = 1,100円 + 11円 x 300世帯 = 4,400円 when the city-wide total is 20,010 IDs.
    # Only the price at 20,010 is given (11 yen); the lower tiers here are illustrative.
    data = {"mode": "pooled", "base_fee": 1100,
            "participants": [{"id": "our-association", "quantity": 300},
                             {"id": "rest-of-city", "quantity": 19710}],
            "tiers": [{"min_quantity": 0, "unit_price": 15}, {"min_quantity": 10001, "unit_price": 13},
                      {"min_quantity": 20001, "unit_price": 11}]}
    result = allocate_json(data)
    assert result["pooled_quantity"] == "20010"
    ours = by_id(result)["our-association"]
    assert (ours["unit_price"], ours["goods_amount"], ours["base_fee"], ours["total"]) == ("11", "3300", "1100", "4400")
    assert int(ours["total"]) * 12 == 52_800  # 年額料金
    assert result["totals"]["base_fee"] == "2200"


# --------------------------------------------------------------------------- tiers and groups

def test_tier_price_takes_the_largest_min_quantity_not_above_q():
    tiers = [Tier(Decimal(0), Decimal("13.0")), Tier(Decimal(10000), Decimal("6.0")),
             Tier(Decimal(50000), Decimal("3.0"))]
    assert tier_price(tiers, Decimal(0)) == Decimal("13.0")
    assert tier_price(tiers, Decimal("9999.99")) == Decimal("13.0")
    assert tier_price(tiers, Decimal(10000)) == Decimal("6.0")
    assert tier_price(tiers, Decimal(10**9)) == Decimal("3.0")


def test_breaks_make_half_open_bands_and_empty_bands_form_no_group():
    assert band_groups([Decimal(q) for q in (5000, 4999, 40000, 39999)], [Decimal(5000), Decimal(40000)]) == \
        [[1], [0, 3], [2]]
    data = worked_example(group_breaks=["100", "200", "300", "100000"])
    result = allocate_json(data)  # everything above 300 and below 100,000: one band
    assert [g["members"] for g in result["groups"]] == [["A", "B", "C", "D"]]


def test_pooled_and_individual_groups():
    pooled = allocate_json(worked_example(mode="pooled"))
    assert pooled["groups"] == [{"members": ["A", "B", "C", "D"], "quantity": "61500", "unit_price": "3.0"}]
    individual = allocate_json(worked_example(mode="individual"))
    assert field(individual, "unit_price") == {"A": "3.0", "B": "6.0", "C": "13.0", "D": "13.0"}
    # equal quantities in individual mode: groups ordered by quantity, then input order
    data = worked_example(mode="individual", participants=[
        {"id": "X", "quantity": 7}, {"id": "Y", "quantity": 3}, {"id": "Z", "quantity": 7}])
    assert [g["members"] for g in allocate_json(data)["groups"]] == [["Y"], ["X"], ["Z"]]
    assert field(allocate_json(data), "group") == {"X": 1, "Y": 0, "Z": 2}


def test_auto_groups_one_group_per_distinct_quantity_when_few():
    quantities = [Decimal(q) for q in (10, 5, 10, Decimal("5.0"))]
    assert auto_groups(quantities, 3) == [[1, 3], [0, 2]]
    assert auto_groups([], 3) == []


def test_auto_groups_is_jenks_with_ties_to_the_earliest_cut():
    assert auto_groups([Decimal(q) for q in (50, 1, 11, 2, 10)], 3) == [[1, 3], [2, 4], [0]]
    # {1}{2,3} and {1,2}{3} have the same within-group sum of squares (0.5): earliest cut wins
    assert auto_groups([Decimal(q) for q in (1, 2, 3)], 2) == [[0], [1, 2]]
    # every participant counts: {0,2,2,2,3}{9} (SSE 4.8) beats {0,2,2,2}{3,9} (3 + 18)
    assert auto_groups([Decimal(q) for q in (0, 2, 2, 2, 3, 9)], 2) == [[0, 1, 2, 3, 4], [5]]
    assert auto_groups([Decimal(q) for q in (0, 2, 3, 9)], 1) == [[0, 1, 2, 3]]


# --------------------------------------------------------------------------- amounts

@pytest.mark.parametrize("rounding, expected", [("down", ("1", "1")), ("half_up", ("2", "1")), ("up", ("2", "2"))])
def test_rounding_modes_on_goods(rounding, expected):
    data = {"mode": "individual", "rounding": rounding,
            "participants": [{"id": "half", "quantity": 3}, {"id": "quarter", "quantity": 1}],
            "tiers": [{"min_quantity": 0, "unit_price": "1.25"}, {"min_quantity": 2, "unit_price": "0.5"}]}
    result = allocate_json(data)  # 3 x 0.5 = 1.5 and 1 x 1.25 = 1.25
    assert (by_id(result)["half"]["goods_amount"], by_id(result)["quarter"]["goods_amount"]) == expected


def test_rounding_defaults_to_down_and_round_yen_helper():
    below_one_yen = worked_example(participants=[{"id": "A", "quantity": "0.99"}],
                                   tiers=[{"min_quantity": 0, "unit_price": 1}])
    assert allocate_json(below_one_yen)["participants"][0]["total"] == "0"
    assert [round_yen(Decimal("2.5"), mode) for mode in ("down", "half_up", "up")] == [2, 3, 3]
    assert [round_yen(Decimal("2.4"), mode) for mode in ("down", "half_up", "up")] == [2, 2, 3]
    assert [round_yen(Decimal("2"), mode) for mode in ("down", "half_up", "up")] == [2, 2, 2]


def test_largest_remainder_floors_then_gives_spare_yen_to_largest_fractions():
    assert largest_remainder(10, [Decimal(2), Decimal(3), Decimal(2)]) == [3, 4, 3]  # 2.857 4.286 2.857
    assert largest_remainder(10, [3, 2, 2]) == [4, 3, 3]  # 4.286 2.857 2.857
    assert largest_remainder(2, [1, 1, 1]) == [1, 1, 0]  # equal fractions: input order
    assert largest_remainder(100, [Decimal("0.2"), Decimal("0.35"), Decimal("0.45")]) == [20, 35, 45]
    assert largest_remainder(0, [1, 2]) == [0, 0]
    assert largest_remainder(5, [0, 1]) == [0, 5]
    with pytest.raises(ValueError):
        largest_remainder(5, [0, 0])


def test_shared_cost_equal_and_population_4_to_6():
    # 組織運営費 均等割:人口割 = 4:6. 1,000 yen, populations 1, 2, 7:
    # 400/3 + 600 x p/10 = 193.33, 253.33, 553.33 -> floors 999, the spare yen to the first (tie)
    data = {"mode": "pooled", "tiers": [{"min_quantity": 0, "unit_price": 0}],
            "participants": [{"id": "a", "quantity": 0, "population": 1}, {"id": "b", "quantity": 0, "population": 2},
                             {"id": "c", "quantity": 0, "population": 7}],
            "shared_costs": [{"label": "組織運営費", "amount": 1000,
                              "weights": {"equal": "4", "population": "6", "quantity": "0"}}]}
    result = allocate_json(data)
    assert field(result, "shared_costs") == {"a": "194", "b": "253", "c": "553"}
    assert result["totals"]["shared_costs"] == "1000"


def test_shared_cost_for_the_seed_004_towns():
    # the 14 towns' populations (平成23年4月1日) splitting 10,000,000 yen 4:6
    populations = {"葉山町": 32823, "寒川町": 47478, "大磯町": 33037, "二宮町": 29432, "中井町": 9964,
                   "大井町": 17810, "松田町": 11719, "山北町": 11642, "開成町": 16387, "箱根町": 13706,
                   "真鶴町": 8142, "湯河原町": 26729, "愛川町": 41711, "清川村": 3423}
    assert sum(populations.values()) == 304003  # 町村計
    data = {"mode": "pooled", "tiers": [{"min_quantity": 0, "unit_price": 0}],
            "participants": [{"id": town, "quantity": 0, "population": pop} for town, pop in populations.items()],
            "shared_costs": [{"amount": 10_000_000, "weights": {"equal": 4, "population": 6}}]}
    shares = {town: int(value) for town, value in field(allocate_json(data), "shared_costs").items()}
    assert sum(shares.values()) == 10_000_000
    exact = {town: Fraction(4_000_000, 14) + Fraction(6_000_000 * pop, 304003) for town, pop in populations.items()}
    floors = {town: math.floor(share) for town, share in exact.items()}
    spare = 10_000_000 - sum(floors.values())
    largest_fractions = sorted(exact, key=lambda town: exact[town] - floors[town], reverse=True)[:spare]
    assert {town for town in shares if shares[town] == floors[town] + 1} == set(largest_fractions)
    assert all(shares[town] == floors[town] for town in shares if town not in largest_fractions)
    assert shares["清川村"] == 353_273  # 285,714.29 + 67,558.54 = 353,272.83, one of the spare yen


def test_shared_cost_by_quantity_and_default_equal_weights():
    data = worked_example(mode="pooled", shared_costs=[
        {"amount": 615, "weights": {"quantity": 1}},   # 500 / 100 / 10 / 5
        {"amount": 10}])                                # equal: 2.5 each -> 3, 3, 2, 2
    result = allocate(parse_allocation_input(data))
    assert [p.shared_cost_shares for p in result.participants] == [(500, 3), (100, 3), (10, 2), (5, 2)]
    assert allocate_json(data)["totals"]["shared_costs"] == "625"


def test_base_fee_goes_to_every_participant():
    result = allocate_json(worked_example(base_fee="1100"))
    assert field(result, "base_fee") == {"A": "1100", "B": "1100", "C": "1100", "D": "1100"}
    assert field(result, "total") == {"A": "151100", "B": "61100", "C": "14100", "D": "7600"}


# --------------------------------------------------------------------------- adjustment

def test_cap_is_floor_of_standalone_times_one_minus_rate():
    data = {"mode": "pooled", "min_savings_rate": "0.3",
            "participants": [{"id": "over", "quantity": 10000, "standalone_amount": 12345},
                             {"id": "slack", "quantity": 1, "standalone_amount": 100000}],
            "tiers": [{"min_quantity": 0, "unit_price": 1}]}
    result = allocate(parse_allocation_input(data))
    assert [p.cap for p in result.participants] == [8641, 70000]  # 8,641.5 -> 8,641
    assert [p.total for p in result.participants] == [8641, 1360]


def test_participants_without_standalone_neither_give_nor_absorb():
    data = {"mode": "pooled", "min_savings_rate": "0.5",
            "participants": [{"id": "over", "quantity": 100, "standalone_amount": 100},
                             {"id": "no-quote", "quantity": 1000},
                             {"id": "slack", "quantity": 10, "standalone_amount": 1000}],
            "tiers": [{"min_quantity": 0, "unit_price": 1}]}
    result = allocate_json(data)
    assert field(result, "adjustment") == {"over": "-50", "no-quote": "0", "slack": "50"}
    assert by_id(result)["no-quote"]["savings"] is None
    assert result["totals"]["standalone_amount"] == "1100"
    assert result["totals"]["savings"] == str(1100 - 50 - 60)


def test_slack_exactly_enough_brings_everyone_to_the_cap():
    data = {"mode": "pooled", "min_savings_rate": "0.5",
            "participants": [{"id": "a", "quantity": 70, "standalone_amount": 100},
                             {"id": "b", "quantity": 30, "standalone_amount": 100}],
            "tiers": [{"min_quantity": 0, "unit_price": 1}]}
    assert field(allocate_json(data), "total") == {"a": "50", "b": "50"}


def test_no_adjustment_without_rate_or_when_everyone_is_under_the_cap():
    assert allocate_json(WORKED_EXAMPLE)["totals"]["adjustment"] == "0"
    result = allocate_json(worked_example(min_savings_rate="0", participants=[
        {"id": "A", "quantity": "50000", "standalone_amount": "200000"}]))
    assert result["participants"][0]["adjustment"] == "0"


def test_infeasible_minimum_saving_names_the_field_and_shortfall():
    # caps A 20,000 B 8,000 C 1,200 D 1,250: everyone is over, nobody has slack
    with pytest.raises(InfeasibleError) as caught:
        allocate_json(worked_example(min_savings_rate="0.9"))
    message = str(caught.value)
    assert message.startswith("min_savings_rate: infeasible")
    assert "shortfall 199,050 yen" in message and "\n" not in message
    assert (caught.value.needed, caught.value.slack, caught.value.shortfall) == (199050, 0, 199050)
    assert isinstance(caught.value, PricingError) and caught.value.field == "min_savings_rate"


def test_infeasible_by_a_single_yen():
    data = {"mode": "pooled", "min_savings_rate": "0.5",
            "participants": [{"id": "a", "quantity": 71, "standalone_amount": 100},
                             {"id": "b", "quantity": 30, "standalone_amount": 100}],
            "tiers": [{"min_quantity": 0, "unit_price": 1}]}
    with pytest.raises(InfeasibleError, match="shortfall 1 yen"):
        allocate_json(data)


def test_savings_rate_is_four_places_half_up():
    assert str(rate_4dp_half_up(1, 3)) == "0.3333"
    assert str(rate_4dp_half_up(2, 3)) == "0.6667"
    assert str(rate_4dp_half_up(1, 20000)) == "0.0001"  # 0.00005 rounds up
    assert str(rate_4dp_half_up(-1, 20000)) == "-0.0001"  # half away from zero
    assert format(rate_4dp_half_up(0, 7), "f") == "0.0000"


def test_totals_are_null_when_nobody_has_a_standalone_amount():
    result = allocate_json(worked_example(participants=[{"id": "A", "quantity": 1}]))
    assert result["totals"]["standalone_amount"] is None
    assert result["totals"]["savings"] is None and result["totals"]["savings_rate"] is None
    assert result["participants"][0]["savings_rate"] is None


# --------------------------------------------------------------------------- numbers in

def test_numbers_as_json_numbers_decimal_strings_and_full_width_text():
    data = worked_example(participants=[
        {"id": "A", "quantity": "５００００", "standalone_amount": "２００，０００"},
        {"id": "B", "quantity": 10000.0, "standalone_amount": 80000},
        {"id": "C", "quantity": " 1,000 ", "standalone_amount": "12000.00"},
        {"id": "D", "quantity": Decimal("500"), "standalone_amount": "１２５００"}],
        tiers=[{"min_quantity": 0, "unit_price": "１３．０"}, {"min_quantity": "10000", "unit_price": 6.0},
               {"min_quantity": 5e4, "unit_price": 3}])
    result = allocate_json(data)
    assert field(result, "total") == {"A": "150000", "B": "60000", "C": "13000", "D": "6500"}
    assert field(result, "unit_price") == {"A": "3", "B": "6.0", "C": "13.0", "D": "13.0"}
    assert by_id(result)["B"]["quantity"] == "10000.0"
    assert by_id(result)["A"]["standalone_amount"] == "200000"


def test_float_input_is_read_through_its_decimal_text():
    data = {"mode": "pooled", "participants": [{"id": "A", "quantity": 3}],
            "tiers": [{"min_quantity": 0, "unit_price": 0.1}]}
    assert allocate_json(data)["groups"][0]["unit_price"] == "0.1"  # not 0.1000000000000000055...
    data["participants"][0]["quantity"] = "-0"
    assert allocate_json(data)["participants"][0]["quantity"] == "0"


BAD_INPUTS = [
    # (change to the worked example, expected start of the one-line message)
    (lambda d: d.update(mode=None), "mode: is required"),
    (lambda d: d.update(mode="bulk"), 'mode: unknown mode "bulk" (expected pooled, individual or grouped)'),
    (lambda d: d.update(rounding="nearest"), 'rounding: unknown rounding "nearest"'),
    (lambda d: d.update(min_saving_rate="0.3"), "min_saving_rate: unknown field"),
    (lambda d: d.update(tiers=None), "tiers: must be a non-empty list"),
    (lambda d: d.update(tiers=[]), "tiers: must be a non-empty list"),
    (lambda d: d["tiers"].__setitem__(0, "13"), "tiers[0]: must be an object"),
    (lambda d: d["tiers"][0].update(min_quantity="5"), "tiers[0].min_quantity: must be 0"),
    (lambda d: d["tiers"][1].update(min_quantity="0"), "tiers[1].min_quantity: must be strictly increasing"),
    (lambda d: d["tiers"][2].update(min_quantity="10000"), "tiers[2].min_quantity: must be strictly increasing"),
    (lambda d: d["tiers"][1].update(unit_price="-1"), "tiers[1].unit_price: must be >= 0"),
    (lambda d: d["tiers"][1].pop("unit_price"), "tiers[1].unit_price: must be a number, got null"),
    (lambda d: d["tiers"][1].update(price="1"), "tiers[1].price: unknown field"),
    (lambda d: d.update(participants=[]), "participants: must be a non-empty list"),
    (lambda d: d.update(participants={"A": 1}), "participants: must be a non-empty list"),
    (lambda d: d["participants"][2].update(quantity="-1"), "participants[2].quantity: must be >= 0"),
    (lambda d: d["participants"][2].update(quantity="－１"), "participants[2].quantity: must be >= 0"),
    (lambda d: d["participants"][1].update(quantity=True), "participants[1].quantity: must be a number, got true"),
    (lambda d: d["participants"][1].update(quantity="NaN"), 'participants[1].quantity: must be a number, got "NaN"'),
    (lambda d: d["participants"][1].update(quantity="Infinity"), "participants[1].quantity: must be a number"),
    (lambda d: d["participants"][1].update(quantity=float("nan")), "participants[1].quantity: must be a finite number"),
    (lambda d: d["participants"][1].update(quantity=float("inf")), "participants[1].quantity: must be a finite number"),
    (lambda d: d["participants"][1].update(quantity="たくさん"),
     'participants[1].quantity: must be a number, got "たくさん"'),
    (lambda d: d["participants"][1].update(quantity="1e3"), "participants[1].quantity: must be a number"),
    (lambda d: d["participants"][1].update(quantity="1,00"), "participants[1].quantity: must be a number"),
    (lambda d: d["participants"][1].update(quantity=[1]),
     "participants[1].quantity: must be a number or a decimal string"),
    (lambda d: d["participants"][1].update(quantity="0.0000000000001"),
     "participants[1].quantity: must have at most 18"),
    (lambda d: d["participants"][1].update(quantity=10**19), "participants[1].quantity: must have at most 18"),
    (lambda d: d["participants"][0].pop("quantity"), "participants[0].quantity: must be a number, got null"),
    (lambda d: d["participants"][0].pop("id"), "participants[0].id: is required"),
    (lambda d: d["participants"][0].update(id=131016), "participants[0].id: is required (a non-empty string)"),
    (lambda d: d["participants"][0].update(id="  "), "participants[0].id: is required"),
    (lambda d: d["participants"][3].update(id="A"), 'participants[3].id: duplicate id "A" (also participants[0])'),
    (lambda d: d["participants"][0].update(standalone_amount="100.5"),
     "participants[0].standalone_amount: must be whole yen"),
    (lambda d: d["participants"][0].update(standalone_amount="0"), "participants[0].standalone_amount: must be > 0"),
    (lambda d: d["participants"][0].update(population="-5"), "participants[0].population: must be >= 0"),
    (lambda d: d["participants"][0].update(standalone="1"), "participants[0].standalone: unknown field"),
    (lambda d: d["participants"].__setitem__(1, None), "participants[1]: must be an object"),
    (lambda d: d.update(group_breaks="5000"), "group_breaks: must be a list"),
    (lambda d: d.update(group_breaks=["5000", "5000"]), "group_breaks[1]: must be strictly increasing"),
    (lambda d: d.update(group_breaks=["-1"]), "group_breaks[0]: must be >= 0"),
    (lambda d: d.update(max_groups=0), "max_groups: must be a whole number from 1 to 100"),
    (lambda d: d.update(max_groups="2.5"), "max_groups: must be a whole number from 1 to 100"),
    (lambda d: d.update(max_groups=101), "max_groups: must be a whole number from 1 to 100"),
    (lambda d: d.update(max_groups=True), "max_groups: must be a number, got true"),
    (lambda d: d.update(base_fee="-1"), "base_fee: must be >= 0"),
    (lambda d: d.update(base_fee="1.5"), "base_fee: must be whole yen"),
    (lambda d: d.update(shared_costs={"amount": 1}), "shared_costs: must be a list"),
    (lambda d: d.update(shared_costs=[{"label": "x"}]), "shared_costs[0].amount: must be a number, got null"),
    (lambda d: d.update(shared_costs=[{"amount": "-1"}]), "shared_costs[0].amount: must be >= 0"),
    (lambda d: d.update(shared_costs=[{"amount": 1, "label": 5}]), "shared_costs[0].label: must be a string"),
    (lambda d: d.update(shared_costs=[{"amount": 1}, {"amount": 1, "weights": {"area": 1}}]),
     "shared_costs[1].weights.area: unknown field (expected equal, population or quantity)"),
    (lambda d: d.update(shared_costs=[{"amount": 1, "weights": {"equal": 0}}]),
     "shared_costs[0].weights: must have a positive sum"),
    (lambda d: d.update(shared_costs=[{"amount": 1, "weights": {"equal": -1, "population": 2}}]),
     "shared_costs[0].weights.equal: must be >= 0"),
    (lambda d: d.update(shared_costs=[{"amount": 1, "weights": {"equal": 4, "population": 6}}]),
     "participants[0].population: is required because shared_costs[0] weights population"),
    (lambda d: [p.update(population=0) for p in d["participants"]] and
     d.update(shared_costs=[{"amount": 1, "weights": {"population": 1}}]),
     "shared_costs[0].weights.population: populations sum to 0"),
    (lambda d: [p.update(quantity=0) for p in d["participants"]] and
     d.update(shared_costs=[{"amount": 1, "weights": {"quantity": 1}}]),
     "shared_costs[0].weights.quantity: quantities sum to 0"),
    (lambda d: d.update(min_savings_rate="1"), "min_savings_rate: must be >= 0 and < 1"),
    (lambda d: d.update(min_savings_rate="-0.1"), "min_savings_rate: must be >= 0 and < 1"),
    (lambda d: d.update(min_savings_rate="30%"), 'min_savings_rate: must be a number, got "30%"'),
]


@pytest.mark.parametrize("change, message", BAD_INPUTS, ids=[m.split(":")[0] + "|" + m.split(":")[1][:24]
                                                             for _, m in BAD_INPUTS])
def test_invalid_input_names_the_field_on_one_line(change, message):
    data = worked_example()
    change(data)
    with pytest.raises(PricingInputError) as caught:
        parse_allocation_input(data)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert caught.value.field == message.split(":")[0]
    assert isinstance(caught.value, ValueError)


def test_input_must_be_an_object_and_user_text_stays_on_one_line():
    with pytest.raises(PricingInputError, match="^input: must be an object$"):
        parse_allocation_input([])
    data = worked_example()
    data["participants"][0]["id"] = "A\nB"
    data["participants"][1]["id"] = "A\nB"
    with pytest.raises(PricingInputError) as caught:
        parse_allocation_input(data)
    assert str(caught.value) == 'participants[1].id: duplicate id "A\\nB" (also participants[0])'


def test_breaks_and_max_groups_are_optional_and_empty_breaks_mean_automatic():
    inp = parse_allocation_input(worked_example(group_breaks=[]))
    assert inp.group_breaks is None and inp.max_groups == 3 and inp.rounding == "down"
    assert inp.base_fee == 0 and inp.shared_costs == () and inp.min_savings_rate is None


def test_engine_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys, procure.pricing; "
            "assert not {'flask', 'sqlalchemy', 'click'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
