"""Check digits of local government codes, corporate and invoice registration numbers."""
import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.jp import cn

from procure.codes import (CodeError, local_government_code_check_digit,
                           validate_corporate_number, validate_invoice_registration_number,
                           validate_local_government_code)

SEED = Path(__file__).resolve().parents[2] / "seed_data" / "wards.tsv"


def test_all_23_ward_codes_carry_valid_check_digits():
    with open(SEED, encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle, delimiter="\t")]
    assert len(codes) == 23
    assert [validate_local_government_code(c) for c in codes] == codes


@pytest.mark.parametrize("first_five, digit", [("13101", "6"), ("13113", "0"), ("13123", "7")])
def test_local_government_check_digit(first_five, digit):
    assert local_government_code_check_digit(first_five) == digit


def test_wrong_local_government_check_digit():
    with pytest.raises(CodeError, match="検査数字"):
        validate_local_government_code("131017")


def test_full_width_input_is_accepted():
    assert validate_local_government_code("１３１１３０") == "131130"
    assert validate_invoice_registration_number("Ｔ２０１１００１０７１２３４") == "T2011001071234"
    assert validate_invoice_registration_number("t 2011-0010-71234") == "T2011001071234"


@pytest.mark.parametrize("value, reason", [
    ("2011001071234", "T で始まります"),
    ("T201100107123", "13桁"),
    ("T3011001071234", "検査数字"),
    ("T20110010712ab", "13桁"),
])
def test_bad_invoice_registration_numbers_say_why(value, reason):
    with pytest.raises(CodeError, match=reason):
        validate_invoice_registration_number(value)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_number_with_its_check_digit_is_valid_and_any_other_digit_is_not(base):
    good = cn.calc_check_digit(base) + base
    assert validate_corporate_number(good) == good
    assert validate_invoice_registration_number("T" + good) == "T" + good
    for digit in "0123456789":
        if digit != good[0]:
            with pytest.raises(CodeError):
                validate_corporate_number(digit + base)
