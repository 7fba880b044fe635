"""procure.money: the one rounding table and round_yen every package uses."""
from decimal import Decimal as D, Inexact, localcontext

import pytest
from hypothesis import given, strategies as st

from procure.money import ROUNDING_MODES, MoneyRuleError, round_ratio, round_yen

amounts = st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=4, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("amount, mode, expected", [
    ("2.5", "down", 2), ("2.5", "half_up", 3), ("2.5", "up", 3),
    ("-2.5", "down", -2), ("-2.5", "half_up", -3), ("-2.5", "up", -3),
    ("2.4", "half_up", 2), ("7", "up", 7), ("5E+3", "down", 5000),
])
def test_round_yen_modes(amount, mode, expected):
    result = round_yen(D(amount), mode)
    assert result == expected and result.as_tuple().exponent == 0


def test_unknown_mode_is_a_money_rule_error():
    with pytest.raises(MoneyRuleError) as error:
        round_yen(D("1.5"), "bankers")
    assert error.value.field == "rounding"


@given(amounts, st.sampled_from(sorted(ROUNDING_MODES)))
def test_round_yen_is_whole_and_within_one_yen(amount, mode):
    result = round_yen(amount, mode)
    assert result == result.to_integral_value() and abs(result - amount) < 1
    if mode == "down":
        assert abs(result) <= abs(amount)
    if mode == "up":
        assert abs(result) >= abs(amount)


@given(amounts, st.sampled_from(sorted(ROUNDING_MODES)))
def test_round_yen_works_inside_the_pricing_engines_strict_context(amount, mode):
    expected = amount.quantize(D(1), rounding=ROUNDING_MODES[mode])
    with localcontext() as context:
        context.traps[Inexact] = True
        assert round_yen(amount, mode) == expected


def test_round_ratio_is_four_places_half_up():
    assert round_ratio(D("0.12345")) == D("0.1235")
    assert round_ratio(D(2) / D(3)) == D("0.6667")
